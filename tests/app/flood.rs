//! The queue under a flood (issue 12): anonymous visitors capped per address and in total, class
//! members served first, learners served turn by turn, and the queue's stored code bounded.

use gil_lab::on_pool;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use gil_lab::runs::RunId;
use gil_lab::runs::store;
use serde_json::{Value, json};

use crate::browser::{Browser, HOST, ORIGIN, form_encode};
use crate::classroom;
use crate::helpers::{TestApp, TestResponse};

const CPU: &str = r#"{"experiment": "cpu-bound", "params": {"workers": 2}}"#;
const SCHOOL: &str = "203.0.113.7:40000";

fn has_hangul(text: &str) -> bool {
    text.chars().any(|c| ('가'..='힣').contains(&c))
}

/// The request as a connection from `address` makes it (the server's `ConnectInfo`).
async fn send_from(
    browser: &Browser<'_>,
    address: &str,
    mut request: Request<Body>,
) -> TestResponse {
    let address: SocketAddr = address.parse().expect("a socket address");
    request.extensions_mut().insert(ConnectInfo(address));
    browser.send(request).await
}

fn post(path: &str, content_type: &str, body: String) -> Request<Body> {
    Request::post(path)
        .header("host", HOST)
        .header("origin", ORIGIN)
        .header("content-type", content_type)
        .body(Body::from(body))
        .expect("request")
}

async fn submit_from(browser: &Browser<'_>, address: &str, body: &str) -> TestResponse {
    send_from(browser, address, post("/api/runs", "application/json", body.to_owned())).await
}

/// A new browser that joins the class from `address`.
async fn join_from<'a>(app: &'a TestApp, address: &str, code: &str, name: &str) -> Browser<'a> {
    let browser = app.browser();
    let form = form_encode(&[("code", code), ("name", name)]);
    let request = post("/join", "application/x-www-form-urlencoded", form);
    let joined = send_from(&browser, address, request).await;
    assert_eq!(joined.status, StatusCode::OK, "{}", joined.body);
    browser
}

fn id_of(response: &TestResponse) -> String {
    assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.body);
    response.json()["id"].as_str().expect("run id").to_owned()
}

async fn position(app: &TestApp, id: &str) -> Option<i64> {
    let id = RunId::parse(id).expect("a run id");
    store::queue_position(&app.state.db, &id).await.expect("position")
}

#[tokio::test]
async fn a_cookieless_flood_is_refused_past_the_cap_and_a_class_member_goes_first() {
    let app = TestApp::spawn().await;
    let mut accepted = 0;
    for _ in 0..200 {
        let response = submit_from(&app.browser(), SCHOOL, CPU).await;
        match response.status {
            StatusCode::ACCEPTED => accepted += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                let message = response.json()["error"].as_str().map(str::to_owned);
                assert!(message.as_deref().is_some_and(has_hangul), "{}", response.body);
            }
            other => panic!("{other}: {}", response.body),
        }
    }
    assert_eq!(accepted, 10, "the default cap of anonymous runs from one address");
    let other_address = submit_from(&app.browser(), "198.51.100.1:5000", CPU).await;
    assert_eq!(other_address.status, StatusCode::ACCEPTED, "the cap is per address");

    let teacher = classroom::instructor(&app, "teacher@example.com").await;
    let class_id = classroom::class(&teacher, "1반").await;
    let code = classroom::join_code(&app, class_id).await;
    let member = join_from(&app, SCHOOL, &code, "김민수").await;
    let id = id_of(&submit_from(&member, SCHOOL, CPU).await);
    assert_eq!(position(&app, &id).await, Some(1), "ahead of the whole anonymous backlog");
    let shown = member.get(&format!("/api/runs/{id}")).await.json();
    assert_eq!(shown["status"], "queued");
    let stored: i64 =
        on_pool!(app.state.db, c => sqlx::query_scalar("select count(*) from run").fetch_one(c).await).expect("n");
    assert_eq!(stored, 12, "refused runs are never stored");
    set_archived(&app, class_id, true).await;
    assert_eq!(position(&app, &id).await, Some(12), "an archived class vouches for no one");
    set_archived(&app, class_id, false).await;
    let first = app.state.runner.run_next().await.expect("run").expect("a run");
    assert_eq!(first.to_string(), id);
}

async fn set_archived(app: &TestApp, class_id: i64, archived: bool) {
    on_pool!(app.state.db, c => sqlx::query("update class set archived_at = case when $1 then 'now' end where class_id = $2")
        .bind(archived)
        .bind(class_id)
        .execute(c).await.map(|done| done.rows_affected()))
        .expect("archive");
}

#[tokio::test]
async fn a_learners_later_runs_wait_behind_another_learners_first() {
    let app = TestApp::spawn_with(|config| config.max_queued_per_learner = 5).await;
    let (a, b) = (app.browser(), app.browser());
    let a_runs: Vec<String> = {
        let mut ids = Vec::new();
        for _ in 0..5 {
            ids.push(id_of(&submit_from(&a, SCHOOL, CPU).await));
        }
        ids
    };
    let b_run = id_of(&submit_from(&b, SCHOOL, CPU).await);
    assert_eq!(position(&app, &b_run).await, Some(2));
    let mut order = Vec::new();
    // One at a time, each run to its end, as a single worker does.
    while let Some(id) = app.state.runner.run_next().await.expect("run") {
        order.push(id.to_string());
    }
    let mut expected = a_runs.clone();
    expected.insert(1, b_run);
    assert_eq!(order, expected, "B's first run goes before A's second");

    // After a drain, a newcomer still goes before the rest of a learner's backlog.
    let a_again: Vec<String> = {
        let mut ids = Vec::new();
        for _ in 0..3 {
            ids.push(id_of(&submit_from(&a, SCHOOL, CPU).await));
        }
        ids
    };
    assert_eq!(
        app.state.runner.run_next().await.expect("run").map(|id| id.to_string()),
        Some(a_again[0].clone())
    );
    let c_run = id_of(&submit_from(&app.browser(), SCHOOL, CPU).await);
    assert_eq!(position(&app, &c_run).await, Some(1), "{a_again:?}");
}

#[tokio::test]
async fn a_class_of_forty_joins_and_runs_from_one_address() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "teacher@example.com").await;
    let class_id = classroom::class(&teacher, "2반").await;
    let code = classroom::join_code(&app, class_id).await;
    let mut ids = Vec::new();
    for n in 1..=40 {
        let learner = join_from(&app, SCHOOL, &code, &format!("학생{n}")).await;
        ids.push(id_of(&submit_from(&learner, SCHOOL, CPU).await));
    }
    assert_eq!(position(&app, &ids[39]).await, Some(40));
    assert_eq!(app.drain_queue().await, 40);
}

#[tokio::test]
async fn the_code_waiting_in_the_queue_is_capped_for_everyone() {
    let app = TestApp::spawn_with(|config| config.max_queued_code_kb = 100).await;
    let program = format!("# {}\nprint('hi')\n", "x".repeat(60 * 1024));
    let body = json!({"experiment": "cpu-bound", "code": program}).to_string();
    id_of(&submit_from(&app.browser(), SCHOOL, &body).await);
    let refused = submit_from(&app.browser(), "198.51.100.1:5000", &body).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.body);
    let error: Value = refused.json()["error"].clone();
    assert!(error.as_str().is_some_and(has_hangul), "{error}");
    id_of(&submit_from(&app.browser(), "198.51.100.1:5000", CPU).await);
    assert_eq!(app.drain_queue().await, 2);
    id_of(&submit_from(&app.browser(), "198.51.100.1:5000", &body).await);
}
