//! Lesson 6: beside a CPU-bound thread, every return from I/O waits for the GIL (the convoy
//! effect); a shorter switch interval shortens the wait, and a process removes it.

use serde_json::json;

use crate::Measured;

fn p50(m: &Measured, variant: &str) -> f64 {
    m.metric_f64(variant, "p50_ms")
}

/// `alone`, beside one CPU thread, at the shorter switch interval, beside a CPU process.
fn medians(m: &Measured) -> [f64; 4] {
    ["alone", "cpu_threads", "short_switch", "cpu_processes"].map(|v| p50(m, v))
}

#[tokio::test]
async fn a_cpu_thread_multiplies_the_latency_of_a_one_ms_sleep() {
    let measured = crate::check("convoy", json!({}), |m| {
        let [alone, threads, short, processes] = medians(m);
        println!("convoy sleep p50 ms: {alone} / {threads} / {short} / {processes}");
        if threads < 3.0 * alone || short > 0.6 * threads || processes > 0.5 * threads {
            return Err(format!(
                "p50 alone {alone} ms, beside a thread {threads} ms, at 0.5 ms {short} ms, \
                 beside a process {processes} ms"
            ));
        }
        Ok(())
    })
    .await;
    let latencies = measured.metric("alone", "latencies_ms").numbers();
    assert_eq!(latencies.len(), 60, "the distribution chart gets every sample");
}

#[tokio::test]
async fn a_cpu_thread_cuts_the_round_trips_of_a_local_echo() {
    crate::check("convoy", json!({"probe": "echo"}), |m| {
        let [alone, threads, short, processes] = medians(m);
        let rate = |v: &str| m.metric_f64(v, "ops_per_s");
        println!(
            "convoy echo p50 ms: {alone} / {threads} / {short} / {processes}; {} vs {} per s",
            rate("alone"),
            rate("cpu_threads")
        );
        if threads < 5.0 * alone || short > 0.6 * threads || processes > 0.5 * threads {
            return Err(format!(
                "p50 alone {alone} ms, beside a thread {threads} ms, at 0.5 ms {short} ms, \
                 beside a process {processes} ms; {} vs {} round trips/s",
                rate("alone"),
                rate("cpu_threads")
            ));
        }
        Ok(())
    })
    .await;
}
