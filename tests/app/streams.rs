//! Event streams: capped per client address and per run with a Korean 429, their slots and
//! their watch task freed as soon as the client goes away, and queue places told by one poller.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::StatusCode;
use http_body_util::BodyExt;

use crate::helpers::TestApp;

const CPU: &str = r#"{"experiment": "cpu-bound", "params": {"workers": 2}}"#;

async fn queued_run(app: &TestApp) -> String {
    let submitted = app.post_json("/api/runs", CPU).await;
    assert_eq!(submitted.status, StatusCode::ACCEPTED, "{}", submitted.body);
    submitted.json()["id"].as_str().expect("id").to_owned()
}

/// Reads the stream until `wanted` appears in it (or fails after five seconds).
async fn read_until(body: &mut Body, wanted: &str) -> String {
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(5);
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

async fn open_stream(app: &TestApp, id: &str, peer: &str) -> Body {
    let response = app.open(&format!("/api/runs/{id}/events"), peer).await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    read_until(&mut body, "event: status").await;
    body
}

async fn refused(app: &TestApp, id: &str, peer: &str) -> String {
    let response = app.open(&format!("/api/runs/{id}/events"), peer).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}

async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    done()
}

#[tokio::test]
async fn streams_over_the_per_address_cap_get_a_korean_429_until_one_is_dropped() {
    let app = TestApp::spawn_with(|config| config.max_streams_per_address = 2).await;
    let id = queued_run(&app).await;
    let first = open_stream(&app, &id, "10.0.0.1:4000").await;
    let _second = open_stream(&app, &id, "10.0.0.1:4001").await;
    let body = refused(&app, &id, "10.0.0.1:4002").await;
    assert!(body.contains("창이 너무 많이"), "{body}");
    assert_eq!(app.state.streams.open_from("10.0.0.1"), 2);
    let _elsewhere = open_stream(&app, &id, "10.0.0.2:4000").await;

    drop(first);
    assert_eq!(app.state.streams.open_from("10.0.0.1"), 1, "a dropped stream gives its slot back");
    let _again = open_stream(&app, &id, "10.0.0.1:4003").await;
}

#[tokio::test]
async fn streams_over_the_per_run_cap_get_a_429_whatever_their_address() {
    let app = TestApp::spawn_with(|config| config.max_streams_per_run = 2).await;
    let id = queued_run(&app).await;
    let _first = open_stream(&app, &id, "10.0.0.1:4000").await;
    let _second = open_stream(&app, &id, "10.0.0.2:4000").await;
    refused(&app, &id, "10.0.0.3:4000").await;
    let other = queued_run(&app).await;
    let _other = open_stream(&app, &other, "10.0.0.3:4000").await;
}

#[tokio::test]
async fn a_dropped_stream_of_a_queued_run_ends_its_watch_at_once() {
    let app = TestApp::spawn().await;
    let id = queued_run(&app).await;
    let stream = open_stream(&app, &id, "10.0.0.1:4000").await;
    let hub = app.state.runner.hub().clone();
    assert_eq!(hub.watched().len(), 1, "the watch subscribes while the client reads");

    drop(stream);
    assert!(eventually(|| hub.watched().is_empty()).await, "the watch task still runs");
}

#[tokio::test]
async fn a_queued_run_hears_its_place_move_up_when_the_run_ahead_goes() {
    let app = TestApp::spawn().await;
    let ahead = queued_run(&app).await;
    let id = queued_run(&app).await;
    let mut stream = open_stream(&app, &id, "10.0.0.1:4000").await;
    let cancelled = app.post_json(&format!("/api/runs/{ahead}/cancel"), "").await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    read_until(&mut stream, r#""position":1"#).await;
}
