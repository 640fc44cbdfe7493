//! A run against the lesson's point: at the defaults, a run's page shows its figure beside the
//! lesson's reference, says whether the point survived the cores other programs took, and
//! offers the learner the same run again.

use axum::http::StatusCode;

use gil_lab::on_pool;
use gil_lab::runs::{RunId, store};
use sqlx::types::Json;

use crate::helpers::TestApp;

async fn cpu_run_at_defaults(app: &TestApp) -> String {
    let reply = app.post_json("/api/runs", r#"{"experiment": "cpu-bound"}"#).await;
    let id = reply.json()["id"].as_str().expect("id").to_owned();
    app.drain_queue().await;
    id
}

/// Rewrites the stored result as if `others` cores were taken and processes sped up `speedup`×.
async fn measured_as(app: &TestApp, id: &str, others: f64, speedup: f64) {
    let run_id = RunId::parse(id).expect("a run id");
    let row = store::get(&app.state.db, &run_id).await.expect("read").expect("the run");
    let (mut result, _) = row.result().expect("a result").split_timelines();
    result.environment.contended = others > 0.25;
    result.environment.others_cores = Some(others);
    result.variants[2].speedup = Some(speedup);
    on_pool!(app.state.db, c => sqlx::query("update run set result = $1 where run_id = $2")
        .bind(Json(result))
        .bind(id)
        .execute(c)
        .await
        .map(drop))
    .expect("rewrite the result");
}

fn claim_of(body: &str) -> &str {
    let start = body.find("data-claim-check").expect("a comparison with the lesson");
    &body[start..start + body[start..].find("</section>").expect("its end")]
}

#[tokio::test]
async fn a_busy_run_says_whether_the_lessons_point_survived_and_offers_a_rerun() {
    let app = TestApp::spawn().await;
    let id = cpu_run_at_defaults(&app).await;

    measured_as(&app, &id, 0.4, 1.61).await;
    let page = app.get(&format!("/runs/{id}")).await;
    let claim = claim_of(&page.body);
    assert!(claim.contains(r#"data-held="true""#), "{claim}");
    assert!(
        claim.contains("다른 프로그램이 코어를 쓰는 동안 측정되었지만, 강의의 요점은"),
        "{claim}"
    );
    assert!(claim.contains("1.61 배") && claim.contains("1.59 배"), "measured beside reference");
    assert_eq!(page.body.matches("코어 0.40개를 썼습니다").count(), 1, "the figure, said once");
    assert!(page.body.contains("data-rerun"), "a busy run may be measured again");

    measured_as(&app, &id, 0.9, 0.99).await;
    let page = app.get(&format!("/runs/{id}")).await;
    let claim = claim_of(&page.body);
    assert!(claim.contains(r#"data-held="false""#), "{claim}");
    assert!(claim.contains("강의의 요점이 드러나지 않았을 수 있습니다"), "{claim}");
    assert!(page.body.contains("같은 설정으로 다시 실행"));

    measured_as(&app, &id, 0.05, 1.8).await;
    let quiet = app.get(&format!("/runs/{id}")).await;
    let claim = claim_of(&quiet.body);
    assert!(claim.contains("강의의 요점이 이번 측정에서도 드러났습니다"), "{claim}");
    assert!(!claim.contains("다른 프로그램"), "a quiet run has no load to mention: {claim}");
    assert!(!quiet.body.contains("data-rerun"), "nothing to measure again");

    let stranger = app.client().get(&format!("/runs/{id}")).await;
    assert_eq!(stranger.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_run_with_other_parameters_is_not_held_to_the_lessons_figure() {
    let app = TestApp::spawn().await;
    let body = r#"{"experiment": "cpu-bound", "params": {"workers": 3}}"#;
    let id = app.post_json("/api/runs", body).await.json()["id"].as_str().expect("id").to_owned();
    app.drain_queue().await;
    let page = app.get(&format!("/runs/{id}")).await;
    assert!(!page.body.contains("data-claim-check"), "the reference was measured at the defaults");
}

#[tokio::test]
async fn the_rerun_queues_the_same_run_for_its_learner_only() {
    let app = TestApp::spawn().await;
    let id = cpu_run_at_defaults(&app).await;
    let stranger = app.client().post_json(&format!("/api/runs/{id}/rerun"), "").await;
    assert_eq!(stranger.status, StatusCode::NOT_FOUND);
    let again = app.post_json(&format!("/api/runs/{id}/rerun"), "").await;
    assert_eq!(again.status, StatusCode::ACCEPTED, "{}", again.body);
    let twin = again.json()["id"].as_str().expect("the new run's id").to_owned();
    assert_ne!(twin, id);
    let (first, second) =
        (app.get(&format!("/api/runs/{id}")).await, app.get(&format!("/api/runs/{twin}")).await);
    assert_eq!(first.json()["params"], second.json()["params"]);
    assert_eq!(second.json()["experiment"], "cpu-bound");
    assert_eq!(second.json()["code_edited"], false);
    let limit = second.json()["limit_s"].as_f64();
    assert!(limit.is_some_and(|s| s >= 1.0), "the API tells the run's wall limit: {limit:?}");
}

#[tokio::test]
async fn the_instructors_busy_list_says_whether_each_runs_point_survived() {
    let app = TestApp::spawn().await;
    let teacher = crate::classroom::instructor(&app, "t@school.kr").await;
    let class_id = crate::classroom::class(&teacher, "2반").await;
    let code = crate::classroom::join_code(&app, class_id).await;
    let (learner, _) = crate::classroom::learner(&app, &code, "하람").await;
    let id = crate::classroom::run(&learner, serde_json::json!({"experiment": "cpu-bound"})).await;
    app.drain_queue().await;
    measured_as(&app, &id, 1.2, 0.95).await;
    let page = teacher.get(&format!("/classes/{class_id}/experiments/cpu-bound")).await;
    let busy = page.body.split("서버가 바쁠 때 잰 실행").nth(1).expect("the busy section");
    assert!(
        busy.contains("다른 프로그램이 코어 1.20개 사용 · 강의의 요점이 드러나지 않음 (0.95 배)"),
        "{busy}"
    );
}
