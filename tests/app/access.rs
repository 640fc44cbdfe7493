//! Who sees what: the access matrix over every class page, the CSV and the run API; CSRF
//! refusals of cross-site requests; the security headers of class pages.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

use crate::browser::{Browser, HOST, form_encode};
use crate::classroom::{self, cpu_run, join_code};
use crate::helpers::TestApp;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Sees {
    Page,
    LoginRedirect,
    NotFound,
}

async fn sees(browser: &Browser<'_>, path: &str) -> Sees {
    let response = browser.get(path).await;
    match response.status {
        StatusCode::OK => Sees::Page,
        StatusCode::SEE_OTHER if response.header("location").starts_with("/instructor/login") => {
            Sees::LoginRedirect
        }
        // Exactly as for what never was: JSON under /api/, the Korean page elsewhere.
        StatusCode::NOT_FOUND if path.starts_with("/api/") => {
            assert!(response.json()["error"].is_string(), "{path}: {}", response.body);
            Sees::NotFound
        }
        StatusCode::NOT_FOUND => {
            assert!(response.body.contains("<html"), "{path}: {}", response.body);
            Sees::NotFound
        }
        other => panic!("{path}: unexpected {other}: {}", response.body),
    }
}

#[tokio::test]
async fn the_access_matrix_over_class_pages_the_csv_and_the_run_api() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "teacher@school.kr").await;
    let other_teacher = classroom::instructor(&app, "other@school.kr").await;
    classroom::class(&other_teacher, "다른 반").await;
    let class_id = classroom::class(&teacher, "1반").await;
    let code = join_code(&app, class_id).await;
    let (learner, _) = classroom::learner(&app, &code, "민준").await;
    let (classmate, _) = classroom::learner(&app, &code, "서연").await;
    let outsider = app.browser();
    let stranger = app.browser();
    let run = cpu_run(&learner, 1.8).await;
    let outsider_run = cpu_run(&outsider, 1.8).await;
    app.drain_queue().await;
    let id = classroom::learner_id(&app, class_id, "민준").await;

    let class_pages = [
        format!("/classes/{class_id}"),
        format!("/classes/{class_id}/live"),
        format!("/classes/{class_id}/settings"),
        format!("/classes/{class_id}/projector"),
        format!("/classes/{class_id}/experiments/cpu-bound"),
        format!("/classes/{class_id}/learners/{id}"),
        format!("/classes/{class_id}/runs.csv"),
    ];
    let run_views =
        [format!("/api/runs/{run}"), format!("/runs/{run}"), format!("/runs/{run}/panel")];
    use Sees::*;
    let who: [(&str, &Browser<'_>, Sees, Sees); 5] = [
        ("the instructor", &teacher, Page, Page),
        ("the learner", &learner, LoginRedirect, Page),
        ("another learner", &classmate, LoginRedirect, NotFound),
        ("another instructor", &other_teacher, NotFound, NotFound),
        ("a stranger", &stranger, LoginRedirect, NotFound),
    ];
    for (name, browser, class_page, run_view) in who {
        for path in &class_pages {
            assert_eq!(sees(browser, path).await, class_page, "{name} on {path}");
        }
        for path in &run_views {
            assert_eq!(sees(browser, path).await, run_view, "{name} on {path}");
        }
    }
    let not_in_class = format!("/api/runs/{outsider_run}");
    assert_eq!(sees(&teacher, &not_in_class).await, NotFound, "a learner outside the class");
    let not_a_member = format!("/classes/{class_id}/learners/999");
    assert_eq!(sees(&teacher, &not_a_member).await, NotFound);
    assert_eq!(sees(&teacher, "/classes/999999").await, NotFound);
    assert_eq!(sees(&teacher, "/classes/abc").await, NotFound);
    assert_eq!(sees(&teacher, &format!("/classes/{class_id}/experiments/no-such")).await, NotFound);

    let rename = format!("/classes/{class_id}/rename");
    let stolen = other_teacher.post_form(&rename, &[("name", "빼앗긴 반")]).await;
    assert_eq!(stolen.status, StatusCode::NOT_FOUND);
    let by_learner = learner.post_form(&format!("/classes/{class_id}/archive"), &[]).await;
    assert_eq!(by_learner.status, StatusCode::SEE_OTHER, "a login redirect, no change");
    let class_list = other_teacher.get("/classes").await;
    assert!(!class_list.body.contains("1반"), "another instructor's list does not show it");
    let explain = teacher
        .post_json(&format!("/api/runs/{run}/explanation"), &json!({"text": "대신 씀"}))
        .await;
    assert_eq!(explain.status, StatusCode::NOT_FOUND, "seeing a run is not writing into it");
    let queued = cpu_run(&learner, 1.5).await;
    let cancel = teacher.post_json(&format!("/api/runs/{queued}/cancel"), &json!({})).await;
    assert_eq!(cancel.status, StatusCode::NOT_FOUND, "nor stopping it");
    let own = learner.post_json(&format!("/api/runs/{queued}/cancel"), &json!({})).await;
    assert_eq!(own.status, StatusCode::OK, "the learner may");
}

