//! The PostgreSQL store under the same app: what only several hosts sharing one database can
//! break, two workers claiming at once and two web nodes admitting at once. (The rest of the
//! suite runs on PostgreSQL too, in the `app_postgres` binary.)

use std::collections::HashSet;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::StatusCode;
use http_body_util::BodyExt;
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

/// Reads the stream until `wanted` appears in it (or fails after `within`).
async fn read_until(body: &mut Body, wanted: &str, within: Duration) -> String {
    let mut text = String::new();
    let deadline = Instant::now() + within;
    while !text.contains(wanted) {
        let left = deadline.saturating_duration_since(Instant::now());
        let frame = tokio::time::timeout(left, body.frame()).await;
        let frame = frame.unwrap_or_else(|_| panic!("no {wanted:?} in time: {text}"));
        let frame = frame.expect("the stream goes on").expect("a frame");
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
    }
    text
}

#[tokio::test]
async fn a_run_executed_by_another_hosts_worker_reaches_this_nodes_event_stream_at_once() {
    let url = crate::postgres::fresh_database_url().await;
    let web = TestApp::spawn_at(tempfile::tempdir().expect("tempdir"), url.clone()).await;
    let worker = TestApp::spawn_at(tempfile::tempdir().expect("tempdir"), url).await;
    let run = serde_json::json!({"experiment": "cpu-bound", "code": "# fake: print 줄\n"});
    let submitted = web.post_json("/api/runs", &run.to_string()).await;
    let id = submitted.json()["id"].as_str().expect("id").to_owned();
    let response = web.open(&format!("/api/runs/{id}/events"), "127.0.0.1:40000").await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut events = response.into_body();
    read_until(&mut events, "event: status", Duration::from_secs(5)).await;
    // Executed by the other process: its events go to its own hub, never to the web node's.
    // The end is announced (NOTIFY): told well before the watch's fallback read, 5 s apart.
    assert_eq!(worker.drain_queue().await, 1);
    let told = read_until(&mut events, "event: done", Duration::from_secs(2)).await;
    for event in ["event: output", "event: result", "event: done"] {
        assert!(told.contains(event), "{event} reached the web node: {told}");
    }
    assert!(told.contains(r#""text":"줄\n""#), "{told}");
}

#[tokio::test]
async fn output_of_a_run_on_another_host_reaches_this_node_while_it_runs_and_only_once() {
    let url = crate::postgres::fresh_database_url().await;
    let web = TestApp::spawn_at(tempfile::tempdir().expect("tempdir"), url.clone()).await;
    let worker = TestApp::spawn_at(tempfile::tempdir().expect("tempdir"), url).await;
    let code = "# fake: print 하나\n# fake: sleep 2500\n# fake: print 둘\n";
    let run = serde_json::json!({"experiment": "cpu-bound", "code": code});
    let id = web.post_json("/api/runs", &run.to_string()).await.json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let response = web.open(&format!("/api/runs/{id}/events"), "127.0.0.1:40001").await;
    let mut events = response.into_body();
    read_until(&mut events, "event: status", Duration::from_secs(5)).await;
    let watching = async {
        let early = read_until(&mut events, "하나", Duration::from_secs(2)).await;
        assert!(!early.contains("event: done"), "told while it runs: {early}");
        let rest = read_until(&mut events, "event: done", Duration::from_secs(5)).await;
        early + &rest
    };
    let (executed, told) = tokio::join!(worker.drain_queue(), watching);
    assert_eq!(executed, 1);
    // Each line once as output (the final panel shows the whole output again, as HTML).
    assert_eq!(told.matches(r#""text":"하나\n""#).count(), 1, "{told}");
    assert_eq!(told.matches(r#""text":"둘\n""#).count(), 1, "{told}");
    let running = told.find(r#""status":"running""#).expect("told running");
    assert!(!told[running..].contains(r#""status":"queued""#), "never queued again: {told}");
}

#[tokio::test]
async fn a_stream_resumed_on_another_web_node_goes_on_where_it_was() {
    let url = crate::postgres::fresh_database_url().await;
    let first = TestApp::spawn_at(tempfile::tempdir().expect("tempdir"), url.clone()).await;
    let other = TestApp::spawn_at(tempfile::tempdir().expect("tempdir"), url).await;
    let code = "# fake: print 하나\n# fake: sleep 1500\n# fake: print 둘\n";
    let run = serde_json::json!({"experiment": "cpu-bound", "code": code});
    let submitted = first.post_json("/api/runs", &run.to_string()).await;
    let id = submitted.json()["id"].as_str().expect("id").to_owned();
    let cookie = submitted.header("set-cookie").split(';').next().expect("cookie").to_owned();
    let path = format!("/api/runs/{id}/events");
    let watching = async {
        // On the first node until the first line, as a browser would before its node goes away.
        let mut events = first.open(&path, "127.0.0.1:40002").await.into_body();
        let had = read_until(&mut events, "하나", Duration::from_secs(3)).await;
        let last_id = had.lines().rev().find_map(|l| l.strip_prefix("id: ")).expect("an id");
        let again = axum::http::Request::get(&path)
            .header("last-event-id", last_id)
            .header("cookie", &cookie)
            .body(Body::empty())
            .expect("request");
        (last_id.to_owned(), other.request(again).await.body)
    };
    let (executed, (last_id, resumed)) = tokio::join!(first.drain_queue(), watching);
    assert_eq!(executed, 1);
    assert_eq!(last_id, "7:0");
    assert!(resumed.contains(r#""text":"둘\n""#), "{resumed}");
    assert!(!resumed.contains(r#""text":"하나"#), "nothing told twice: {resumed}");
    assert!(resumed.contains("event: done"), "{resumed}");
}
