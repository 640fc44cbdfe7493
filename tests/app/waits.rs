//! An honest wait: a queued run's estimated start counts down while the run ahead goes on,
//! reaches about 0 as it nears its end, drops when it ends early, and the class page shows
//! which of its learners wait.

use gil_lab::on_pool;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::StatusCode;
use gil_lab::runs::RunId;
use gil_lab::runs::store::claim_next;
use gil_lab::runs::waiting::waiting;
use http_body_util::BodyExt;

use crate::classroom::{self, cpu_run, join_code};
use crate::helpers::TestApp;

const CPU: &str = r#"{"experiment": "cpu-bound", "params": {"workers": 2}}"#;

async fn queued_run(app: &TestApp) -> String {
    let submitted = app.post_json("/api/runs", CPU).await;
    assert_eq!(submitted.status, StatusCode::ACCEPTED, "{}", submitted.body);
    submitted.json()["id"].as_str().expect("id").to_owned()
}

/// Four finished runs of `cpu-bound` that each took 10 seconds: its expected duration.
async fn ten_second_history(app: &TestApp) {
    // Four: with a fifth that ends early, the estimate's trimmed mean leaves that one out. A
    // learner may have 3 waiting at once.
    for batch in [3, 1] {
        for _ in 0..batch {
            queued_run(app).await;
        }
        assert_eq!(app.drain_queue().await, batch);
    }
    let finished: Vec<(String, String)> = on_pool!(app.state.db, c => {
        sqlx::query_as("select run_id, finished_at from run").fetch_all(c).await
    })
    .expect("finished runs");
    for (run_id, finished_at) in finished {
        let finished_at = chrono::DateTime::parse_from_rfc3339(&finished_at).expect("rfc 3339");
        set_time(app, "started_at", &run_id, finished_at.to_utc() - chrono::Duration::seconds(10))
            .await;
    }
}

/// Sets a run's `started_at` or `finished_at`, as RFC 3339 text like the app writes.
async fn set_time(app: &TestApp, column: &str, run_id: &str, at: chrono::DateTime<chrono::Utc>) {
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let sql = format!("update run set {column} = $1 where run_id = $2");
    on_pool!(app.state.db, c => {
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(at).bind(run_id).execute(c).await.map(drop)
    })
    .expect("time set");
}

/// Claims the next run as a worker would, without executing it: it stays `running`.
async fn start_next(app: &TestApp) -> String {
    let row = claim_next(&app.state.db, &Default::default()).await.expect("claim").expect("a queued run");
    row.run_id.to_string()
}

async fn eta_of(app: &TestApp, id: &str) -> f64 {
    let queue = waiting(&app.state.db, 1).await.expect("queue");
    let id = RunId::parse(id).expect("run id");
    queue.iter().find(|w| w.run_id == id).expect("still queued").eta_s
}

#[tokio::test]
async fn the_estimate_counts_down_and_is_about_zero_when_the_run_ahead_is_nearly_done() {
    let app = TestApp::spawn().await;
    ten_second_history(&app).await;
    queued_run(&app).await;
    let id = queued_run(&app).await;
    let ahead = start_next(&app).await;

    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(eta_of(&app, &id).await);
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    assert!(seen.windows(2).all(|w| w[1] <= w[0]), "never up while nothing queues ahead: {seen:?}");
    assert!((9.0..=10.0).contains(&seen[0]), "the run ahead's 10 s: {seen:?}");

    let nearly_done = chrono::Utc::now() - chrono::Duration::milliseconds(9_900);
    set_time(&app, "started_at", &ahead, nearly_done).await;
    let eta = eta_of(&app, &id).await;
    assert!((0.0..0.5).contains(&eta), "about 0 at position 1: {eta}");
}

