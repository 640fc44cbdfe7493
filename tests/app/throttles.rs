//! The guessing defences: login throttles per address, across emails and per email (slowed,
//! never locked by one address), the bound on password hashes at once, and join codes.

use gil_lab::on_pool;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};

use crate::browser::{Browser, HOST, ORIGIN, form_encode};
use crate::classroom::{self, PASSWORD};
use crate::helpers::{TestApp, TestResponse};

/// A form posted from a given client address, as `ConnectInfo` reports it behind `serve`.
async fn post_from(
    browser: &Browser<'_>,
    ip: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> TestResponse {
    let mut request = Request::post(path)
        .header("host", HOST)
        .header("origin", ORIGIN)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form_encode(fields)))
        .expect("request");
    let address: SocketAddr = format!("{ip}:40000").parse().expect("address");
    request.extensions_mut().insert(ConnectInfo(address));
    browser.send(request).await
}

async fn log_in(app: &TestApp, ip: &str, email: &str, password: &str) -> TestResponse {
    let fields = [("email", email), ("password", password)];
    post_from(&app.browser(), ip, "/instructor/login", &fields).await
}

#[tokio::test]
async fn a_spray_of_one_guess_per_email_from_one_address_is_refused_after_the_limit() {
    let app = TestApp::spawn_with(|config| config.login_failures_per_address = 3).await;
    for n in 0..3 {
        let email = format!("t{n}@school.kr");
        let page = log_in(&app, "10.0.0.1", &email, "guess").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let refused = log_in(&app, "10.0.0.1", "t9@school.kr", "guess").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.body.contains("이 주소에서 로그인 실패가 너무 많습니다"), "{}", refused.body);
    let elsewhere = log_in(&app, "10.0.0.2", "t9@school.kr", "guess").await;
    assert_eq!(elsewhere.status, StatusCode::UNAUTHORIZED, "other addresses are not refused");
}

#[tokio::test]
async fn one_address_cannot_lock_an_instructor_out() {
    let app = TestApp::spawn().await;
    classroom::instructor(&app, "t@school.kr").await;
    for _ in 0..5 {
        log_in(&app, "10.6.6.6", "t@school.kr", "guess").await;
    }
    let attacker = log_in(&app, "10.6.6.6", "t@school.kr", "guess").await;
    assert_eq!(attacker.status, StatusCode::TOO_MANY_REQUESTS, "the guesser is refused");
    let teacher = log_in(&app, "10.0.0.7", "t@school.kr", PASSWORD).await;
    assert_eq!(teacher.status, StatusCode::SEE_OTHER, "the instructor still gets in");
}

#[tokio::test]
async fn guesses_at_one_email_from_many_addresses_are_slowed_not_locked() {
    let app = TestApp::spawn_with(|config| {
        config.login_failures_per_email = 4;
        config.login_slow_pause_secs = 1;
    })
    .await;
    classroom::instructor(&app, "t@school.kr").await;
    for n in 0..4 {
        log_in(&app, &format!("10.0.1.{n}"), "t@school.kr", "guess").await;
    }
    let slowed = log_in(&app, "10.0.2.1", "t@school.kr", PASSWORD).await;
    assert_eq!(slowed.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(slowed.body.contains("잠시 늦춥니다"), "{}", slowed.body);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let teacher = log_in(&app, "10.0.2.1", "t@school.kr", PASSWORD).await;
    assert_eq!(teacher.status, StatusCode::SEE_OTHER, "after the pause the right password works");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_more_password_hashes_run_at_once_than_configured() {
    let app = TestApp::spawn_with(|config| config.password_hashes_at_once = 2).await;
    let guesses = (0..6).map(|n| {
        let app = &app;
        async move { log_in(app, &format!("10.0.3.{n}"), "t@school.kr", "guess").await }
    });
    for page in futures_util::future::join_all(guesses).await {
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.state.passwords.peak(), 2, "six at once, two hashed at a time");
}

#[tokio::test]
async fn wrong_join_codes_from_one_address_get_429_after_the_limit() {
    let app = TestApp::spawn_with(|config| config.code_guesses_per_minute = 3).await;
    let guesser = app.browser();
    for _ in 0..3 {
        let fields = [("code", "AAAAA-BBBBB"), ("name", "민준")];
        let page = post_from(&guesser, "10.0.0.1", "/join", &fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let teacher = classroom::instructor(&app, "t@school.kr").await;
    let class_id = classroom::class(&teacher, "1반").await;
    let code = classroom::join_code(&app, class_id).await;
    let fields = [("code", code.as_str()), ("name", "민준")];
    let refused = post_from(&guesser, "10.0.0.1", "/join", &fields).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "even a right code waits");
    assert!(refused.body.contains("잘못된 코드를 너무 많이 입력했습니다"), "{}", refused.body);
    let other = post_from(&app.browser(), "10.0.0.2", "/join", &fields).await;
    assert_eq!(other.status, StatusCode::OK, "another address joins");
}

#[tokio::test]
async fn a_new_code_is_ten_characters_and_joins_with_or_without_dash_in_any_case() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "t@school.kr").await;
    let class_id = classroom::class(&teacher, "1반").await;
    let code = classroom::join_code(&app, class_id).await;
    assert_eq!(code.len(), 10);
    let dashed = format!("{}-{}", &code[..5], &code[5..]).to_lowercase();
    classroom::learner(&app, &dashed, "민준").await;
    classroom::learner(&app, &code, "서연").await;
}

#[tokio::test]
async fn a_class_with_an_old_six_character_code_still_takes_learners() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "t@school.kr").await;
    let class_id = classroom::class(&teacher, "1반").await;
    on_pool!(app.state.db, c => sqlx::query("update class set join_code = 'KM47XP' where class_id = $1")
        .bind(class_id)
        .execute(c).await.map(|done| done.rows_affected()))
        .expect("an old code");
    classroom::learner(&app, "km4 7xp", "민준").await;
    classroom::learner(&app, "KM4-7XP", "서연").await;
}
