//! An instructor filters a class's runs by whether the learner changed the experiment's code:
//! the class's figures say how many edited runs they count, and the filter and the CSV can
//! leave them out.

use axum::http::StatusCode;
use serde_json::json;

use crate::classroom::{self, cpu_run, join_code};
use crate::helpers::TestApp;

#[tokio::test]
async fn edited_runs_are_counted_apart_and_the_filter_and_csv_can_leave_them_out() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "t@school.kr").await;
    let class_id = classroom::class(&teacher, "1반").await;
    let code = join_code(&app, class_id).await;
    let (plain, _) = classroom::learner(&app, &code, "원래코드").await;
    cpu_run(&plain, 1.8).await;
    let (tinkerer, _) = classroom::learner(&app, &code, "고친코드").await;
    let original = app.state.content.experiments().find(|e| e.id.as_str() == "cpu-bound");
    let edited = format!("# 바꿔 봄\n{}", original.and_then(|e| e.code.clone()).expect("program"));
    let body = json!({"experiment": "cpu-bound", "code": edited, "prediction": {"value": 1.0}});
    let edited_run = classroom::run(&tinkerer, body).await;
    app.drain_queue().await;
    let why = json!({"text": "반복을 줄였더니 빨라졌다"});
    tinkerer.post_json(&format!("/api/runs/{edited_run}/explanation"), &why).await;

    let base = format!("/classes/{class_id}/experiments/cpu-bound");
    let all = teacher.get(&base).await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all.body.contains("모두 2명의 결과"), "{}", all.body);
    assert!(all.body.contains("이 중 1명은 코드를 고친 실행"), "edited runs are marked");
    assert!(all.body.contains(r#"aria-current="page" class="code-filter__current">모든 실행"#));

    let explained = all.body.split("학생들의 설명").nth(1).expect("the explanations");
    let item =
        &explained[..explained.find("반복을 줄였더니").expect("the edited run's explanation")];
    assert!(item.contains(r#"<span class="tag">코드 수정</span>"#), "marked as edited: {item}");

    let original = teacher.get(&format!("{base}?code=original")).await;
    assert!(original.body.contains("모두 1명의 결과"), "{}", original.body);
    assert!(!original.body.contains("코드를 고친 실행"));
    assert!(original.body.contains("1 / 1개"), "the one original prediction is judged");
    let edited = teacher.get(&format!("{base}?code=edited")).await;
    assert!(edited.body.contains("모두 1명의 결과"), "{}", edited.body);
    assert!(edited.body.contains(r#"class="code-filter__current">고친 코드만"#));

    let bogus = teacher.get(&format!("{base}?code=maybe")).await;
    assert_eq!(bogus.status, StatusCode::BAD_REQUEST);
    assert!(bogus.body.contains("코드 필터는"), "{}", bogus.body);

    let csv = teacher.get(&format!("/classes/{class_id}/runs.csv")).await;
    assert!(csv.body.contains("원래코드") && csv.body.contains("고친코드"));
    let kept = teacher.get(&format!("/classes/{class_id}/runs.csv?code=original")).await;
    assert_eq!(kept.status, StatusCode::OK);
    assert!(kept.body.contains("원래코드") && !kept.body.contains("고친코드"), "{}", kept.body);
    assert!(kept.header("content-disposition").contains("runs-original.csv"));
}
