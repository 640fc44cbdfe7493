//! The learner cookie is given when a visitor first acts, never for reading: readers get no
//! cookie and cost no query, a first run or a first join makes the learner.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use gil_lab::on_pool;

use crate::browser::{HOST, ORIGIN};
use crate::classroom;
use crate::helpers::{TestApp, TestResponse};

const CPU: &str = r#"{"experiment": "cpu-bound", "params": {"workers": 2}}"#;

fn learner_cookie(response: &TestResponse) -> Option<String> {
    response
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("gil_lab_learner="))
        .map(str::to_owned)
}

async fn learner_rows(app: &TestApp) -> i64 {
    on_pool!(app.state.db, c => sqlx::query_scalar("select count(*) from learner").fetch_one(c).await).expect("n")
}

#[tokio::test]
async fn a_reader_without_a_cookie_gets_none_and_costs_no_query() {
    let app = TestApp::spawn().await;
    let lesson = format!("/lessons/{}", app.state.content.lessons()[1].slug);
    let paths = ["/", lesson.as_str(), "/me", "/join", "/join?code=ABCDEF"];
    for path in paths {
        let page = app.client().get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.headers.get("set-cookie").is_none(), "{path} set a cookie");
    }
    // With the database gone, reading must still work: it never asked it anything.
    app.state.db.close().await;
    for path in paths {
        assert_eq!(app.client().get(path).await.status, StatusCode::OK, "{path} queried the db");
    }
}

#[tokio::test]
async fn a_cookie_less_reader_gets_the_lesson_rendered_once_and_a_learner_their_own() {
    let app = TestApp::spawn().await;
    let path = "/lessons/threading-bottleneck";
    let first = app.client().get(path).await;
    assert_eq!(first.body, app.client().get(path).await.body, "the same bytes for every reader");
    assert!(first.header("content-type").starts_with("text/html"));
    let learner = app.client();
    let id =
        learner.post_json("/api/runs", CPU).await.json()["id"].as_str().expect("id").to_owned();
    let own = learner.get(path).await;
    assert!(own.body.contains(&format!("/runs/{id}")), "the learner sees their run on the card");
    assert!(!app.client().get(path).await.body.contains(&id), "a stranger does not");
}

#[tokio::test]
async fn a_first_run_gives_the_cookie_and_me_then_shows_the_run() {
    let app = TestApp::spawn().await;
    let browser = app.client();
    let submitted = browser.post_json("/api/runs", CPU).await;
    assert_eq!(submitted.status, StatusCode::ACCEPTED, "{}", submitted.body);
    let cookie = learner_cookie(&submitted).expect("the first run gives a learner cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "not behind TLS in tests: {cookie}");
    let id = submitted.json()["id"].as_str().expect("id").to_owned();
    let me = browser.get("/me").await;
    assert!(me.body.contains(&format!("/runs/{id}")), "{}", me.body);
    assert!(me.headers.get("set-cookie").is_none(), "a known learner gets no new cookie");
    let again = browser.post_json("/api/runs", CPU).await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    assert_eq!(learner_cookie(&again), None, "the second run keeps the same cookie");
    assert_eq!(learner_rows(&app).await, 1);
    assert!(!app.client().get("/me").await.body.contains(&id), "another browser sees nothing");
}

#[tokio::test]
async fn a_refused_submission_makes_no_learner_and_gives_no_cookie() {
    let app = TestApp::spawn().await;
    let refused = app.client().post_json("/api/runs", r#"{"experiment": "no-such"}"#).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert_eq!(learner_cookie(&refused), None);
    assert_eq!(learner_rows(&app).await, 0);
}

#[tokio::test]
async fn the_learner_cookie_is_secure_when_configured() {
    let app = TestApp::spawn_with(|config| config.secure_cookies = true).await;
    let submitted = app.client().post_json("/api/runs", CPU).await;
    let cookie = learner_cookie(&submitted).expect("cookie");
    assert!(cookie.contains("Secure") && cookie.contains("HttpOnly"), "{cookie}");
}

#[tokio::test]
async fn joining_a_class_without_a_cookie_makes_the_learner_and_gives_the_cookie() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "t@school.kr").await;
    let class_id = classroom::class(&teacher, "1반").await;
    let code = classroom::join_code(&app, class_id).await;
    let learner = app.browser();
    assert!(learner.get(&format!("/join?code={code}")).await.headers.get("set-cookie").is_none());
    let joined = learner.post_form("/join", &[("code", &code), ("name", "이 학생")]).await;
    assert_eq!(joined.status, StatusCode::OK, "{}", joined.body);
    let cookie = learner_cookie(&joined).expect("joining gives a learner cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(learner.cookie("gil_lab_learner").is_some());
    let again = learner.get("/join").await;
    assert!(again.body.contains("1반"), "the join page lists the class: {}", again.body);
    let run = classroom::cpu_run(&learner, 1.5).await;
    let learner_id = classroom::learner_id(&app, class_id, "이 학생").await;
    let owner: i64 = on_pool!(app.state.db, c => sqlx::query_scalar("select learner_id from run where run_id = $1")
        .bind(&run)
        .fetch_one(c).await)
        .expect("run");
    assert_eq!(owner, learner_id, "the run belongs to the member who joined");
}

#[tokio::test]
async fn a_cross_site_form_cannot_bind_a_cookie_less_browser_to_someone_else() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "t@school.kr").await;
    let class_id = classroom::class(&teacher, "1반").await;
    let code = classroom::join_code(&app, class_id).await;
    let (_attacker, joined) = classroom::learner(&app, &code, "공격자").await;
    let resume = classroom::resume_code_in(&joined);
    let body = crate::browser::form_encode(&[("resume_code", &resume)]);
    let forged = Request::post("/join/resume")
        .header("host", HOST)
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body.clone()))
        .expect("request");
    let victim = app.browser();
    let refused = victim.send(forged).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(learner_cookie(&refused), None, "no cookie planted by another site");
    assert_eq!(
        refused.header("x-content-type-options"),
        "nosniff",
        "a refusal is one of our pages"
    );
    assert!(!refused.header("x-request-id").is_empty());
    let ours = Request::post("/join/resume")
        .header("host", HOST)
        .header("origin", ORIGIN)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .expect("request");
    let resumed = victim.send(ours).await;
    assert_eq!(resumed.status, StatusCode::SEE_OTHER, "{}", resumed.body);
    assert!(learner_cookie(&resumed).is_some(), "the learner's own form binds this browser");
    assert!(victim.get("/join").await.body.contains("1반"));
}
