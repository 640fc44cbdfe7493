//! A classroom for tests: an instructor signed up in their own browser, a class, learners who
//! joined it in theirs, and runs they made. Every step goes through the pages, as people do.

use axum::http::StatusCode;
use gil_lab::on_pool;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::helpers::{TestApp, TestResponse};

pub const PASSWORD: &str = "correct horse battery";

/// A new instructor, signed up and then logged in (sign-up itself signs no one in).
pub async fn instructor<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let browser = app.browser();
    let fields = [
        ("email", email),
        ("name", "김 선생"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
    ];
    let response = browser.post_form("/instructor/signup", &fields).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    assert_eq!(response.header("location"), "/instructor/login?signed_up=1");
    let login = [("email", email), ("password", PASSWORD), ("next", "/classes")];
    let response = browser.post_form("/instructor/login", &login).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    assert_eq!(response.header("location"), "/classes");
    browser
}

/// A new class of this instructor; its id.
pub async fn class(teacher: &Browser<'_>, name: &str) -> i64 {
    let response = teacher.post_form("/classes", &[("name", name)]).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    let location = response.header("location");
    location.trim_start_matches("/classes/").parse().expect("class id in the redirect")
}

pub async fn join_code(app: &TestApp, class_id: i64) -> String {
    on_pool!(app.state.db, c => sqlx::query_scalar("select join_code from class where class_id = $1")
        .bind(class_id)
        .fetch_one(c).await)
        .expect("join code")
}

/// The resume code shown once on the page after joining.
pub fn resume_code_in(page: &TestResponse) -> String {
    let tag = r#"<span class="resume-code__value" id="resume-code-value">"#;
    let start = page.body.find(tag).expect("a resume code") + tag.len();
    let end = start + page.body[start..].find('<').expect("end of the code");
    page.body[start..end].trim().to_owned()
}

/// A learner who joined the class in their own browser; the page they saw after joining.
pub async fn learner<'a>(app: &'a TestApp, code: &str, name: &str) -> (Browser<'a>, TestResponse) {
    let browser = app.browser();
    let joined = browser.post_form("/join", &[("code", code), ("name", name)]).await;
    assert_eq!(joined.status, StatusCode::OK, "{}", joined.body);
    (browser, joined)
}

/// Submits a run; its id.
pub async fn run(browser: &Browser<'_>, body: Value) -> String {
    let response = browser.post_json("/api/runs", &body).await;
    assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.body);
    response.json()["id"].as_str().expect("run id").to_owned()
}

pub async fn cpu_run(browser: &Browser<'_>, prediction: f64) -> String {
    run(browser, json!({"experiment": "cpu-bound", "prediction": {"value": prediction}})).await
}

pub async fn learner_id(app: &TestApp, class_id: i64, name: &str) -> i64 {
    on_pool!(app.state.db, c => sqlx::query_scalar(
        "select learner_id from class_member where class_id = $1 and display_name = $2",
    )
    .bind(class_id)
    .bind(name)
    .fetch_one(c).await)
    .expect("member")
}
