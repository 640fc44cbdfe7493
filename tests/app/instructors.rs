//! Instructor accounts: sign-up errors beside their fields, login with its rate limit, sessions
//! rotated at login and ended at logout, and sign-up switched off.

use axum::http::StatusCode;
use gil_lab::on_pool;

use crate::classroom::{self, PASSWORD};
use crate::helpers::TestApp;

#[tokio::test]
async fn sign_up_mistakes_are_shown_beside_their_fields_with_422() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let fields = [
        ("email", "not-an-email"),
        ("name", "김 선생"),
        ("password", "short"),
        ("password_confirm", "different"),
    ];
    let page = browser.post_form("/instructor/signup", &fields).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in
        ["이메일 주소 형식이 올바르지 않습니다", "8자 이상", "두 비밀번호가 서로 다릅니다"]
    {
        assert!(page.body.contains(message), "{message}");
    }
    assert!(
        page.body.contains(r#"id="email-error""#) && page.body.contains(r#"value="not-an-email""#)
    );
    assert!(!page.body.contains("short"), "a password is never sent back");
    assert_eq!(browser.cookie("gil_lab_instructor"), None);

    classroom::instructor(&app, "Teacher@School.kr").await;
    let taken = [
        ("email", "teacher@school.kr "),
        ("name", "다른 선생"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
    ];
    let again = app.browser().post_form("/instructor/signup", &taken).await;
    let mut fresh = taken;
    fresh[0].1 = "new@school.kr";
    let new = app.browser().post_form("/instructor/signup", &fresh).await;
    for response in [&again, &new] {
        assert_eq!(response.status, StatusCode::SEE_OTHER, "the same answer, taken or not");
        assert_eq!(response.header("location"), "/instructor/login?signed_up=1");
        assert!(response.headers.get("set-cookie").is_none(), "neither is signed in");
        assert_eq!(response.body, new.body);
    }
    let notice = app.browser().get("/instructor/login?signed_up=1").await;
    assert!(notice.body.contains("가입 신청을 처리했습니다"));
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_lax_and_the_session_is_stored_hashed() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let fields = [
        ("email", "t@school.kr"),
        ("name", "김"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
    ];
    browser.post_form("/instructor/signup", &fields).await;
    let login = [("email", "t@school.kr"), ("password", PASSWORD)];
    let response = browser.post_form("/instructor/login", &login).await;
    let cookie = response
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("gil_lab_instructor="))
        .expect("a session cookie")
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/")
    );
    let token = browser.cookie("gil_lab_instructor").expect("token");
    let stored: Vec<u8> =
        on_pool!(app.state.db, c => sqlx::query_scalar("select token_hash from instructor_session")
        .fetch_one(c).await)
        .expect("session row");
    assert_ne!(stored, token.as_bytes(), "only a hash is stored");
    assert_eq!(stored.len(), 32);
}

#[tokio::test]
async fn login_rotates_the_session_and_logout_ends_it() {
    let app = TestApp::spawn().await;
    let browser = classroom::instructor(&app, "t@school.kr").await;
    let before = browser.cookie("gil_lab_instructor").expect("signed in at sign-up");
    let login = [("email", "t@school.kr"), ("password", PASSWORD), ("next", "/classes?page=2")];
    let response = browser.post_form("/instructor/login", &login).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(response.header("location"), "/classes?page=2", "back where the login began");
    let after = browser.cookie("gil_lab_instructor").expect("signed in");
    assert_ne!(before, after, "a new session at login");
    let stale = app.browser();
    stale.set_cookie("gil_lab_instructor", &before);
    assert_eq!(stale.get("/classes").await.status, StatusCode::SEE_OTHER, "the old one is gone");
    assert_eq!(browser.get("/classes").await.status, StatusCode::OK);

    let out = browser.post_form("/instructor/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(browser.cookie("gil_lab_instructor"), None, "the cookie is cleared");
    let replayed = app.browser();
    replayed.set_cookie("gil_lab_instructor", &after);
    assert_eq!(
        replayed.get("/classes").await.status,
        StatusCode::SEE_OTHER,
        "and the session ended"
    );
}

#[tokio::test]
async fn a_wrong_password_is_a_401_and_after_five_the_login_is_refused_for_a_while() {
    let app = TestApp::spawn().await;
    classroom::instructor(&app, "t@school.kr").await;
    let browser = app.browser();
    let wrong = [("email", "t@school.kr"), ("password", "wrong password")];
    for _ in 0..5 {
        let page = browser.post_form("/instructor/login", &wrong).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        assert!(page.body.contains("이메일 또는 비밀번호가 맞지 않습니다"));
        assert!(page.body.contains(r#"value="t@school.kr""#), "the email stays in the form");
    }
    let right = [("email", "T@school.kr"), ("password", PASSWORD)];
    let locked = browser.post_form("/instructor/login", &right).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    assert!(locked.body.contains("로그인 시도가 너무 많습니다"));
    let unknown = [("email", "nobody@school.kr"), ("password", PASSWORD)];
    let other = browser.post_form("/instructor/login", &unknown).await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED, "other emails are not locked");
}

#[tokio::test]
async fn a_page_that_needs_a_login_sends_strangers_to_it_and_back() {
    let app = TestApp::spawn().await;
    let page = app.browser().get("/classes/7?page=2").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.header("location"), "/instructor/login?next=/classes/7%3Fpage%3D2");
    let form = app.browser().get("/instructor/login?next=/classes/7%3Fpage%3D2").await;
    assert!(form.body.contains(r#"name="next" value="/classes/7?page=2""#), "{}", form.body);
    let evil = app.browser().get("/instructor/login?next=https://evil.example").await;
    assert!(evil.body.contains(r#"name="next" value="/classes""#));
}

#[tokio::test]
async fn sign_up_can_be_switched_off() {
    let app = TestApp::spawn_with(|config| config.allow_signup = false).await;
    let browser = app.browser();
    assert_eq!(browser.get("/instructor/signup").await.status, StatusCode::FORBIDDEN);
    let fields = [
        ("email", "t@school.kr"),
        ("name", "김"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
    ];
    let refused = browser.post_form("/instructor/signup", &fields).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("강사 가입이 닫혀 있습니다"));
    let login = browser.get("/instructor/login").await;
    assert!(!login.body.contains("/instructor/signup"), "the login form stops offering it");
}
