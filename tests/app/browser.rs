//! A browser for the class tests: a cookie jar that keeps every cookie it is given (the learner's
//! and the instructor's), and unsafe requests that say where they come from (`Origin`), as a
//! real browser's do.

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use crate::helpers::{TestApp, TestResponse};

pub const HOST: &str = "lab.test";
pub const ORIGIN: &str = "http://lab.test";

pub struct Browser<'a> {
    app: &'a TestApp,
    jar: Mutex<BTreeMap<String, String>>,
}

impl TestApp {
    pub fn browser(&self) -> Browser<'_> {
        Browser { app: self, jar: Mutex::new(BTreeMap::new()) }
    }
}

/// `application/x-www-form-urlencoded`, every byte but the unreserved ones escaped.
pub fn form_encode(fields: &[(&str, &str)]) -> String {
    let encode = |text: &str| {
        text.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

impl Browser<'_> {
    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(Request::get(path).header("host", HOST).body(Body::empty()).expect("request"))
            .await
    }

    /// A form submitted from one of our pages.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let request = Request::post(path)
            .header("host", HOST)
            .header("origin", ORIGIN)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form_encode(fields)))
            .expect("request");
        self.send(request).await
    }

    /// A `fetch` from one of our pages.
    pub async fn post_json(&self, path: &str, body: &Value) -> TestResponse {
        let request = Request::post(path)
            .header("host", HOST)
            .header("origin", ORIGIN)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .expect("request");
        self.send(request).await
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.lock().expect("jar").get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar.lock().expect("jar").insert(name.to_owned(), value.to_owned());
    }

    /// Sends with every cookie in the jar; keeps what the server sets, drops what it expires.
    pub async fn send(&self, mut request: Request<Body>) -> TestResponse {
        let cookies: Vec<String> =
            self.jar.lock().expect("jar").iter().map(|(k, v)| format!("{k}={v}")).collect();
        if !cookies.is_empty() {
            request.headers_mut().insert("cookie", cookies.join("; ").parse().expect("cookie"));
        }
        let response = self.app.router.clone().oneshot(request).await.expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        for set in headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()) {
            let pair = set.split(';').next().unwrap_or_default();
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let mut jar = self.jar.lock().expect("jar");
            if set.contains("Max-Age=0") {
                jar.remove(name);
            } else {
                jar.insert(name.to_owned(), value.to_owned());
            }
        }
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        TestResponse { status, headers, body }
    }
}