#[tokio::test]
async fn a_cross_site_post_is_refused_with_a_korean_403_and_ours_pass() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "t@school.kr").await;
    let cases = [
        ("/api/runs", "application/json", r#"{"experiment": "cpu-bound"}"#.to_owned()),
        ("/classes", "application/x-www-form-urlencoded", form_encode(&[("name", "가짜 반")])),
        ("/instructor/logout", "application/x-www-form-urlencoded", String::new()),
    ];
    for (path, kind, body) in &cases {
        for (header, value) in [
            ("origin", "https://evil.example"),
            ("origin", "null"),
            ("sec-fetch-site", "cross-site"),
            ("referer", "https://evil.example/page"),
        ] {
            let request = Request::post(*path)
                .header("host", HOST)
                .header(header, value)
                .header("content-type", *kind)
                .body(Body::from(body.clone()))
                .expect("request");
            let response = teacher.send(request).await;
            assert_eq!(response.status, StatusCode::FORBIDDEN, "{path} with {header}: {value}");
            assert!(response.body.contains("다른 사이트에서 보낸 요청은 받을 수 없습니다"));
            if path.starts_with("/api/") {
                assert!(response.json()["error"].is_string());
            }
        }
    }
    assert!(teacher.get("/classes").await.body.contains("아직 만든 반이 없습니다"), "nothing made");
    assert!(teacher.cookie("gil_lab_instructor").is_some(), "nor was anyone logged out");
    let ours = teacher.post_form("/classes", &[("name", "진짜 반")]).await;
    assert_eq!(ours.status, StatusCode::SEE_OTHER, "same origin passes");
    let same_site = Request::post("/api/runs")
        .header("host", HOST)
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"experiment": "cpu-bound"}"#))
        .expect("request");
    assert_eq!(teacher.send(same_site).await.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn class_pages_carry_the_security_headers_and_are_never_cached() {
    let app = TestApp::spawn().await;
    let teacher = classroom::instructor(&app, "t@school.kr").await;
    let class_id = classroom::class(&teacher, "1반").await;
    for path in [
        format!("/classes/{class_id}"),
        format!("/classes/{class_id}/runs.csv"),
        "/join".to_owned(),
    ] {
        let page = teacher.get(&path).await;
        let csp = page.header("content-security-policy");
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{path}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(page.header("x-content-type-options"), "nosniff", "{path}");
        assert!(!page.header("referrer-policy").is_empty(), "{path}");
        assert!(!page.body.contains("<script>") && !page.body.contains(" style="), "{path}");
    }
    let dashboard = teacher.get(&format!("/classes/{class_id}")).await;
    assert_eq!(dashboard.header("cache-control"), "no-store");
}
