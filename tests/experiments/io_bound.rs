//! Lesson 6: waiting releases the GIL, so threads overlap their waits on two cores as well as on
//! sixteen; CPU work per response does not, and there processes pull ahead of threads.

use serde_json::json;

use crate::Measured;

/// Eight workers waiting 20 ms ten times: ideal 8×; at least 4× leaves room for wake-ups.
fn waits_overlap(m: &Measured) -> Result<(), String> {
    let threads = m.number("threads", "speedup");
    let processes = m.number("processes", "speedup");
    let cores = m.number("threads", "effective_cores");
    println!("io-bound: threads {threads}×, processes {processes}×, threads {cores} cores");
    if threads < 4.0 || processes < 3.0 || cores > 0.3 {
        return Err(format!("threads {threads}×, processes {processes}×, threads {cores} cores"));
    }
    Ok(())
}

#[tokio::test]
async fn threads_overlap_their_sleeps_far_beyond_the_number_of_cores() {
    crate::check("io-bound", json!({}), waits_overlap).await;
}

#[tokio::test]
async fn threads_overlap_their_waits_on_a_local_socket_too() {
    crate::check("io-bound", json!({"wait": "socket"}), waits_overlap).await;
}

#[tokio::test]
async fn with_parsing_per_response_processes_beat_threads() {
    // 10⁶ iterations per response: ≈ 0.5 s of pure Python in all, which threads run on one core.
    crate::check("io-bound", json!({"parse_iterations": 1_000_000}), |m| {
        let threads = m.number("threads", "wall_s");
        let processes = m.number("processes", "wall_s");
        let thread_cores = m.number("threads", "effective_cores");
        let process_cores = m.number("processes", "effective_cores");
        println!(
            "io-bound parse: threads {threads:.3} s ({thread_cores} cores), processes \
             {processes:.3} s ({process_cores} cores)"
        );
        if processes > 0.9 * threads || thread_cores > 1.15 || process_cores < 1.2 {
            return Err(format!(
                "threads {threads:.3} s ({thread_cores} cores), processes {processes:.3} s \
                 ({process_cores} cores)"
            ));
        }
        Ok(())
    })
    .await;
}
