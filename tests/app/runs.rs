//! The run API (DESIGN §6) with the fake sandbox: contract, bad input, limits, cancel, recovery.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use gil_lab::runs::RunStatus;

const CPU: &str = r#"{"experiment": "cpu-bound", "params": {"workers": 2}}"#;

fn has_hangul(text: &str) -> bool {
    text.chars().any(|c| ('가'..='힣').contains(&c))
}

fn is_timestamp(value: &Value) -> bool {
    let Some(text) = value.as_str() else { return false };
    text.len() == 24 && text.ends_with('Z') && text.as_bytes()[19] == b'.'
}

#[tokio::test]
async fn a_submitted_run_is_queued_executed_and_read_back_as_the_contract_says() {
    let app = TestApp::spawn().await;
    let submitted = app.post_json("/api/runs", CPU).await;
    assert_eq!(submitted.status, StatusCode::ACCEPTED, "{}", submitted.body);
    let body = submitted.json();
    let id = body["id"].as_str().expect("id").to_owned();
    assert_eq!(body["status"], "queued");
    assert_eq!(body["url"], format!("/runs/{id}"));

    let queued = app.get(&format!("/api/runs/{id}")).await.json();
    assert_eq!(queued["status"], "queued");
    assert!(is_timestamp(&queued["submitted_at"]));
    assert_eq!(queued["started_at"], Value::Null);

    assert_eq!(app.drain_queue().await, 1);
    let run = app.get(&format!("/api/runs/{id}")).await.json();
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["experiment"], "cpu-bound");
    assert_eq!(run["params"]["workers"], 2);
    assert_eq!(run["params"]["start_method"], "fork", "defaults fill missing parameters");
    assert_eq!(run["code_edited"], false);
    assert_eq!(run["exit_code"], 0);
    assert!(is_timestamp(&run["started_at"]) && is_timestamp(&run["finished_at"]));
    let variants = run["result"]["variants"].as_array().expect("variants");
    let names: Vec<&str> = variants.iter().filter_map(|v| v["name"].as_str()).collect();
    assert_eq!(names, ["sequential", "threads", "processes"]);
    let processes = &variants[2];
    for field in ["wall_s", "cpu_s", "effective_cores", "speedup"] {
        assert!(processes[field].is_number(), "{field} in {processes}");
    }
    assert!((processes["speedup"].as_f64().expect("speedup") - 1.818).abs() < 0.01);
    assert_eq!(processes["workers"].as_array().expect("workers").len(), 2);
    assert!(processes["workers"][0]["spans"][0].is_array());
    // Each variant carries its GIL timeline, stored apart from the numbers and put back here.
    let threads = &variants[1]["gil_timeline"];
    assert_eq!(threads["gil"], true, "{threads}");
    assert_eq!(threads["switches"], 199);
    assert_eq!(threads["median_span_ms"], 5.0);
    assert_eq!(threads["spans"][0], json!([0.0, 0.0, 0.005]), "[worker, t0, t1]");
    assert!(threads["waits"].as_array().is_some_and(|w| !w.is_empty()));
    assert_eq!(processes["gil_timeline"]["processes"], true);
    let environment = &run["result"]["environment"];
    for field in ["python", "implementation", "gil_enabled", "cores", "contended"] {
        assert!(!environment[field].is_null(), "{field} in {environment}");
    }
}

