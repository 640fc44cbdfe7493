//! Class demos (peer instruction) through the router: the instructor opens an experiment for
//! the class, learners predict on their own devices and may change their minds until the run,
//! the instructor runs it once, everyone sees the measurement against the class's predictions,
//! and then the instructor opens it for everyone. Plus who may do what, and the CSV.

use axum::http::StatusCode;
use gil_lab::on_pool;
use serde_json::json;

use crate::browser::Browser;
use crate::classroom::{self, join_code};
use crate::helpers::TestApp;

/// The demo id the page's forms carry.
fn demo_id_in(body: &str) -> String {
    let start = body.find(r#"name="demo" value=""#).expect("a demo form") + 19;
    let end = start + body[start..].find('"').expect("end of the id");
    body[start..end].to_owned()
}

async fn phase(app: &TestApp, demo: &str) -> String {
    on_pool!(app.state.db, c => sqlx::query_scalar("select phase from class_demo where demo_id = $1")
        .bind(demo.parse::<i64>().expect("id"))
        .fetch_one(c).await)
        .expect("phase")
}

async fn predict(learner: &Browser<'_>, demo: &str, value: &str) -> StatusCode {
    let fields = [("demo", demo), ("value", value)];
    learner.post_form("/class/demo/prediction", &fields).await.status
}

/// A class with a demo of the CPU experiment open and three learners in it.
struct Demo<'a> {
    teacher: Browser<'a>,
    class_id: i64,
    id: String,
    learners: Vec<Browser<'a>>,
}

async fn open_demo<'a>(app: &'a TestApp) -> Demo<'a> {
    let teacher = classroom::instructor(app, "teacher@school.kr").await;
    let class_id = classroom::class(&teacher, "2반").await;
    let code = join_code(app, class_id).await;
    let mut learners = Vec::new();
    for name in ["민준", "서연", "지후"] {
        learners.push(classroom::learner(app, &code, name).await.0);
    }
    let opened = teacher
        .post_form(&format!("/classes/{class_id}/demos"), &[("experiment", "cpu-bound")])
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    assert_eq!(opened.header("location"), format!("/classes/{class_id}/demo"));
    let projector = teacher.get(&format!("/classes/{class_id}/demo")).await;
    assert_eq!(projector.status, StatusCode::OK);
    let id = demo_id_in(&projector.body);
    Demo { teacher, class_id, id, learners }
}

