//! Cross-site request forgery protection for every unsafe request (POST, PUT, PATCH, DELETE),
//! forms and the JSON API alike, without tokens: the browser says where a request comes from.
//!
//! The rule, in order (the scheme of Go 1.25's `CrossOriginProtection`):
//! 1. `Sec-Fetch-Site` present: only `same-origin` or `none` (typed by the user) pass.
//! 2. Otherwise `Origin` present: it must name this host (`null` never does).
//! 3. Otherwise `Referer` present: it must name this host.
//! 4. None of the three: the request passes. Browsers send `Origin` on every cross-origin POST
//!    (and `Sec-Fetch-Site` since 2020–2023), so such a request comes from a program — curl, a
//!    test, a script — which holds no victim's cookies. Refusing them would gain nothing.
//!
//! "This host" is the request's `Host` header (or the URI's authority over HTTP/2). A proxy in
//! front must pass `Host` and `Origin` through unchanged.

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::pages::ErrorPage;

const REFUSED: &str =
    "다른 사이트에서 보낸 요청은 받을 수 없습니다. 이 사이트의 페이지에서 다시 시도해 주세요.";

/// The Korean 403 for an unsafe request from another site; `None` lets the request through.
/// (`site_layer` asks this of every request before anything else sees it.)
pub fn refusal(request: &Request) -> Option<Response> {
    if is_safe(request.method()) || comes_from_this_site(request.headers(), request.uri()) {
        return None;
    }
    // Debug, not warn: a script can send a forged Origin on every request of a flood.
    tracing::debug!(path = request.uri().path(), "refused a cross-site request");
    Some(if request.uri().path().starts_with("/api/") {
        (StatusCode::FORBIDDEN, Json(json!({ "error": REFUSED }))).into_response()
    } else {
        ErrorPage::new(StatusCode::FORBIDDEN, REFUSED.to_owned())
            .into_response_with(StatusCode::FORBIDDEN)
    })
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
}

fn comes_from_this_site(headers: &HeaderMap, uri: &Uri) -> bool {
    let text = |name: &str| headers.get(name).map(|v| v.to_str().unwrap_or("\u{0}"));
    if let Some(site) = text("sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()));
    let same_host =
        |url: &str| host.is_some_and(|host| authority_of(url).eq_ignore_ascii_case(host));
    if let Some(origin) = text("origin") {
        return origin != "null" && same_host(origin);
    }
    if let Some(referer) = text("referer") {
        return same_host(referer);
    }
    true
}

/// `https://example.com:8443/path` → `example.com:8443`; not an http(s) URL → empty.
fn authority_of(url: &str) -> &str {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).unwrap_or("");
    rest.split(['/', '?', '#']).next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(pairs: &[(&str, &str)]) -> bool {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "lab.school.kr".parse().expect("host"));
        for (name, value) in pairs {
            let name = axum::http::HeaderName::from_bytes(name.as_bytes()).expect("name");
            headers.insert(name, value.parse().expect("value"));
        }
        comes_from_this_site(&headers, &Uri::from_static("/classes"))
    }

    #[test]
    fn fetch_metadata_decides_when_the_browser_sends_it() {
        assert!(verdict(&[("sec-fetch-site", "same-origin")]));
        assert!(verdict(&[("sec-fetch-site", "none")]));
        assert!(!verdict(&[("sec-fetch-site", "cross-site"), ("origin", "https://lab.school.kr")]));
        assert!(!verdict(&[("sec-fetch-site", "same-site")]));
    }

    #[test]
    fn an_origin_must_name_this_host_and_null_never_does() {
        assert!(verdict(&[("origin", "https://lab.school.kr")]));
        assert!(verdict(&[("origin", "http://LAB.school.kr")]));
        assert!(!verdict(&[("origin", "https://evil.example")]));
        assert!(!verdict(&[("origin", "https://lab.school.kr.evil.example")]));
        assert!(!verdict(&[("origin", "https://lab.school.kr:8443")]));
        assert!(!verdict(&[("origin", "null")]));
    }

    #[test]
    fn a_referer_is_the_fallback_and_no_header_at_all_passes() {
        assert!(verdict(&[("referer", "https://lab.school.kr/classes/1")]));
        assert!(!verdict(&[("referer", "https://evil.example/lab.school.kr")]));
        assert!(verdict(&[]));
    }
}
