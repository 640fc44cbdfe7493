//! The PostgreSQL store under the same app: what only several hosts sharing one database can
//! break, two workers claiming at once and two web nodes admitting at once. (The rest of the
//! suite runs on PostgreSQL too, in the `app_postgres` binary.)

use std::collections::HashSet;

use axum::http::StatusCode;
use gil_lab::runs::queue::claim_next;

use crate::helpers::TestApp;

const CPU: &str = r#"{"experiment": "cpu-bound", "params": {"workers": 2}}"#;

#[tokio::test]
async fn workers_claiming_at_once_never_take_the_same_run() {
    let app = TestApp::spawn_on_postgres_with(|config| {
        config.max_anonymous_queued_per_address = 1000;
        config.max_anonymous_queued = 1000;
    })
    .await;
    let learners: Vec<_> = (0..10).map(|_| app.client()).collect();
    for learner in &learners {
        for _ in 0..3 {
            let submitted = learner.post_json("/api/runs", CPU).await;
            assert_eq!(submitted.status, StatusCode::ACCEPTED, "{}", submitted.body);
        }
    }
    let workers = (0..6).map(|_| {
        let db = app.state.db.clone();
        tokio::spawn(async move {
            let mut claimed = Vec::new();
            while let Some(run) = claim_next(&db, &Default::default()).await.expect("claim") {
                claimed.push(run.run_id.to_string());
            }
            claimed
        })
    });
    let mut all = Vec::new();
    for worker in workers.collect::<Vec<_>>() {
        all.extend(worker.await.expect("worker"));
    }
    let distinct: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 30, "every run claimed once: {all:?}");
    assert_eq!(distinct.len(), 30, "no run claimed twice");
}

#[tokio::test]
async fn submissions_at_once_still_meet_the_learners_cap() {
    let app = TestApp::spawn_on_postgres().await;
    let learner = app.client();
    let first = learner.post_json("/api/runs", CPU).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.body);
    let answers =
        futures_util::future::join_all((0..9).map(|_| learner.post_json("/api/runs", CPU))).await;
    let accepted = answers.iter().filter(|a| a.status == StatusCode::ACCEPTED).count();
    let refused = answers.iter().filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((accepted, refused), (2, 7), "three may wait at once, however they arrive");
}
