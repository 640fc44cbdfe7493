//! Lesson 3: pure-Python CPU work does not get faster in threads; in processes it does.

use serde_json::json;

#[tokio::test]
async fn threads_stay_on_one_core_while_processes_use_both() {
    let measured = crate::check("cpu-bound", json!({}), |m| {
        let threads = m.number("threads", "effective_cores");
        let processes = m.number("processes", "effective_cores");
        let speedup = m.number("processes", "speedup");
        if threads > 1.3 || processes < 1.4 || speedup < 1.3 {
            return Err(format!(
                "threads {threads} cores, processes {processes} cores, {speedup}×"
            ));
        }
        Ok(())
    })
    .await;
    assert!(measured.number("threads", "speedup") <= 1.25, "threads must not speed up pure Python");
    let workers = measured.variant("threads").workers.len();
    assert_eq!(workers, 4);
}
