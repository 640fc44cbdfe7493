//! The pages of runs: the card in the lesson, a run reopened as it was, and `/me`.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn the_cpu_lesson_has_a_runnable_card_with_bounded_parameters_and_the_code() {
    let app = TestApp::spawn().await;
    let page = app.get("/lessons/threading-bottleneck").await;
    assert!(page.body.contains(r#"data-run-form data-experiment="cpu-bound""#));
    assert!(page.body.contains(r#"name="workers""#));
    assert!(page.body.contains(r#"min="1""#) && page.body.contains(r#"max="8""#));
    assert!(page.body.contains(r#"<option value="spawn">spawn</option>"#));
    assert!(page.body.contains("lab.compare(cpu_task"), "the program is in the editor");
    assert!(page.body.contains("실험 실행"));
    assert!(page.body.contains("/static/js/experiment.js"));
}

#[tokio::test]
async fn every_card_offers_a_run_or_says_why_it_cannot() {
    let app = TestApp::spawn().await;
    for experiment in app.state.content.experiments() {
        let page = app.get(&format!("/lessons/{}", experiment.lesson)).await;
        let form = format!(r#"data-run-form data-experiment="{}""#, experiment.id);
        match gil_lab::runtimes::availability(experiment, app.state.runtimes) {
            Ok(()) => assert!(page.body.contains(&form), "{} has a run form", experiment.id),
            Err(reason) => {
                assert!(!page.body.contains(&form), "{} must not offer a run", experiment.id);
                assert!(page.body.contains(&reason), "{} explains: {reason}", experiment.id);
            }
        }
    }
}

#[tokio::test]
async fn a_finished_run_reopens_with_its_table_timeline_and_output() {
    let app = TestApp::spawn().await;
    let body = json!({"experiment": "cpu-bound", "params": {"workers": 3}, "code": "# fake: print 안녕\n"});
    let body = body.to_string();
    let id = app.post_json("/api/runs", &body).await.json()["id"].as_str().expect("id").to_owned();
    let queued = app.get(&format!("/runs/{id}")).await;
    assert!(queued.body.contains("대기 중"), "{}", queued.body);
    app.drain_queue().await;

    let page = app.get(&format!("/runs/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("CPU 작업: 순차 vs 스레드 vs 프로세스"));
    assert!(page.body.contains("완료"));
    assert!(page.body.contains("<table class=\"result-table\">"));
    assert!(page.body.contains("프로세스 (processes)"));
    // The (fake) run recorded who held the GIL: its timelines are GIL timelines.
    assert_eq!(page.body.matches("<svg class=\"gil__svg\"").count(), 3);
    assert!(page.body.contains("GIL이 스레드 사이를 199번 넘어갔습니다"), "a text alternative");
    assert!(page.body.contains("프로세스마다 GIL 하나"));
    assert!(page.body.contains("안녕"));
    assert!(page.body.contains("고친 코드"));

    let panel = app.get(&format!("/runs/{id}/panel")).await;
    assert!(panel.body.starts_with("<div class=\"run-panel\""), "{}", panel.body);
    assert!(!panel.body.contains("<html"));

    let mine = app.get("/me").await;
    assert!(mine.body.contains(&format!("/runs/{id}")));
    assert!(mine.body.contains("프로세스 (processes) 1.82×"), "{}", mine.body);
}

#[tokio::test]
async fn someone_elses_run_page_is_a_korean_404() {
    let app = TestApp::spawn().await;
    let body = r#"{"experiment": "cpu-bound"}"#;
    let id = app.post_json("/api/runs", body).await.json()["id"].as_str().expect("id").to_owned();
    let stranger = app.client();
    for path in [format!("/runs/{id}"), format!("/runs/{id}/panel")] {
        let page = stranger.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.body.contains("찾을 수 없습니다"));
    }
    let empty = stranger.get("/me").await;
    assert!(empty.body.contains("아직 실행한 실험이 없습니다"));
}

#[tokio::test]
async fn run_output_is_escaped() {
    let app = TestApp::spawn().await;
    let code = "# fake: print <script>alert(1)</script>\n";
    let body = json!({"experiment": "cpu-bound", "code": code}).to_string();
    let id = app.post_json("/api/runs", &body).await.json()["id"].as_str().expect("id").to_owned();
    app.drain_queue().await;
    let page = app.get(&format!("/runs/{id}")).await;
    assert!(!page.body.contains("<script>alert(1)"));
    assert!(page.body.contains("&#60;script&#62;alert(1)"));
}

#[tokio::test]
async fn a_run_shows_its_declared_charts_and_the_prediction_beside_the_measurement() {
    let app = TestApp::spawn().await;
    let body = json!({"experiment": "cpu-bound", "prediction": {"value": 1.8}}).to_string();
    let id = app.post_json("/api/runs", &body).await.json()["id"].as_str().expect("id").to_owned();
    app.drain_queue().await;
    let page = app.get(&format!("/runs/{id}")).await;
    assert!(page.body.contains("class=\"plot__svg\""), "the bars chart of cpu-bound");
    assert!(page.body.contains("예측이 맞았습니다"), "1.8 is within 20% of the fake's 1.82");
    assert!(page.body.contains("1.82 배"));
    assert!(page.body.contains("왜 그럴까요?"));
    assert!(page.body.contains("data-explain-form"));
    let lesson = app.get("/lessons/threading-bottleneck").await;
    assert!(lesson.body.contains("실행 전에 예측해 보세요"));
    assert!(lesson.body.contains(r#"data-prediction="number""#));
}

#[tokio::test]
async fn the_environment_page_lists_the_interpreters_found() {
    let app = TestApp::spawn().await;
    let page = app.get("/environment").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<th scope=\"row\"><code>cpython-3."), "{}", page.body);
    assert!(page.body.contains("cpython"));
    assert!(page.body.contains("numba"));
}

#[tokio::test]
async fn the_runtimes_api_lists_what_was_found_and_how_to_install_what_was_not() {
    let app = TestApp::spawn().await;
    let reply = app.get("/api/runtimes").await;
    assert_eq!(reply.status, StatusCode::OK);
    let runtimes = reply.json();
    let list = runtimes.as_array().expect("a list");
    let keys = ["id", "path", "implementation", "version", "free_threaded", "gil_enabled"];
    for entry in list {
        for key in keys.iter().chain(&["available", "install"]) {
            assert!(entry.get(key).is_some(), "{key} in {entry}");
        }
    }
    let host = list.iter().find(|r| r["path"] == "/usr/bin/python3").expect("the host CPython");
    assert_eq!(host["available"], true);
    assert_eq!(host["gil_enabled"], true);
    assert!(host["id"].as_str().is_some_and(|id| id.starts_with("cpython-3.")), "{host}");
    // The GIL recorder says itself whether it records on each interpreter, and why not.
    let recorder = std::path::Path::new("/usr/local/lib/gil-lab/libgilsampler.so").exists();
    match &host["gil_timeline_missing"] {
        Value::Null => assert!(recorder, "records only where installed: {host}"),
        Value::String(why) => assert!(!recorder && why.contains("설치"), "{why}"),
        other => panic!("gil_timeline_missing: {other}"),
    }
    if let Some(pypy) = list.iter().find(|r| r["id"] == "pypy3" && r["available"] == true) {
        assert!(
            pypy["gil_timeline_missing"].as_str().is_some_and(|w| w.contains("pypy")),
            "{pypy}"
        );
    }
    // Found or not, a free-threaded build is listed: with its path, or with its install line.
    let free = list.iter().find(|r| r["free_threaded"] == true).expect("listed either way");
    let ready = free["available"] == true && free["gil_enabled"] == false;
    let missing = free["available"] == false && free["install"] == "bash .ci/install-free-threaded";
    assert!(ready || missing, "{free}");
}

#[tokio::test]
async fn the_index_marks_progress_and_each_card_lists_the_learners_earlier_runs() {
    let app = TestApp::spawn().await;
    let first = app.get("/").await;
    assert!(first.body.contains("실험 0/1 완료"), "a first visit has done nothing");
    let id = app.post_json("/api/runs", r#"{"experiment": "cpu-bound"}"#).await.json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.drain_queue().await;
    let index = app.get("/").await;
    assert!(index.body.contains("lesson-item__progress--done"), "the CPU lesson is done");
    let lesson = app.get("/lessons/threading-bottleneck").await;
    assert!(lesson.body.contains("내 이전 실행 1개"));
    assert!(lesson.body.contains(&format!("/runs/{id}")));
    let stranger = app.client().get("/lessons/threading-bottleneck").await;
    assert!(!stranger.body.contains("내 이전 실행"), "history is personal");
}

/// A failed run leads with what went wrong (the error, its line in main.py, a Korean hint) and
/// shows no empty measurement and no "왜 그럴까요?" (issue 14, item 2).
#[tokio::test]
async fn a_failed_run_leads_with_its_error_its_line_and_a_hint() {
    let app = TestApp::spawn().await;
    let code = "import gil_lab as lab\n\n# fake: raise NameError: name 'WORKER' is not defined\n";
    let body = json!({"experiment": "cpu-bound", "code": code});
    let id = app.post_json("/api/runs", &body.to_string()).await.json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.drain_queue().await;
    let page = app.get(&format!("/runs/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    let error = body.find("data-run-error").expect("the error section");
    // The quotes around the name come out as entities.
    assert!(body.contains("<code>NameError: name ") && body.contains("WORKER"), "{body}");
    assert!(body.contains("main.py의 3번째 줄"), "the line of the program");
    assert!(body.contains("정의되지 않은 이름"), "a Korean hint for NameError");
    let traceback = body.find("Traceback (most recent call last)").expect("the traceback");
    assert!(error < traceback, "the error comes first, then the traceback");
    assert!(!body.contains("result-table"), "no empty measurement");
    assert!(!body.contains("왜 그럴까요? 측정 결과를"), "nothing to explain");
}
