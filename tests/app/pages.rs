//! The course pages, health, static files and the error pages, as a browser sees them.

use axum::http::StatusCode;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_index_lists_every_lesson_in_order() {
    let app = TestApp::spawn().await;
    let page = app.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header("content-type").starts_with("text/html"));
    assert!(page.body.contains(r#"<html lang="ko">"#));
    let lessons = app.state.content.lessons();
    assert!(lessons.len() >= 6, "the course has 6–8 lessons");
    let mut last = 0;
    for lesson in lessons {
        let link = format!(r#"href="/lessons/{}""#, lesson.slug);
        let at = page.body.find(&link).unwrap_or_else(|| panic!("index lacks {link}"));
        assert!(at > last, "{} is out of order", lesson.slug);
        last = at;
        assert!(page.body.contains(&escape(&lesson.summary)), "summary of {}", lesson.slug);
    }
}

#[tokio::test]
async fn every_lesson_renders_korean_text_tables_and_highlighted_code() {
    let app = TestApp::spawn().await;
    let lessons = app.state.content.lessons();
    let mut tables = 0;
    let mut highlighted = 0;
    for lesson in lessons {
        let page = app.get(&format!("/lessons/{}", lesson.slug)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", lesson.slug);
        assert!(page.body.contains(&escape(&lesson.title)));
        let hangul = page.body.chars().filter(|c| ('가'..='힣').contains(c)).count();
        assert!(hangul > 500, "{} has only {hangul} Hangul syllables", lesson.slug);
        tables += usize::from(page.body.contains("<table>"));
        highlighted += usize::from(page.body.contains(r#"<span class="hl-"#));
        assert!(!page.body.contains("```"), "{} leaks a raw fence", lesson.slug);
    }
    assert!(tables >= lessons.len() / 2, "only {tables} lessons have tables");
    assert!(highlighted >= lessons.len() / 2, "only {highlighted} lessons have highlighted code");
}

#[tokio::test]
async fn a_lesson_has_a_table_of_contents_navigation_and_experiment_cards() {
    let app = TestApp::spawn().await;
    let lessons = app.state.content.lessons();
    let second = &lessons[1];
    let page = app.get(&format!("/lessons/{}", second.slug)).await;
    let first_toc = &second.toc.first().expect("toc").id;
    assert!(page.body.contains(&format!(r##"href="#{first_toc}""##)));
    assert!(page.body.contains(&format!(r#"id="{first_toc}""#)));
    assert!(page.body.contains(&format!(r#"href="/lessons/{}" rel="prev""#, lessons[0].slug)));
    assert!(page.body.contains(&format!(r#"href="/lessons/{}" rel="next""#, lessons[2].slug)));
    for experiment in app.state.content.experiments() {
        let page = app.get(&format!("/lessons/{}", experiment.lesson)).await;
        assert!(page.body.contains(&format!(r#"id="exp-{}""#, experiment.id)));
        assert!(page.body.contains(&escape(&experiment.title)));
    }
}

#[tokio::test]
async fn corrections_of_the_notes_are_visible_callouts() {
    let app = TestApp::spawn().await;
    let mut corrections = 0;
    for lesson in app.state.content.lessons() {
        let page = app.get(&format!("/lessons/{}", lesson.slug)).await;
        corrections += page.body.matches("callout-correction").count();
    }
    assert!(corrections >= 8, "only {corrections} correction callouts in the course");
}

#[tokio::test]
async fn an_unknown_lesson_is_a_korean_404_page() {
    let app = TestApp::spawn().await;
    for path in
        ["/lessons/no-such-lesson", "/nowhere", "/lessons/%ED%95%9C", "/lessons/%FF", "/runs/%FF"]
    {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.body.contains("페이지를 찾을 수 없습니다"), "{path}");
        assert!(page.body.contains(r#"lang="ko""#));
    }
}

#[tokio::test]
async fn an_unknown_api_path_answers_json() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/nothing").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    let body: serde_json::Value = serde_json::from_str(&response.body).expect("json");
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()));
}

#[tokio::test]
async fn healthz_says_ok() {
    let app = TestApp::spawn().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body, r#"{"status":"ok"}"#);
}

#[tokio::test]
async fn static_files_are_cached_and_missing_ones_are_404() {
    let app = TestApp::spawn().await;
    let css = app.get("/static/css/site.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.header("content-type").starts_with("text/css"));
    assert!(css.header("cache-control").contains("max-age"));
    let font = app.get("/static/fonts/pretendard/pretendard.css").await;
    assert!(font.header("cache-control").contains("immutable"));
    let missing = app.get("/static/nope.css").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.header("cache-control").is_empty());
}

#[tokio::test]
async fn pages_are_compressed_for_clients_that_accept_it() {
    let app = TestApp::spawn().await;
    let request = axum::http::Request::get("/")
        .header("accept-encoding", "gzip")
        .body(axum::body::Body::empty())
        .expect("request");
    let response = app.request(request).await;
    assert_eq!(response.header("content-encoding"), "gzip");
}

#[tokio::test]
async fn responses_carry_a_request_id_and_security_headers() {
    let app = TestApp::spawn().await;
    let page = app.get("/").await;
    assert!(!page.header("x-request-id").is_empty());
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    assert!(page.header("content-security-policy").contains("frame-ancestors 'none'"));
}

/// The HTML escaping askama applies, for comparing content text with page text.
fn escape(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}
