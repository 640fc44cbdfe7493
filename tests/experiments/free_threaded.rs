//! Lesson 7: on the free-threaded build with the GIL off, pure-Python threads run on both cores;
//! with the GIL forced on, as on the host's CPython, they take turns on one.
//!
//! Needs a free-threaded CPython: `.ci/install-runtimes` builds one when it is missing.

use serde_json::json;

pub fn free_threaded_installed() {
    crate::runtimes::ensure_runtimes();
}

#[tokio::test]
async fn without_the_gil_threads_use_both_cores_and_with_it_one() {
    free_threaded_installed();
    let measured = crate::check("free-threaded", json!({}), |m| {
        let cores = |variant: &str| m.number(variant, "effective_cores");
        let speedup = |variant: &str| m.number(variant, "speedup");
        let (host, on, off) = (cores("threads"), cores("gil-on/threads"), cores("gil-off/threads"));
        let off_speedup = speedup("gil-off/threads");
        // Quiet machine: host ≈1.0 core, GIL on ≈1.0, GIL off ≈1.9 cores and ≈1.9×.
        if host > 1.3 || on > 1.3 || off < 1.4 || off_speedup < 1.4 {
            return Err(format!(
                "threads: host {host} cores, GIL on {on} cores, GIL off {off} cores and \
                 {off_speedup}× its own sequential"
            ));
        }
        Ok(())
    })
    .await;
    let runtime = |variant: &str| measured.variant(variant).runtime.clone().unwrap_or_default();
    assert!(runtime("gil-off/threads").ends_with('t'), "measured on the free-threaded build");
    assert_eq!(runtime("gil-on/threads"), runtime("gil-off/threads"), "the same interpreter");
    assert!(!runtime("threads").ends_with('t'), "the host's CPython has a GIL");
    assert_eq!(measured.variant("gil-off/threads").gil_enabled, Some(false));
    assert_eq!(measured.variant("gil-on/threads").gil_enabled, Some(true));
}

#[tokio::test]
async fn without_the_gil_counter_plus_one_loses_updates_and_a_lock_never_does() {
    free_threaded_installed();
    let measured = crate::check("hidden-race", json!({}), |m| {
        let lost = m.metric_by_repeat("gil-off/unlocked", "lost_updates");
        let losing = lost.iter().filter(|&&l| l > 0.0).count();
        println!("hidden-race: without the GIL {losing} of {} lost updates: {lost:?}", lost.len());
        if losing * 2 <= lost.len() {
            return Err(format!("without the GIL only {losing} of {} lost updates", lost.len()));
        }
        Ok(())
    })
    .await;
    for locked in ["locked", "gil-on/locked", "gil-off/locked"] {
        let lost = measured.metric_by_repeat(locked, "lost_updates");
        assert_eq!(lost.len(), 10, "{locked}: one record per repetition");
        assert!(lost.iter().all(|&l| l == 0.0), "{locked} must never lose an update: {lost:?}");
    }
    for unlocked in ["unlocked", "gil-on/unlocked"] {
        let lost = measured.metric_by_repeat(unlocked, "lost_updates");
        println!("hidden-race: {unlocked} (with the GIL) lost {lost:?}");
    }
}

#[tokio::test]
async fn subinterpreters_each_with_its_own_gil_use_both_cores_where_threads_use_one() {
    free_threaded_installed();
    let measured = crate::check("subinterpreters", json!({}), |m| {
        let cores = |variant: &str| m.number(variant, "effective_cores");
        let (threads, interpreters) = (cores("gil-on/threads"), cores("gil-on/interpreters"));
        let processes = cores("gil-on/processes");
        // Quiet machine: threads ≈1.0 core, interpreters and processes ≈1.9.
        if threads > 1.3 || interpreters < 1.4 {
            return Err(format!(
                "threads {threads} cores, interpreters {interpreters}, processes {processes}"
            ));
        }
        Ok(())
    })
    .await;
    let interpreters = measured.variant("gil-on/interpreters");
    assert_eq!(interpreters.gil_enabled, Some(true), "each interpreter has a GIL, and it is on");
    let create_ms = measured.metric_f64("gil-on/interpreters", "create_ms");
    assert!(create_ms > 0.0 && create_ms < 1000.0, "creating one takes milliseconds: {create_ms}");
}
