//! Lesson 5: `v.value += 1` and a Manager's `d['count'] += 1` are a read and then a write, so
//! processes lose updates without a lock; with `get_lock()` or `manager.Lock()` they never do.

use serde_json::json;

use crate::Measured;

/// Every repetition adds up (`final + lost == expected`), and the locked kinds lose nothing.
fn assert_consistent_and_locked_exact(m: &Measured, repetitions: usize) {
    for kind in ["unlocked", "locked", "rawvalue", "manager_unlocked", "manager_locked"] {
        let lost = m.metric_by_repeat(kind, "lost_updates");
        let finals = m.metric_by_repeat(kind, "final");
        let expected = m.metric_by_repeat(kind, "expected");
        assert_eq!(lost.len(), repetitions, "{kind}: one record per repetition");
        for ((l, f), e) in lost.iter().zip(&finals).zip(&expected) {
            assert_eq!(l + f, *e, "{kind}: lost + final = expected");
        }
    }
    for kind in ["locked", "manager_locked"] {
        let lost = m.metric_by_repeat(kind, "lost_updates");
        assert!(lost.iter().all(|&l| l == 0.0), "{kind} must never lose an update: {lost:?}");
    }
}

#[tokio::test]
async fn without_a_lock_most_repetitions_lose_updates_with_one_none_do() {
    crate::check("races", json!({}), |m| {
        assert_consistent_and_locked_exact(m, 20);
        assert_eq!(m.metric_by_repeat("unlocked", "expected")[0], 30_000.0, "2 × 15 000");
        let lost = m.metric_by_repeat("unlocked", "lost_updates");
        let losing = lost.iter().filter(|&&l| l > 0.0).count();
        if losing < 15 {
            return Err(format!(
                "unlocked lost updates in only {losing} of 20 repetitions: {lost:?}"
            ));
        }
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn the_notes_own_examples_run_as_written_and_the_locks_still_hold() {
    let m = crate::run("races", json!({"scenario": "notes", "repetitions": 10})).await;
    assert_consistent_and_locked_exact(&m, 10);
    assert_eq!(m.metric_by_repeat("unlocked", "expected")[0], 2000.0, "2 processes × 1000");
    assert_eq!(m.metric_by_repeat("manager_unlocked", "expected")[0], 5.0, "5 processes × 1");
}
