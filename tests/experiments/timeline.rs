//! Lesson 2: pure-Python threads take turns in blocks as long as the switch interval and never
//! overlap; processes overlap as far as the cores allow.

use serde_json::json;

use crate::Measured;

/// Threads ≤ 10 % overlap in every repetition; processes ≥ 50 % in at least one (other load on
/// two cores can only keep processes apart, never make threads overlap); the median repetition's
/// thread blocks within a factor of two of `switch_ms`.
fn takes_turns(m: &Measured, switch_ms: f64) -> Result<(), String> {
    let max = |v: &[f64]| v.iter().copied().fold(f64::NAN, f64::max);
    let threads = max(&m.metric_by_repeat("threads", "overlap_pct"));
    let processes = max(&m.metric_by_repeat("processes", "overlap_pct"));
    let block = m.metric_f64("threads", "mean_block_ms");
    println!("timeline {switch_ms} ms: overlap up to {threads}% / {processes}%, blocks {block} ms");
    if threads > 10.0 || processes < 50.0 || !(switch_ms / 2.0..=switch_ms * 2.0).contains(&block) {
        return Err(format!(
            "overlap: threads up to {threads}%, processes at best {processes}%; blocks {block} ms"
        ));
    }
    Ok(())
}

#[tokio::test]
async fn threads_alternate_in_switch_interval_blocks_while_processes_overlap() {
    let measured = crate::check("timeline", json!({}), |m| takes_turns(m, 5.0)).await;
    for variant in ["threads", "processes"] {
        let workers = &measured.variant(variant).workers;
        assert_eq!(workers.len(), 2);
        assert!(workers.iter().all(|w| !w.spans.is_empty()));
    }
}

#[tokio::test]
async fn a_one_ms_switch_interval_shortens_the_blocks() {
    crate::check("timeline", json!({"switch_ms": 1.0}), |m| takes_turns(m, 1.0)).await;
}
