//! Learner identity: only tokens the server issued are accepted, and joining or resuming
//! replaces the browser's token with a new one.

use axum::http::StatusCode;
use gil_lab::on_pool;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::classroom::{self, resume_code_in};
use crate::helpers::TestApp;

const LEARNER: &str = "gil_lab_learner";

/// Whether any learner or bound browser holds this token.
async fn known(app: &TestApp, token: &str) -> bool {
    let hash = Sha256::digest(token.as_bytes()).to_vec();
    on_pool!(app.state.db, c => sqlx::query_scalar::<_, i64>(
        "select count(*) from (select token_hash from learner where token_hash = $1 \
         union all select token_hash from learner_device where token_hash = $1) as held",
    )
    .bind(hash)
    .fetch_one(c).await)
    .expect("count")
        > 0
}

#[tokio::test]
async fn a_token_the_server_never_issued_is_treated_as_none() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let chosen = "ab".repeat(32);
    browser.set_cookie(LEARNER, &chosen);
    let run = browser.post_json("/api/runs", &json!({"experiment": "cpu-bound"})).await;
    assert_eq!(run.status, StatusCode::ACCEPTED, "{}", run.body);
    let given = browser.cookie(LEARNER).expect("a learner cookie");
    assert_ne!(given, chosen, "a new token was minted");
    assert!(!known(&app, &chosen).await, "the chosen token made no learner");
    assert!(known(&app, &given).await);
}

#[tokio::test]
async fn joining_a_class_replaces_the_token_the_browser_came_with() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "t@school.kr").await;
    let class_id = classroom::class(&teacher, "1반").await;
    let code = classroom::join_code(&app, class_id).await;
    let browser = app.browser();
    browser.post_json("/api/runs", &json!({"experiment": "cpu-bound"})).await;
    let before = browser.cookie(LEARNER).expect("a token from the first run");
    let joined = browser.post_form("/join", &[("code", &code), ("name", "민준")]).await;
    assert_eq!(joined.status, StatusCode::OK, "{}", joined.body);
    let after = browser.cookie(LEARNER).expect("a token");
    assert_ne!(before, after, "rotated on join");
    assert!(!known(&app, &before).await, "the old token stopped working");
    let me = browser.get("/join").await;
    assert!(me.body.contains("1반"), "the new token is the same learner");
}

#[tokio::test]
async fn resuming_issues_a_new_token_on_either_browser() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "t@school.kr").await;
    let class_id = classroom::class(&teacher, "1반").await;
    let code = classroom::join_code(&app, class_id).await;
    let (laptop, joined) = classroom::learner(&app, &code, "민준").await;
    let resume = resume_code_in(&joined);
    for browser in [&laptop, &app.browser()] {
        let before = browser.cookie(LEARNER);
        let back = browser.post_form("/join/resume", &[("resume_code", &resume)]).await;
        assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
        let after = browser.cookie(LEARNER).expect("a token");
        assert_ne!(before.as_deref(), Some(after.as_str()), "a token issued now");
        if let Some(before) = before {
            assert!(!known(&app, &before).await, "the old token stopped working");
        }
        assert!(browser.get("/join").await.body.contains("1반"));
    }
}
