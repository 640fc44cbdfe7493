//! A learner's record: `/me` with predictions and explanations beside what was measured, where
//! the record lives, a run compared with the previous one and the lesson's figure, and lessons
//! without experiments counted as read.

use serde_json::json;

use crate::classroom::{self, join_code};
use crate::helpers::TestApp;

#[tokio::test]
async fn me_shows_predictions_and_explanations_beside_the_measurement_and_where_it_lives() {
    let app = TestApp::spawn().await;
    let first = app.get("/me").await;
    assert!(first.body.contains("이 기록은 이 브라우저에만 있습니다"), "{}", first.body);
    assert!(
        first.body.contains(r#"<a href="/join">반에 참여</a>"#) && first.body.contains("재개 코드")
    );

    let body = json!({"experiment": "cpu-bound", "prediction": {"value": 3.5}});
    let id = app.post_json("/api/runs", &body.to_string()).await.json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.post_json("/api/runs", r#"{"experiment": "cpu-bound"}"#).await;
    app.drain_queue().await;
    let explained = json!({"text": "프로세스는 <코어> 두 개를 씁니다"}).to_string();
    app.post_json(&format!("/api/runs/{id}/explanation"), &explained).await;

    let me = app.get("/me").await;
    assert!(me.body.contains("<dt>내 예측</dt><dd>3.5 배</dd>"), "{}", me.body);
    assert!(
        me.body.contains("속도 향상 (순차 대비)</span></dt><dd>1.82 배</dd>"),
        "the measured figure beside it"
    );
    assert!(me.body.contains("예측과 다름"), "3.5 against 1.82 is judged wrong");
    assert!(
        me.body.contains("프로세스는 &#60;코어&#62; 두 개를 씁니다"),
        "the explanation, escaped"
    );
    assert!(me.body.contains("예측 안 함"), "the run without a prediction says so");
}

#[tokio::test]
async fn a_class_member_reads_that_the_class_keeps_the_record() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "t@school.kr").await;
    let class_id = classroom::class(&teacher, "3반").await;
    let code = join_code(&app, class_id).await;
    let (learner, _) = classroom::learner(&app, &code, "서연").await;
    let me = learner.get("/me").await;
    assert!(me.body.contains("<strong>3반</strong>에 <strong>서연</strong>(으)로"), "{}", me.body);
    assert!(!me.body.contains("이 브라우저에만"));
}

#[tokio::test]
async fn a_run_is_compared_with_the_previous_one_and_the_lessons_figure() {
    let app = TestApp::spawn().await;
    let submit = |body: serde_json::Value| {
        let app = &app;
        async move {
            let reply = app.post_json("/api/runs", &body.to_string()).await;
            let id = reply.json()["id"].as_str().expect("id").to_owned();
            app.drain_queue().await;
            id
        }
    };
    let first = submit(json!({"experiment": "cpu-bound"})).await;
    let alone = app.get(&format!("/runs/{first}")).await;
    assert!(alone.body.contains("data-claim-check"), "at the defaults, beside the lesson's figure");
    assert!(!alone.body.contains("data-run-compare"), "no earlier run, and the figure said once");
    let third = submit(json!({"experiment": "cpu-bound"})).await;
    let again = app.get(&format!("/runs/{third}/panel")).await;
    let compare = &again.body[again.body.find("data-run-compare").expect("a comparison")..];
    assert!(compare.contains("내 이전 실행</a>"), "the card's panel compares too: {compare}");
    assert!(!compare.contains("강의에서 잰 값"), "the lesson's figure is in the claim, not twice");
    let second = submit(json!({"experiment": "cpu-bound", "params": {"workers": 3}})).await;
    let page = app.get(&format!("/runs/{second}")).await;
    let compare = &page.body[page.body.find("data-run-compare").expect("a comparison")..];
    // The latest earlier run: the third was submitted before this one.
    assert!(compare.contains(&format!(r#"<a href="/runs/{third}">내 이전 실행</a>"#)), "{compare}");
    assert!(compare.contains("설정이나 코드가 다름"), "workers 3 against 4");
    assert!(compare.contains("강의에서 잰 값 (기본값)</dt><dd>1.59 배"), "{compare}");
    assert!(compare.contains("프로세스 (processes) 속도 향상"), "named by its Korean label");
}

#[tokio::test]
async fn a_lesson_without_experiments_counts_as_read_once_opened() {
    let app = TestApp::spawn().await;
    app.post_json("/api/runs", r#"{"experiment": "cpu-bound"}"#).await;
    let before = app.get("/").await;
    assert!(!before.body.contains(">읽음<"), "nothing read yet");
    app.get("/lessons/what-is-gil").await;
    let index = app.get("/").await;
    let item = index.body.split("/lessons/what-is-gil").nth(1).expect("lesson 1 on the index");
    let item = &item[..item.find("</li>").expect("its end")];
    assert!(item.contains("lesson-item__progress--done\">읽음<"), "{item}");
    let stranger = app.client().get("/").await;
    assert!(!stranger.body.contains(">읽음<"), "reading is personal");
}

#[tokio::test]
async fn a_cards_history_comes_alone_for_the_card_to_swap_in() {
    let app = TestApp::spawn().await;
    for _ in 0..4 {
        app.post_json("/api/runs", r#"{"experiment": "cpu-bound"}"#).await;
        app.drain_queue().await;
    }
    let history = app.get("/experiments/cpu-bound/history?open").await;
    assert!(!history.body.contains("<html"), "a fragment: {}", history.body);
    assert!(history.body.contains("<details class=\"run-history\" open>"));
    assert!(history.body.contains("내 이전 실행 4개"), "every run counted: {}", history.body);
    assert_eq!(history.body.matches("<li>").count(), 3, "the latest three listed");
    assert!(history.body.contains("나머지 1개는 내 실험 기록에서 보기"));
    let stranger = app.client().get("/experiments/cpu-bound/history").await;
    assert!(!stranger.body.contains("내 이전 실행"), "history is personal");
    let unknown = app.get("/experiments/no-such-thing/history").await;
    assert_eq!(unknown.status, axum::http::StatusCode::NOT_FOUND);
}
