//! Leases on either store: a run whose worker stopped renewing its hold (killed, its host gone)
//! is queued again once, then failed with the reason; a worker that lost its hold cannot
//! overwrite what the next one records; a renewed hold keeps the run.

use std::time::Duration;

use gil_lab::runs::RunId;
use gil_lab::runs::lease::{Lease, rfc3339};
use gil_lab::runs::store::{self, Finish, LOST_REASON, claim_next, expire_leases};
use gil_lab::runs::RunStatus;

use crate::helpers::TestApp;

const CPU: &str = r#"{"experiment": "cpu-bound", "params": {"workers": 2}}"#;

fn lease(slot: usize, millis: u64) -> Lease {
    Lease::for_slot(slot, Some("0-1".into()), Duration::from_millis(millis))
}

async fn sweep(app: &TestApp) -> (u64, u64) {
    expire_leases(&app.state.db, 2, &rfc3339(chrono::Utc::now())).await.expect("sweep")
}

async fn status(app: &TestApp, id: &RunId) -> (RunStatus, Option<String>) {
    let run = store::get(&app.state.db, id).await.expect("get").expect("the run");
    (run.status(), run.reason)
}

#[tokio::test]
async fn a_run_whose_worker_stopped_renewing_is_queued_again_once_then_failed() {
    let app = TestApp::spawn().await;
    app.post_json("/api/runs", CPU).await;
    let first = claim_next(&app.state.db, &lease(0, 50)).await.expect("claim").expect("a run");
    assert_eq!(first.worker_host.as_deref(), Some(lease(0, 50).host.as_str()));
    assert_eq!(first.worker_cpus.as_deref(), Some("0-1"));
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert_eq!(sweep(&app).await, (1, 0), "lost once: queued again");
    assert_eq!(status(&app, &first.id()).await.0, RunStatus::Queued);

    let second = claim_next(&app.state.db, &lease(1, 50)).await.expect("claim").expect("again");
    assert_eq!((second.id(), second.attempts), (first.id(), 2));
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert_eq!(sweep(&app).await, (0, 1), "lost twice: failed");
    let (after, reason) = status(&app, &first.id()).await;
    assert_eq!(after, RunStatus::Failed);
    assert_eq!(reason.as_deref(), Some(LOST_REASON));
}

#[tokio::test]
async fn a_held_lease_is_left_alone_and_renewing_it_keeps_the_run() {
    let app = TestApp::spawn().await;
    app.post_json("/api/runs", CPU).await;
    let held = lease(0, 300);
    let run = claim_next(&app.state.db, &held).await.expect("claim").expect("a run");
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let renewed = store::renew_lease(&app.state.db, &run.id(), &held.owner, &held.until())
            .await
            .expect("renew");
        assert_eq!(renewed, Some(false), "held, no cancel asked");
        assert_eq!(sweep(&app).await, (0, 0));
    }
    assert_eq!(status(&app, &run.id()).await.0, RunStatus::Running);
    let other = lease(1, 300);
    let stolen = store::renew_lease(&app.state.db, &run.id(), &other.owner, &other.until())
        .await
        .expect("renew");
    assert_eq!(stolen, None, "only the holder renews");
}

#[tokio::test]
async fn a_worker_that_lost_its_lease_cannot_record_over_the_next_one() {
    let app = TestApp::spawn().await;
    app.post_json("/api/runs", CPU).await;
    let (slow, next) = (lease(0, 50), lease(1, 30_000));
    let run = claim_next(&app.state.db, &slow).await.expect("claim").expect("a run");
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert_eq!(sweep(&app).await, (1, 0));
    claim_next(&app.state.db, &next).await.expect("claim").expect("taken over");
    let finish = |stdout| Finish {
        status: RunStatus::Succeeded,
        reason: None,
        exit_code: Some(0),
        stdout,
        stderr: "",
        result: None,
        runtime: None,
    };
    let late = store::finish(&app.state.db, &run.id(), &slow.owner, &finish("late")).await;
    assert!(!late.expect("finish"), "the lost lease records nothing");
    let current = store::finish(&app.state.db, &run.id(), &next.owner, &finish("current")).await;
    assert!(current.expect("finish"));
    let stored = store::get(&app.state.db, &run.id()).await.expect("get").expect("run");
    assert_eq!(stored.stdout, "current");
}