#[tokio::test]
async fn three_learners_predict_the_instructor_runs_once_and_everyone_sees_the_measurement() {
    let app = TestApp::spawn().await;
    let Demo { teacher, class_id, id, learners } = open_demo(&app).await;
    assert_eq!(phase(&app, &id).await, "predicting");

    let page = learners[0].get("/class/demo").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("몇 배 빠를까요?"), "the question is on the learner's device");
    assert!(page.body.contains(r#"action="/class/demo/prediction""#));
    for (learner, value) in learners.iter().zip(["1.8", "4", "8"]) {
        assert_eq!(predict(learner, &id, value).await, StatusCode::SEE_OTHER);
    }
    // A learner changes their mind before the run: one prediction each, the latest kept.
    assert_eq!(predict(&learners[2], &id, "2").await, StatusCode::SEE_OTHER);
    let mine = learners[2].get("/class/demo").await;
    assert!(mine.body.contains(r#"value="2""#), "the form shows the saved prediction");
    assert!(mine.body.contains("예측 바꾸기"));
    assert!(!mine.body.contains("data-demo-histogram"), "learners see no histogram before the run");

    let live = teacher.get(&format!("/classes/{class_id}/demo/live")).await;
    assert!(live.body.contains(r#"<strong data-demo-count>3</strong>"#), "{}", live.body);
    assert!(live.body.contains(r#"<svg class="hist__svg""#), "the projector draws the predictions");
    assert!(live.body.contains("학생 3명"), "the histogram counts three predictions");

    // Before it is opened for everyone, the learners wait for the demo instead of running it.
    let early = learners[0].post_json("/api/runs", &json!({"experiment": "cpu-bound"})).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    assert!(early.json()["error"].as_str().unwrap_or_default().contains("수업 실험"));

    let run = teacher.post_form(&format!("/classes/{class_id}/demo/run"), &[("demo", &id)]).await;
    assert_eq!(run.status, StatusCode::SEE_OTHER, "{}", run.body);
    assert_eq!(phase(&app, &id).await, "running");
    let again = teacher.post_form(&format!("/classes/{class_id}/demo/run"), &[("demo", &id)]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "one run per demo");
    let late =
        learners[0].post_form("/class/demo/prediction", &[("demo", &id), ("value", "3")]).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(late.body.contains("예측을 더 받지 않습니다"));
    let running = learners[1].get("/class/demo/live").await;
    assert!(running.body.contains(r#"data-demo-phase="running""#), "{}", running.body);
    assert!(running.body.contains("data-demo-run="), "the devices show the run");

    assert_eq!(app.drain_queue().await, 1, "exactly one run");
    let projector = teacher.get(&format!("/classes/{class_id}/demo/live")).await;
    assert!(projector.body.contains(r#"data-demo-phase="measured""#), "{}", projector.body);
    assert!(projector.body.contains("1.82 배"), "the measurement: {}", projector.body);
    assert!(projector.body.contains("3명 중 2명"), "1.8 and 2 are right, 4 is not");
    assert!(projector.body.contains("hist__measured"), "the measurement marked on the histogram");
    assert_eq!(phase(&app, &id).await, "measured");
    for learner in &learners {
        let seen = learner.get("/class/demo").await;
        assert!(seen.body.contains("1.82 배") && seen.body.contains("data-demo-histogram"));
        assert!(seen.body.contains("prediction-verdict"), "each device judges its own prediction");
    }
    let wrong = learners[1].get("/class/demo/live").await;
    assert!(wrong.body.contains("예측과 측정이 달랐습니다"));

    let opened =
        teacher.post_form(&format!("/classes/{class_id}/demo/open"), &[("demo", &id)]).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    assert_eq!(phase(&app, &id).await, "opened");
    let now = learners[0].get("/class/demo").await;
    assert!(now.body.contains("모두에게 열었습니다"), "{}", now.body);
    let own = learners[0].post_json("/api/runs", &json!({"experiment": "cpu-bound"})).await;
    assert_eq!(own.status, StatusCode::ACCEPTED, "now everyone runs their own: {}", own.body);

    let experiment = teacher.get(&format!("/classes/{class_id}/experiments/cpu-bound")).await;
    assert!(experiment.body.contains("id=\"demos\""));
    assert!(experiment.body.contains("1.82 배") && experiment.body.contains("3명 중 2명"));
    assert!(experiment.body.contains("hist__measured"), "the stored demo keeps its histogram");
}

#[tokio::test]
async fn the_demo_run_goes_before_anonymous_runs_queued_earlier() {
    let app = TestApp::spawn().await;
    let stranger = app.browser();
    let early = classroom::run(&stranger, json!({"experiment": "cpu-bound"})).await;
    let Demo { teacher, class_id, id, .. } = open_demo(&app).await;
    teacher.post_form(&format!("/classes/{class_id}/demo/run"), &[("demo", &id)]).await;
    let first = app.state.runner.run_next().await.expect("run_next").expect("a run");
    let demo_run: String = on_pool!(app.state.db, c => sqlx::query_scalar("select run_id from class_demo where demo_id = $1")
        .bind(id.parse::<i64>().expect("id"))
        .fetch_one(c).await)
        .expect("the demo run");
    assert_eq!(first.to_string(), demo_run, "the class waits for it, not for {early}");
}

#[tokio::test]
async fn only_the_classs_instructor_and_members_take_part() {
    let app = TestApp::spawn().await;
    let Demo { teacher, class_id, id, learners } = open_demo(&app).await;
    let other = classroom::instructor(&app, "other@school.kr").await;
    let other_class = classroom::class(&other, "다른 반").await;
    for path in [format!("/classes/{class_id}/demo"), format!("/classes/{class_id}/demo/live")] {
        assert_eq!(other.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let forged = other.post_form(&format!("/classes/{class_id}/demo/run"), &[("demo", &id)]).await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    let borrowed =
        other.post_form(&format!("/classes/{other_class}/demo/close"), &[("demo", &id)]).await;
    assert_eq!(borrowed.status, StatusCode::NOT_FOUND, "a demo of another class never was");
    let signed_out = app.browser().get(&format!("/classes/{class_id}/demo")).await;
    assert_ne!(signed_out.status, StatusCode::OK);

    let anonymous = app.browser();
    let refused = anonymous.get("/class/demo").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("반에 참여한 학생만"));
    assert_eq!(predict(&anonymous, &id, "2").await, StatusCode::FORBIDDEN);
    let outsider_code = join_code(&app, other_class).await;
    let (outsider, _) = classroom::learner(&app, &outsider_code, "외부인").await;
    assert_eq!(predict(&outsider, &id, "2").await, StatusCode::NOT_FOUND);
    let nothing = outsider.get("/class/demo").await;
    assert_eq!(nothing.status, StatusCode::OK);
    assert!(nothing.body.contains("지금 열린 수업 실험이 없습니다"), "{}", nothing.body);

    // The demo run is the class's to watch: its members and instructor, nobody else.
    teacher.post_form(&format!("/classes/{class_id}/demo/run"), &[("demo", &id)]).await;
    let run_id: String = on_pool!(app.state.db, c => sqlx::query_scalar("select run_id from class_demo where demo_id = $1")
        .bind(id.parse::<i64>().expect("id"))
        .fetch_one(c).await)
        .expect("run id");
    assert_eq!(learners[0].get(&format!("/api/runs/{run_id}")).await.status, StatusCode::OK);
    assert_eq!(teacher.get(&format!("/runs/{run_id}")).await.status, StatusCode::OK);
    assert_eq!(outsider.get(&format!("/api/runs/{run_id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(other.get(&format!("/api/runs/{run_id}")).await.status, StatusCode::NOT_FOUND);
    let dashboard = teacher.get(&format!("/classes/{class_id}")).await;
    assert!(dashboard.body.contains("<dd>3명</dd>"), "the demo runner is on no roster");
}

#[tokio::test]
async fn bad_input_gets_a_korean_4xx_and_the_phases_only_move_forward() {
    let app = TestApp::spawn().await;
    let Demo { teacher, class_id, id, learners } = open_demo(&app).await;
    let open = |experiment: &'static str| {
        let teacher = &teacher;
        async move {
            let path = format!("/classes/{class_id}/demos");
            teacher.post_form(&path, &[("experiment", experiment)]).await
        }
    };
    let second = open("races").await;
    assert_eq!(second.status, StatusCode::CONFLICT, "one demo at a time");
    assert!(second.body.contains("이미 진행 중인 수업 실험"), "{}", second.body);
    let unknown = open("no-such-thing").await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("알 수 없는 실험"));
    let garbage = teacher
        .post_form(&format!("/classes/{class_id}/demo/run"), &[("demo", "x'); drop table run")])
        .await;
    assert_eq!(garbage.status, StatusCode::NOT_FOUND);
    let early_open =
        teacher.post_form(&format!("/classes/{class_id}/demo/open"), &[("demo", &id)]).await;
    assert_eq!(early_open.status, StatusCode::CONFLICT, "nothing measured yet");
    assert!(early_open.body.contains("측정이 끝난 뒤에"));

    let learner = &learners[0];
    for (typed, message) in [("abc", "숫자로"), ("99", "0 이상 16 이하"), ("", "숫자로")]
    {
        let answer =
            learner.post_form("/class/demo/prediction", &[("demo", &id), ("value", typed)]).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
        assert!(answer.body.contains(message), "{typed}: {}", answer.body);
        assert!(answer.body.contains(r#"aria-invalid="true""#), "beside the field");
    }
    let malformed = learner.post_form("/class/demo/prediction", &[("demo", "9999999")]).await;
    assert_eq!(malformed.status, StatusCode::NOT_FOUND);
    let not_form =
        learner.post_json("/class/demo/prediction", &json!({"demo": id, "value": 2})).await;
    assert_eq!(not_form.status, StatusCode::BAD_REQUEST);

    let closed =
        teacher.post_form(&format!("/classes/{class_id}/demo/close"), &[("demo", &id)]).await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER);
    assert_eq!(phase(&app, &id).await, "closed");
    let after = teacher.post_form(&format!("/classes/{class_id}/demo/run"), &[("demo", &id)]).await;
    assert_eq!(after.status, StatusCode::CONFLICT, "a closed demo never runs");
    assert_eq!(predict(learner, &id, "2").await, StatusCode::NOT_FOUND);
    assert_eq!(open("races").await.status, StatusCode::SEE_OTHER, "a new one after closing");
}

#[tokio::test]
async fn the_csv_holds_the_demo_run_and_each_prediction_judged_against_it() {
    let app = TestApp::spawn().await;
    let Demo { teacher, class_id, id, learners } = open_demo(&app).await;
    for (learner, value) in learners.iter().zip(["1.8", "4", "8"]) {
        predict(learner, &id, value).await;
    }
    teacher.post_form(&format!("/classes/{class_id}/demo/run"), &[("demo", &id)]).await;
    app.drain_queue().await;
    let csv = teacher.get(&format!("/classes/{class_id}/runs.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let rows: Vec<&str> = csv.body.split("\r\n").filter(|r| !r.is_empty()).collect();
    assert!(rows[0].ends_with("\"구분\""), "{}", rows[0]);
    assert_eq!(rows.len(), 5, "a header, the demo run and three predictions: {rows:#?}");
    assert!(rows[1].contains("수업 실험 실행") && rows[1].contains("\"완료\""), "{}", rows[1]);
    let of = |name: &str| rows.iter().find(|r| r.contains(&format!("\"{name}\""))).copied();
    let minjun = of("민준").expect("민준's prediction");
    assert!(minjun.contains("수업 실험 예측") && minjun.contains("맞음"), "{minjun}");
    assert!(of("서연").expect("서연").contains("틀림"));
}

/// A demo measured while other programs took its cores says so to the instructor and may run
/// again before the class compares against it (the trial lesson's demo read 0.98× on a busy
/// machine, with no way to re-run it); a clean measurement may not.
#[tokio::test]
async fn a_demo_measured_beside_other_programs_may_run_again_and_a_clean_one_may_not() {
    let app = TestApp::spawn().await;
    let Demo { teacher, class_id, id, .. } = open_demo(&app).await;
    let run_path = format!("/classes/{class_id}/demo/run");
    teacher.post_form(&run_path, &[("demo", &id)]).await;
    assert_eq!(app.drain_queue().await, 1);
    // The worker measures the real machine's load: set both sides here, whatever it saw.
    let demo_run: String = on_pool!(app.state.db, c => {
        sqlx::query_scalar("select run_id from class_demo where demo_id = $1")
            .bind(id.parse::<i64>().expect("id"))
            .fetch_one(c)
            .await
    })
    .expect("the demo's run");
    let measured = async |contended: bool, others: f64| {
        app.set_environment(&demo_run, "contended", contended.into()).await;
        app.set_environment(&demo_run, "others_cores", others.into()).await;
    };
    measured(false, 0.0).await;
    let clean = teacher.post_form(&run_path, &[("demo", &id)]).await;
    assert_eq!(clean.status, StatusCode::CONFLICT, "a clean measurement stands");
    let live = teacher.get(&format!("/classes/{class_id}/demo/live")).await;
    assert!(!live.body.contains("다시 실행"), "{}", live.body);

    measured(true, 0.6).await;
    let live = teacher.get(&format!("/classes/{class_id}/demo/live")).await;
    assert!(live.body.contains("코어 0.60개"), "the figure: {}", live.body);
    assert!(live.body.contains("다시 실행"), "{}", live.body);
    let again = teacher.post_form(&run_path, &[("demo", &id)]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert_eq!(phase(&app, &id).await, "running");
}