/// The `eta_s` of each status event on the stream, until one satisfies `enough`.
async fn etas_until(body: &mut Body, enough: impl Fn(f64) -> bool) -> Vec<f64> {
    const STATUS: &str = "event: status\ndata: ";
    let deadline = Instant::now() + Duration::from_secs(5);
    let (mut text, mut etas) = (String::new(), Vec::new());
    loop {
        while let Some(at) = text.find(STATUS) {
            let Some(end) = text[at..].find("\n\n") else { break };
            let json: serde_json::Value =
                serde_json::from_str(&text[at + STATUS.len()..at + end]).expect("json");
            let eta = json["eta_s"].as_f64().unwrap_or_else(|| panic!("no eta_s: {json}"));
            etas.push(eta);
            text.drain(..at + end);
            if enough(eta) {
                return etas;
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let frame = tokio::time::timeout(left, body.frame()).await;
        let frame = frame.unwrap_or_else(|_| panic!("no such estimate in time: {etas:?}"));
        if let Ok(data) = frame.expect("the stream goes on").expect("a frame").into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
    }
}

#[tokio::test]
async fn the_estimate_goes_down_when_the_run_ahead_ends_early() {
    let app = TestApp::spawn().await;
    ten_second_history(&app).await;
    queued_run(&app).await;
    queued_run(&app).await;
    let id = queued_run(&app).await;
    let ahead = start_next(&app).await;
    let response = app.open(&format!("/api/runs/{id}/events"), "10.0.0.1:4000").await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let first = etas_until(&mut body, |_| true).await[0];
    assert!((19.0..=20.0).contains(&first), "the run ahead's 10 s and the next one's: {first}");

    set_time(&app, "finished_at", &ahead, chrono::Utc::now()).await;
    on_pool!(app.state.db, c => {
        sqlx::query("update run set status = 'succeeded' where run_id = $1")
            .bind(&ahead)
            .execute(c)
            .await
            .map(drop)
    })
    .expect("finished early");
    let etas = etas_until(&mut body, |eta| eta < 15.0).await;
    assert!(etas.windows(2).all(|w| w[1] <= w[0]), "{etas:?}");
    let corrected = etas[etas.len() - 1];
    assert!((9.0..=10.5).contains(&corrected), "only the next run's 10 s are left: {etas:?}");
}

#[tokio::test]
async fn the_class_page_lists_the_learners_who_wait() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "teacher@school.kr").await;
    let class_id = classroom::class(&teacher, "3학년 2반").await;
    let code = join_code(&app, class_id).await;
    let (learner, _) = classroom::learner(&app, &code, "서연").await;
    let empty = teacher.get(&format!("/classes/{class_id}/live")).await;
    assert!(empty.body.contains("기다리는 실행이 없습니다"), "{}", empty.body);

    cpu_run(&learner, 2.0).await;
    let live = teacher.get(&format!("/classes/{class_id}/live")).await;
    assert_eq!(live.status, StatusCode::OK);
    let queue = &live.body[live.body.find("data-class-queue").expect("the queue table")..];
    assert!(queue.contains("서연") && queue.contains("1번째"), "{queue}");
    assert!(queue.contains("곧"), "next, with nothing running: {queue}");
    assert!(queue.contains("0초"), "how long it waited: {queue}");
}

/// A run that asks for three times the defaults' work is expected to take three times as long,
/// and the runs behind it wait for that (the trial lesson's estimates were 60 % off without it).
#[tokio::test]
async fn a_run_with_more_work_ahead_pushes_the_estimate_back_by_its_size() {
    let app = TestApp::spawn().await;
    ten_second_history(&app).await;
    let heavy = r#"{"experiment": "cpu-bound", "params": {"workers": 4, "iterations": 18000000}}"#;
    let submitted = app.post_json("/api/runs", heavy).await;
    assert_eq!(submitted.status, StatusCode::ACCEPTED, "{}", submitted.body);
    let id = queued_run(&app).await;
    let before = eta_of(&app, &id).await;
    // The history: 10 s for half the defaults' work (2 workers of 4). The heavy run asks for
    // 3 × the defaults, so 60 s; the estimate is its expected duration.
    assert!((59.0..=60.5).contains(&before), "60 s of work ahead: {before}");
    start_next(&app).await;
    let running = eta_of(&app, &id).await;
    assert!((58.0..=60.5).contains(&running), "still about 60 s while it runs: {running}");
}
