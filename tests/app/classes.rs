//! Classes end to end through the router: an instructor signs up and opens a class, learners
//! join it in their own browsers and run experiments, the instructor reads what they did.

use axum::http::StatusCode;
use gil_lab::on_pool;
use serde_json::json;

use crate::classroom::{self, cpu_run, join_code, resume_code_in};
use crate::helpers::TestApp;

#[tokio::test]
async fn the_whole_flow_from_sign_up_to_the_csv_export() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "teacher@school.kr").await;
    let class_id = classroom::class(&teacher, "3학년 2반 병렬 프로그래밍").await;
    let code = join_code(&app, class_id).await;
    let page = teacher.get(&format!("/classes/{class_id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("3학년 2반 병렬 프로그래밍"));
    assert!(page.body.contains(&format!("/join?code={code}")), "the join link is shown");
    assert!(page.body.contains(r#"<svg class="qr""#), "with its QR code");

    // A learner runs something before joining: it comes along.
    let learner = app.browser();
    let before = cpu_run(&learner, 1.8).await;
    let joined =
        learner.post_form("/join", &[("code", &code.to_lowercase()), ("name", "민준")]).await;
    assert_eq!(joined.status, StatusCode::OK, "{}", joined.body);
    assert!(joined.body.contains("참여했습니다"));
    assert_eq!(joined.header("cache-control"), "no-store", "the resume code is not cached");
    assert_eq!(resume_code_in(&joined).len(), "XXXX-XXXX-XXXX".len());
    let after = cpu_run(&learner, 4.0).await;
    assert_eq!(app.drain_queue().await, 2);
    let explained = learner
        .post_json(
            &format!("/api/runs/{after}/explanation"),
            &json!({"text": "코어가 여러 개라서"}),
        )
        .await;
    assert_eq!(explained.status, StatusCode::OK, "{}", explained.body);

    let dashboard = teacher.get(&format!("/classes/{class_id}")).await;
    assert!(dashboard.body.contains("민준"));
    assert!(dashboard.body.contains(r#"<td class="num">2</td>"#), "two runs on the roster");
    let id = classroom::learner_id(&app, class_id, "민준").await;
    let learner_page = teacher.get(&format!("/classes/{class_id}/learners/{id}")).await;
    assert!(learner_page.body.contains(&format!("/runs/{before}")), "the earlier run came along");
    assert!(learner_page.body.contains("processes 1.82×"), "{}", learner_page.body);
    let experiment = teacher.get(&format!("/classes/{class_id}/experiments/cpu-bound")).await;
    // One learner's latest run is no distribution: the value is written out instead.
    assert!(!experiment.body.contains(r#"<svg class="hist__svg""#), "no histogram of one");
    assert!(experiment.body.contains("한 명의 결과 — 1.82배"), "{}", experiment.body);
    assert!(
        experiment.body.contains("스레드 (threads) GIL을 한 번 쥔 시간 (중앙값)"),
        "the GIL's figures"
    );
    assert!(
        !experiment.body.contains("프로세스 (processes) GIL을 기다린 시간"),
        "nobody waits there"
    );
    assert!(experiment.body.contains("코어가 여러 개라서"));
    assert!(experiment.body.contains("50%"), "one prediction of two was right");

    let run = teacher.get(&format!("/api/runs/{after}")).await;
    assert_eq!(run.status, StatusCode::OK, "the instructor reads the learner's run");
    let csv = teacher.get(&format!("/classes/{class_id}/runs.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(csv.header("content-disposition").starts_with("attachment"));
    assert!(csv.body.starts_with('\u{feff}'), "a BOM, so Excel reads UTF-8");
    let rows: Vec<&str> = csv.body.split("\r\n").filter(|r| !r.is_empty()).collect();
    assert_eq!(rows.len(), 3, "a header and one row per run");
    assert!(rows[2].contains("\"민준\"") && rows[2].contains(&after) && rows[2].contains("틀림"));
    assert!(rows[2].contains("코어가 여러 개라서") && rows[1].contains("맞음"));
}

#[tokio::test]
async fn a_name_already_in_the_class_cannot_be_taken_again() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "t@school.kr").await;
    let code = join_code(&app, classroom::class(&teacher, "1반").await).await;
    classroom::learner(&app, &code, "Minjun Kim").await;
    let impostor = app.browser();
    let again = impostor.post_form("/join", &[("code", &code), ("name", "minjun  kim")]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("같은 이름이 이미 있습니다"));
    assert!(again.body.contains(r#"aria-invalid="true""#), "the error sits beside the field");
    let mine = impostor.get("/me").await;
    assert!(mine.body.contains("아직 실행한 실험이 없습니다"), "nobody's runs came with the name");
}

#[tokio::test]
async fn the_resume_code_brings_a_learner_back_on_a_second_browser() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "t@school.kr").await;
    let class_id = classroom::class(&teacher, "1반").await;
    let code = join_code(&app, class_id).await;
    let (laptop, joined) = classroom::learner(&app, &code, "서연").await;
    let resume = resume_code_in(&joined);
    let run = cpu_run(&laptop, 1.8).await;

    let phone = app.browser();
    let wrong = phone.post_form("/join/resume", &[("resume_code", "AAAA-BBBB-CCCC")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("재개 코드가 맞지 않습니다"));
    let typed = resume.to_lowercase().replace('-', " ");
    let back = phone.post_form("/join/resume", &[("resume_code", &typed)]).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    assert!(phone.get("/me").await.body.contains(&format!("/runs/{run}")));
    assert_eq!(phone.get(&format!("/api/runs/{run}")).await.status, StatusCode::OK);
    cpu_run(&phone, 1.8).await;
    let id = classroom::learner_id(&app, class_id, "서연").await;
    let page = teacher.get(&format!("/classes/{class_id}/learners/{id}")).await;
    assert!(page.body.contains("실행 2번"), "both browsers are one learner");

    let renewed = laptop.post_form("/join/new-code", &[]).await;
    let fresh = resume_code_in(&renewed);
    assert_ne!(fresh, resume);
    let stale = app.browser().post_form("/join/resume", &[("resume_code", &resume)]).await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY, "the old code stops working");
}

#[tokio::test]
async fn the_join_form_comes_prefilled_from_the_link_and_refuses_unknown_codes() {
    let app = TestApp::spawn().await;
    let page = app.browser().get("/join?code=KM47XP").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"value="KM47XP""#));
    let wrong = app.browser().post_form("/join", &[("code", "KM47XP"), ("name", "")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("이 참여 코드의 반이 없습니다"));
    assert!(wrong.body.contains("이름을 입력해 주세요"));
}

#[tokio::test]
async fn an_archived_class_takes_no_one_new_and_a_renamed_one_shows_its_new_name() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "t@school.kr").await;
    let class_id = classroom::class(&teacher, "1반").await;
    let code = join_code(&app, class_id).await;
    let empty = teacher.post_form(&format!("/classes/{class_id}/rename"), &[("name", " ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("반 이름을 입력해 주세요"));
    teacher.post_form(&format!("/classes/{class_id}/rename"), &[("name", "1반 (오후)")]).await;
    assert!(teacher.get("/classes").await.body.contains("1반 (오후)"));
    let archived = teacher.post_form(&format!("/classes/{class_id}/archive"), &[]).await;
    assert_eq!(archived.status, StatusCode::SEE_OTHER);
    let refused = app.browser().post_form("/join", &[("code", &code), ("name", "지우")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(teacher.get(&format!("/classes/{class_id}")).await.body.contains("보관됨"));
    teacher.post_form(&format!("/classes/{class_id}/restore"), &[]).await;
    classroom::learner(&app, &code, "지우").await;
}

#[tokio::test]
async fn the_projector_view_shows_the_code_large_with_a_qr_code_of_the_join_link() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "t@school.kr").await;
    let class_id = classroom::class(&teacher, "1반").await;
    let code = join_code(&app, class_id).await;
    let page = teacher.get(&format!("/classes/{class_id}/projector")).await;
    assert!(page.body.contains(r#"<p class="projector__code">"#));
    assert!(page.body.contains(&format!("{}-{}", &code[..5], &code[5..])));
    assert!(page.body.contains(&format!("http://lab.test/join?code={code}")));
    assert!(page.body.contains(r#"<svg class="qr" viewBox="0 0 "#));
    assert!(!code.contains(['0', 'O', '1', 'I', 'L']));
}

#[tokio::test]
async fn the_live_part_of_the_dashboard_comes_alone_for_the_script_to_swap_in() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "t@school.kr").await;
    let class_id = classroom::class(&teacher, "1반").await;
    let page = teacher.get(&format!("/classes/{class_id}")).await;
    assert!(page.body.contains(&format!(r#"data-live-url="/classes/{class_id}/live?page=1""#)));
    assert!(page.body.contains("/static/js/classes.js"));
    let code = join_code(&app, class_id).await;
    let (learner, _) = classroom::learner(&app, &code, "하윤").await;
    cpu_run(&learner, 1.8).await;
    let live = teacher.get(&format!("/classes/{class_id}/live")).await;
    assert!(live.body.starts_with("<dl class=\"stat-grid\">"), "{}", live.body);
    assert!(!live.body.contains("<html"));
    assert!(live.body.contains("하윤") && live.body.contains("대기·실행 중"));
}

#[tokio::test]
async fn a_learner_page_shows_an_edited_program_as_a_diff_against_the_original() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "t@school.kr").await;
    let class_id = classroom::class(&teacher, "1반").await;
    let code = join_code(&app, class_id).await;
    let (learner, _) = classroom::learner(&app, &code, "도윤").await;
    let original =
        app.state.content.experiment(&"cpu-bound".parse_id()).and_then(|e| e.code.clone());
    let edited = format!("# 반복을 두 배로 <b>\n{}", original.expect("program"));
    classroom::run(&learner, json!({"experiment": "cpu-bound", "code": edited})).await;
    let id = classroom::learner_id(&app, class_id, "도윤").await;
    let page = teacher.get(&format!("/classes/{class_id}/learners/{id}")).await;
    assert!(page.body.contains("원래 코드와 비교 (+1 −0)"), "{}", page.body);
    assert!(page.body.contains(r#"<tr class="diff__line diff__line--add">"#));
    assert!(page.body.contains("# 반복을 두 배로 &#60;b&#62;"), "the code is escaped");
}

trait ParseId {
    fn parse_id(&self) -> gil_lab::content::ExperimentId;
}

impl ParseId for str {
    fn parse_id(&self) -> gil_lab::content::ExperimentId {
        gil_lab::content::ExperimentId::parse(self).expect("experiment id")
    }
}

#[tokio::test]
async fn the_csv_defuses_names_and_explanations_a_spreadsheet_would_run() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "t@school.kr").await;
    let class_id = classroom::class(&teacher, "1반").await;
    let code = join_code(&app, class_id).await;
    let (learner, _) =
        classroom::learner(&app, &code, "=HYPERLINK(\"http://evil\",\"클릭\")").await;
    let run = cpu_run(&learner, 1.8).await;
    app.drain_queue().await;
    let text = json!({"text": "@SUM(1+1)*cmd|' /C calc'!A0"});
    learner.post_json(&format!("/api/runs/{run}/explanation"), &text).await;
    let csv = teacher.get(&format!("/classes/{class_id}/runs.csv")).await;
    let row = csv.body.split("\r\n").nth(1).expect("a row");
    assert!(row.starts_with(r#""'=HYPERLINK(""http://evil"",""클릭"")""#), "{row}");
    assert!(row.contains(r#""'@SUM(1+1)*cmd|' /C calc'!A0""#), "{row}");
    assert!(!row.contains(",\"=") && !row.contains(",\"@") && !row.contains(",\"+"), "{row}");
}

#[tokio::test]
async fn explanations_can_be_searched_and_runs_on_a_busy_server_are_listed() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "t@school.kr").await;
    let class_id = classroom::class(&teacher, "1반").await;
    let code = join_code(&app, class_id).await;
    let mut runs = Vec::new();
    for (name, text) in [("가온", "GIL 때문에 스레드는 한 코어"), ("나래", "프로세스는 100% 병렬")]
    {
        let (learner, _) = classroom::learner(&app, &code, name).await;
        let run = cpu_run(&learner, 1.8).await;
        app.drain_queue().await;
        learner.post_json(&format!("/api/runs/{run}/explanation"), &json!({"text": text})).await;
        runs.push(run);
    }
    app.set_environment(&runs[1], "contended", json!(true)).await;
    let base = format!("/classes/{class_id}/experiments/cpu-bound");
    let all = teacher.get(&base).await;
    assert!(all.body.contains("한 코어") && all.body.contains("100% 병렬"));
    let found = teacher.get(&format!("{base}?q=gil")).await;
    assert!(found.body.contains("한 코어") && !found.body.contains("100% 병렬"), "{}", found.body);
    let percent = teacher.get(&format!("{base}?q=%25")).await;
    assert!(
        percent.body.contains("100% 병렬") && !percent.body.contains("한 코어"),
        "% is literal"
    );
    let by_name = teacher.get(&format!("{base}?q=%EB%82%98%EB%9E%98")).await;
    assert!(by_name.body.contains("100% 병렬") && !by_name.body.contains("한 코어"));
    let busy = all.body.split("서버가 바쁠 때 잰 실행").nth(1).expect("the contended section");
    assert!(
        busy.contains(&format!("/runs/{}", runs[1]))
            && !busy.contains(&format!("/runs/{}", runs[0]))
    );
}

#[tokio::test]
async fn the_roster_of_a_large_class_comes_in_pages_of_fifty() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "t@school.kr").await;
    let class_id = classroom::class(&teacher, "대강의실").await;
    let db = &app.state.db;
    for n in 0..120 {
        let learner: i64 = on_pool!(db, c => sqlx::query_scalar(
            "insert into learner (token_hash, created_at, last_seen_at) values ($1, 'x', 'x') returning learner_id",
        )
        .bind(format!("{n:064}").into_bytes())
        .fetch_one(c).await)
        .expect("learner");
        on_pool!(db, c => sqlx::query("insert into class_member values ($1, $2, $3, '2026-11-25T08:00:00.000Z')")
            .bind(class_id)
            .bind(learner)
            .bind(format!("학생{n:03}"))
            .execute(c).await.map(|done| done.rows_affected()))
            .expect("member");
    }
    let first = teacher.get(&format!("/classes/{class_id}")).await;
    assert!(first.body.contains("학생000") && first.body.contains("학생049"));
    assert!(!first.body.contains("학생050"));
    assert!(first.body.contains("1/3쪽") && first.body.contains(r#"rel="next""#));
    let last = teacher.get(&format!("/classes/{class_id}?page=3")).await;
    assert!(last.body.contains("학생119") && !last.body.contains("학생099"));
    assert!(last.body.contains(r#"<dd>120명</dd>"#));
}
