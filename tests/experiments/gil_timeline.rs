//! Issue 16: the true GIL timeline, recorded inside the learner's own run by the harness's GIL
//! recorder (`gil_timeline.py`, `gil_sampler.c`), checked where its lessons point at it: two CPU
//! threads take turns of one switch interval, an I/O thread beside a CPU thread waits for the
//! GIL after every sleep, processes each hold their own, and without a GIL threads run at once.

use gil_lab::runs::result::GilTimeline;
use serde_json::json;

use crate::Measured;

fn gil<'a>(m: &'a Measured, variant: &str) -> Result<&'a GilTimeline, String> {
    let v = m.variant(variant);
    v.gil_timeline
        .as_ref()
        .ok_or_else(|| format!("{variant}: no GIL timeline: {:?}", v.gil_timeline_missing))
}

/// Time `lane` spent in `spans`, in ms, and how many spans.
fn lane_ms(spans: &[[f64; 3]], lane: f64) -> (usize, f64) {
    let own: Vec<_> = spans.iter().filter(|s| s[0] == lane).collect();
    (own.len(), own.iter().map(|s| (s[2] - s[1]) * 1e3).sum())
}

/// The median span must be within 10 % of the switch interval (plus one sampling period, the
/// recorder's resolution).
fn near_interval(gil: &GilTimeline, interval_ms: f64) -> Result<f64, String> {
    let median = gil.median_span_ms.ok_or("no median span")?;
    let slack = 0.1 * interval_ms + gil.period_us / 1e3;
    if gil.switches < 10 || (median - interval_ms).abs() > slack {
        return Err(format!(
            "{} switches, median span {median} ms, switch interval {interval_ms} ms",
            gil.switches
        ));
    }
    Ok(median)
}

#[tokio::test]
async fn two_cpu_threads_take_turns_of_one_switch_interval_and_processes_hold_their_own() {
    crate::runtimes::ensure_gil_sampler().expect("the GIL recorder");
    for switch_ms in [5.0, 1.0] {
        let measured = crate::check("timeline", json!({"switch_ms": switch_ms}), |m| {
            let median = near_interval(gil(m, "threads")?, switch_ms)?;
            println!("gil timeline: switch interval {switch_ms} ms, median span {median} ms");
            Ok(())
        })
        .await;
        let threads = gil(&measured, "threads").expect("threads");
        assert!(threads.gil && !threads.processes);
        for worker in [0.0, 1.0] {
            let (held, _) = lane_ms(&threads.spans, worker);
            let (_, waited) = lane_ms(&threads.waits, worker);
            assert!(
                held >= 5 && waited > 0.0,
                "worker {worker} held {held} spans, waited {waited} ms"
            );
        }
        let processes = gil(&measured, "processes").expect("processes");
        assert!(processes.processes && processes.switches == 0, "{processes:?}");
        assert_eq!(processes.lanes(), [0.0, 1.0], "one GIL lane per process");
        assert_eq!(processes.wait_ms, 0.0, "nobody waits for another process's GIL");
    }
}

#[tokio::test]
async fn an_io_thread_beside_a_cpu_thread_waits_for_the_gil_after_every_sleep() {
    crate::runtimes::ensure_gil_sampler().expect("the GIL recorder");
    const MAIN: f64 = -1.0;
    let measured = crate::check("convoy", json!({}), |m| {
        let beside = gil(m, "cpu_threads")?;
        let (waits, waited) = lane_ms(&beside.waits, MAIN);
        println!("convoy: the I/O thread waited {waits} times, {waited:.1} ms in all");
        // 60 sleeps of 1 ms, each followed by a wait of up to a switch interval (5 ms).
        if waits < 30 || waited < 60.0 {
            return Err(format!(
                "beside a CPU thread the I/O thread waited {waits} times, {waited} ms"
            ));
        }
        Ok(())
    })
    .await;
    let (_, alone) = lane_ms(&gil(&measured, "alone").expect("alone").waits, MAIN);
    let (_, beside_process) =
        lane_ms(&gil(&measured, "cpu_processes").expect("processes").waits, MAIN);
    assert!(
        alone < 5.0 && beside_process < 5.0,
        "waits alone {alone} ms, beside a process {beside_process} ms"
    );
}

#[tokio::test]
async fn the_free_threaded_build_shows_turns_with_the_gil_and_overlap_without() {
    crate::runtimes::ensure_runtimes();
    let measured = crate::check("free-threaded", json!({}), |m| {
        let median = near_interval(gil(m, "gil-on/threads")?, 5.0)?;
        let off = gil(m, "gil-off/threads")?;
        let runs: Vec<Vec<(f64, f64)>> = [0.0, 1.0]
            .iter()
            .map(|&w| off.runs.iter().filter(|s| s[0] == w).map(|s| (s[1], s[2])).collect())
            .collect();
        let together = gil_lab::web::charts::overlap_share(&runs);
        println!("free-threaded: GIL on, median span {median} ms; GIL off, together {together:.2}");
        if together < 0.5 {
            return Err(format!(
                "without the GIL both threads ran at once {together:.2} of the time"
            ));
        }
        Ok(())
    })
    .await;
    let off = gil(&measured, "gil-off/threads").expect("GIL off");
    assert!(!off.gil && off.spans.is_empty() && off.switches == 0, "no GIL, no holder: {off:?}");
}
