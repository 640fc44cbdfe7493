//! Lesson 11: coroutines overlap their sleeps on one thread; a CPU step inside a coroutine
//! stalls the event loop (a 1 ms ticker wakes up late by the whole burst), and moving the step
//! to a process pool keeps the ticker on time.

use serde_json::json;

#[tokio::test]
async fn a_cpu_step_in_a_coroutine_stalls_the_loop_and_a_process_pool_does_not() {
    let measured = crate::check("asyncio-blocking", json!({}), |m| {
        let late = |variant: &str| m.metric_f64(variant, "max_late_ms");
        let (alone, in_loop, thread, process) =
            (late("sleep_only"), late("cpu_in_loop"), late("to_thread"), late("to_process"));
        let wall = m.number("sleep_only", "wall_s");
        println!(
            "asyncio-blocking: ticker at most late by {alone} / {in_loop} / {thread} / {process} \
             ms; sleeps only in {wall:.3} s"
        );
        // Quiet machine: 0.26 / 20 / 20 / 3 ms and 0.064 s. 20 coroutines × 3 sleeps of 20 ms
        // overlap into ≈ 0.06 s (1.2 s one after the other); 20 CPU steps of ≈ 1 ms in a burst
        // hold the loop ≈ 20 ms.
        if wall > 0.2 || alone > 5.0 || in_loop < 8.0 || process > 0.5 * in_loop {
            return Err(format!(
                "late by {alone} / {in_loop} / {thread} / {process} ms, sleeps only {wall:.3} s"
            ));
        }
        Ok(())
    })
    .await;
    let ticks = measured.metric("sleep_only", "late_ms").numbers();
    assert!(ticks.len() > 20, "the distribution chart gets every tick: {}", ticks.len());
    assert!(
        measured.metric_f64("cpu_in_loop", "ticks") < measured.metric_f64("sleep_only", "ticks")
    );
}