#[tokio::test]
async fn bad_input_gets_a_korean_error_and_a_4xx_never_a_5xx() {
    let app = TestApp::spawn().await;
    let huge = "x".repeat(70 * 1024);
    let cases: Vec<(String, StatusCode)> = vec![
        ("{not json".into(), StatusCode::BAD_REQUEST),
        ("".into(), StatusCode::BAD_REQUEST),
        (r#"{"experiment": "no-such"}"#.into(), StatusCode::UNPROCESSABLE_ENTITY),
        (r#"{"experiment": "../etc"}"#.into(), StatusCode::UNPROCESSABLE_ENTITY),
        (
            r#"{"experiment": "cpu-bound", "params": {"workers": 99}}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            r#"{"experiment": "cpu-bound", "params": {"workers": "4"}}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            r#"{"experiment": "cpu-bound", "params": {"threads": 4}}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            r#"{"experiment": "cpu-bound", "params": {"start_method": "vfork"}}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (r#"{"experiment": "cpu-bound", "extra": 1}"#.into(), StatusCode::UNPROCESSABLE_ENTITY),
        (r#"{"experiment": 5}"#.into(), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"experiment": "cpu-bound", "code": huge}).to_string(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            json!({"experiment": "cpu-bound", "code": "x".repeat(2 << 20)}).to_string(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    for (body, expected) in cases {
        let response = app.post_json("/api/runs", &body).await;
        let shown: String = body.chars().take(60).collect();
        assert_eq!(response.status, expected, "{shown}: {}", response.body);
        let error = response.json()["error"].as_str().unwrap_or_default().to_owned();
        assert!(has_hangul(&error), "{shown}: error not Korean: {error}");
    }
    let invalid_utf8 = Request::post("/api/runs")
        .header("content-type", "application/json")
        .body(Body::from(vec![b'{', 0xff, 0xfe, b'}']))
        .expect("request");
    let response = app.request(invalid_utf8).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert!(response.json()["error"].as_str().is_some_and(has_hangul));
    assert_eq!(app.drain_queue().await, 0, "nothing bad was queued");
}

#[tokio::test]
async fn a_run_is_a_404_to_anyone_but_its_learner() {
    let app = TestApp::spawn().await;
    let id = app.post_json("/api/runs", CPU).await.json()["id"].as_str().expect("id").to_owned();
    let stranger = app.client();
    for path in [format!("/api/runs/{id}"), format!("/api/runs/{id}/events")] {
        let response = stranger.get(&path).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert!(response.json()["error"].as_str().is_some_and(has_hangul));
    }
    let cancel = stranger.post_json(&format!("/api/runs/{id}/cancel"), "").await;
    assert_eq!(cancel.status, StatusCode::NOT_FOUND);
    for unknown in ["/api/runs/abcdefghijkm", "/api/runs/not-an-id", "/api/runs/%FF"] {
        assert_eq!(app.get(unknown).await.status, StatusCode::NOT_FOUND, "{unknown}");
    }
    assert_eq!(app.get(&format!("/api/runs/{id}")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn too_many_queued_runs_get_a_korean_429() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        assert_eq!(app.post_json("/api/runs", CPU).await.status, StatusCode::ACCEPTED);
    }
    let refused = app.post_json("/api/runs", CPU).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.json()["error"].as_str().is_some_and(has_hangul));
    let other = app.client();
    assert_eq!(other.post_json("/api/runs", CPU).await.status, StatusCode::ACCEPTED, "per learner");
    assert_eq!(app.drain_queue().await, 4);
}

#[tokio::test]
async fn the_rate_limit_holds_even_when_runs_finish_quickly() {
    let app = TestApp::spawn().await;
    for _ in 0..10 {
        assert_eq!(app.post_json("/api/runs", CPU).await.status, StatusCode::ACCEPTED);
        app.drain_queue().await;
    }
    assert_eq!(app.post_json("/api/runs", CPU).await.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_queued_run_can_be_cancelled_and_a_finished_one_cannot() {
    let app = TestApp::spawn().await;
    let id = app.post_json("/api/runs", CPU).await.json()["id"].as_str().expect("id").to_owned();
    let cancelled = app.post_json(&format!("/api/runs/{id}/cancel"), "").await;
    assert_eq!(cancelled.status, StatusCode::OK);
    assert_eq!(cancelled.json()["status"], "cancelled");
    assert_eq!(app.drain_queue().await, 0, "a cancelled run never starts");
    let run = app.get(&format!("/api/runs/{id}")).await.json();
    assert_eq!(run["status"], "cancelled");
    assert!(run["reason"].as_str().is_some_and(has_hangul));
    let again = app.post_json(&format!("/api/runs/{id}/cancel"), "").await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_running_run_is_cancelled_by_its_worker() {
    let app = TestApp::spawn().await;
    let body = json!({"experiment": "cpu-bound", "code": "# fake: sleep 30000\n"}).to_string();
    let id = app.post_json("/api/runs", &body).await.json()["id"].as_str().expect("id").to_owned();
    let runner = app.state.runner.clone();
    let worker = tokio::spawn(async move { runner.run_next().await });
    for _ in 0..100 {
        if app.get(&format!("/api/runs/{id}")).await.json()["status"] == "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let cancel = app.post_json(&format!("/api/runs/{id}/cancel"), "").await;
    assert_eq!(cancel.json()["status"], "running");
    worker.await.expect("worker").expect("run_next");
    let run = app.get(&format!("/api/runs/{id}")).await.json();
    assert_eq!(run["status"], "cancelled", "{run}");
}

#[tokio::test]
async fn output_exit_codes_and_edits_are_recorded() {
    let app = TestApp::spawn().await;
    let code = "# fake: print 안녕하세요\n# fake: exit 3\n";
    let body = json!({"experiment": "cpu-bound", "code": code}).to_string();
    let id = app.post_json("/api/runs", &body).await.json()["id"].as_str().expect("id").to_owned();
    app.drain_queue().await;
    let run = app.get(&format!("/api/runs/{id}")).await.json();
    assert_eq!(run["status"], "failed");
    assert_eq!(run["exit_code"], 3);
    assert_eq!(run["stdout"], "안녕하세요\n");
    assert_eq!(run["code_edited"], true);
    assert!(run["reason"].as_str().is_some_and(|r| r.contains("종료 코드 3")), "{run}");
}

#[tokio::test]
async fn the_event_stream_replays_a_finished_run() {
    let app = TestApp::spawn().await;
    let body = json!({"experiment": "cpu-bound", "code": "# fake: print 줄\n"}).to_string();
    let id = app.post_json("/api/runs", &body).await.json()["id"].as_str().expect("id").to_owned();
    app.drain_queue().await;
    let events = app.get(&format!("/api/runs/{id}/events")).await;
    assert_eq!(events.status, StatusCode::OK);
    assert!(events.header("content-type").starts_with("text/event-stream"));
    let names: Vec<&str> = events.body.lines().filter_map(|l| l.strip_prefix("event: ")).collect();
    assert_eq!(names, ["status", "output", "result", "done"], "{}", events.body);
    assert!(events.body.contains(r#""text":"줄\n""#));
    // The card needs no second request: the result and the final panel come as HTML.
    let data = |name: &str| -> Value {
        let at = events.body.find(&format!("event: {name}\n")).expect("the event");
        let line = events.body[at..].lines().nth(1).expect("its data line");
        serde_json::from_str(line.strip_prefix("data: ").expect("data")).expect("json")
    };
    let result = data("result");
    assert!(result["html"].as_str().is_some_and(|h| h.contains("측정 결과")), "{result}");
    assert_eq!(result["result"]["variants"][0]["name"], "sequential", "the API's JSON stays");
    let done = data("done");
    let panel = done["html"].as_str().expect("the final panel");
    assert!(panel.contains("data-run-panel") && panel.contains("왜 그럴까요?"), "{panel}");
}

#[tokio::test]
async fn the_catalogue_says_which_experiments_can_run() {
    let app = TestApp::spawn().await;
    let list = app.get("/api/experiments").await.json();
    let list = list.as_array().expect("array");
    assert_eq!(list.len(), 15);
    let cpu = list.iter().find(|e| e["id"] == "cpu-bound").expect("cpu-bound");
    assert_eq!(cpu["available"], true);
    assert_eq!(cpu["lesson"], "threading-bottleneck");
    assert_eq!(cpu["variants"], json!(["sequential", "threads", "processes"]));
    let workers = cpu["params"].as_array().expect("params").iter().find(|p| p["name"] == "workers");
    let workers = workers.expect("workers param");
    assert_eq!((workers["type"].as_str(), workers["min"].as_f64()), (Some("int"), Some(1.0)));
    for e in list.iter().filter(|e| e["available"] == false) {
        assert!(e["reason"].as_str().is_some_and(has_hangul), "{e}");
    }
}

#[tokio::test]
async fn runs_interrupted_by_a_crash_are_queued_again_or_failed_after_repeated_crashes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("crash.db").display());
    let first = TestApp::spawn_at(tempfile::tempdir().expect("tempdir"), url.clone()).await;
    let id = first.post_json("/api/runs", CPU).await.json()["id"].as_str().expect("id").to_owned();
    // Claim it as a worker would, then "crash": the process is gone, the row says running.
    gil_lab::runs::store::claim_next(&first.state.db, &Default::default()).await.expect("claim").expect("a run");
    drop(first);

    let second = TestApp::spawn_at(tempfile::tempdir().expect("tempdir"), url.clone()).await;
    let row = gil_lab::runs::store::claim_next(&second.state.db, &Default::default()).await.expect("claim");
    let claimed = row.map(|r| r.run_id.to_string());
    assert_eq!(claimed, Some(id.clone()), "queued again after the first crash");
    drop(second);

    let third = TestApp::spawn_at(dir, url).await;
    let row =
        gil_lab::runs::store::get(&third.state.db, &gil_lab::runs::RunId::parse(&id).expect("id"))
            .await
            .expect("get")
            .expect("row");
    assert_eq!(row.status, RunStatus::Failed, "a second crash during the same run fails it");
    assert!(row.reason.as_deref().is_some_and(has_hangul));
}

#[tokio::test]
async fn a_prediction_is_checked_stored_and_an_explanation_saved_after_the_run() {
    let app = TestApp::spawn().await;
    let out_of_range = json!({"experiment": "cpu-bound", "prediction": {"value": 99}}).to_string();
    let refused = app.post_json("/api/runs", &out_of_range).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.json()["error"].as_str().is_some_and(has_hangul));

    let body = json!({"experiment": "cpu-bound", "prediction": {"value": 1.5}}).to_string();
    let id = app.post_json("/api/runs", &body).await.json()["id"].as_str().expect("id").to_owned();
    app.drain_queue().await;
    let run = app.get(&format!("/api/runs/{id}")).await.json();
    assert_eq!(run["prediction"], json!({"value": 1.5}));

    let path = format!("/api/runs/{id}/explanation");
    let empty = app.post_json(&path, r#"{"text": "  "}"#).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let saved = app.post_json(&path, r#"{"text": "프로세스는 GIL을 따로 가지니까요."}"#).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let run = app.get(&format!("/api/runs/{id}")).await.json();
    assert_eq!(run["explanation"], "프로세스는 GIL을 따로 가지니까요.");
    let stranger = app.client().post_json(&path, r#"{"text": "남의 것"}"#).await;
    assert_eq!(stranger.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_forged_result_is_thinned_and_capped_before_it_is_stored_or_drawn() {
    let app = TestApp::spawn().await;
    // 16 variants × 64 workers × 4 000 spans: 4 million spans on the result channel.
    let body = json!({"experiment": "cpu-bound", "code": "# fake: forge 16 64 4000\n"}).to_string();
    let id = app.post_json("/api/runs", &body).await.json()["id"].as_str().expect("id").to_owned();
    app.drain_queue().await;
    let api = app.get(&format!("/api/runs/{id}")).await;
    let result = &api.json()["result"];
    assert_eq!(result["variants"].as_array().map(Vec::len), Some(16));
    assert_eq!(result["environment"]["truncated"], true);
    let stored = serde_json::to_vec(result).expect("json").len();
    assert!(stored <= gil_lab::runs::result::bound::MAX_BYTES, "{stored} bytes stored");
    let page = app.get(&format!("/runs/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.len() < 3 * 1024 * 1024, "a {} byte page", page.body.len());
    assert!(page.body.contains("결과를 너무 많이 기록해서"), "the learner is told");
    let events = app.get(&format!("/api/runs/{id}/events")).await;
    assert!(events.body.len() < 4 * 1024 * 1024, "{} bytes of events", events.body.len());
}

#[tokio::test]
async fn a_stream_opened_again_with_its_last_event_id_leaves_out_the_output_it_had() {
    let app = TestApp::spawn().await;
    let code = "# fake: print 하나\n# fake: print 둘\n";
    let body = json!({"experiment": "cpu-bound", "code": code}).to_string();
    let id = app.post_json("/api/runs", &body).await.json()["id"].as_str().expect("id").to_owned();
    app.drain_queue().await;
    let path = format!("/api/runs/{id}/events");
    let fresh = app.get(&path).await.body;
    let ids: Vec<&str> = fresh.lines().filter_map(|l| l.strip_prefix("id: ")).collect();
    assert_eq!(ids, ["11:0"], "one output event, the bytes told after it: {fresh}");

    let resumed = axum::http::Request::get(&path)
        .header("last-event-id", "7:0")
        .body(axum::body::Body::empty())
        .expect("request");
    let resumed = app.request(resumed).await.body;
    assert!(resumed.contains(r#""text":"둘\n""#), "only what it lacked: {resumed}");
    assert!(!resumed.contains(r#""text":"하나"#), "{resumed}");
    assert!(resumed.contains("event: done"), "{resumed}");
}
