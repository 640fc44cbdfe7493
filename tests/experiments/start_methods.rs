//! Lesson 4: what a worker costs to start and join: a thread, then fork, then forkserver and
//! spawn, which start a fresh interpreter (and redo the main module's imports).

use serde_json::json;

use crate::Measured;

fn ms(m: &Measured, variant: &str) -> f64 {
    m.metric_f64(variant, "ms_per_worker")
}

#[tokio::test]
async fn a_thread_is_cheaper_than_fork_and_spawn_costs_far_more_than_fork() {
    crate::check("start-methods", json!({}), |m| {
        let [thread, fork, forkserver, spawn] =
            ["thread", "fork", "forkserver", "spawn"].map(|v| ms(m, v));
        println!("start-methods ms/worker: {thread} / {fork} / {forkserver} / {spawn}");
        if !(thread < fork && fork < forkserver && spawn >= 5.0 * fork) {
            return Err(format!(
                "ms per worker: thread {thread}, fork {fork}, forkserver {forkserver}, spawn {spawn}"
            ));
        }
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_heavy_import_is_paid_again_by_every_spawned_worker() {
    // ≈ 45 ms of imports: measured 15–20 ms per spawned worker without them, 38–46 ms with.
    let light = ms(&crate::run("start-methods", json!({})).await, "spawn");
    crate::check("start-methods", json!({"heavy_import": true}), |m| {
        let [fork, spawn] = ["fork", "spawn"].map(|v| ms(m, v));
        println!("start-methods heavy ms/worker: fork {fork}, spawn {spawn} (light {light})");
        if spawn < 1.5 * light || spawn < 10.0 * fork {
            return Err(format!(
                "ms per worker: fork {fork}, spawn {spawn}; spawn without the imports {light}"
            ));
        }
        Ok(())
    })
    .await;
}
