//! `TestApp`: the real router over a fresh database in a temporary folder.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use gil_lab::app::{AppState, router};
use gil_lab::config::Config;
use gil_lab::sandbox::FakeBackend;
use http_body_util::BodyExt;
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    /// The default client's cookie; `client()` makes others.
    cookie: Mutex<Option<String>>,
    _dir: tempfile::TempDir,
}

/// Another browser: its own cookie jar, the same app.
pub struct Client<'a> {
    app: &'a TestApp,
    cookie: Mutex<Option<String>>,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

/// The store the suite runs on: a fresh PostgreSQL database in the `app_postgres` binary (or
/// with `GIL_LAB_TEST_STORE=postgres`), else a SQLite file in `dir`.
async fn store_url(dir: &tempfile::TempDir) -> String {
    let postgres = env!("CARGO_CRATE_NAME") == "app_postgres"
        || std::env::var("GIL_LAB_TEST_STORE").as_deref() == Ok("postgres");
    if postgres {
        crate::postgres::fresh_database_url().await
    } else {
        format!("sqlite://{}", dir.path().join("test.db").display())
    }
}

pub fn content_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("content")
}

impl TestApp {
    /// The app with the fake sandbox and no workers: tests drive `run_next` themselves. On
    /// SQLite, or on PostgreSQL when `GIL_LAB_TEST_STORE=postgres` (the whole suite on it).
    pub async fn spawn() -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = store_url(&dir).await;
        TestApp::spawn_at(dir, url).await
    }

    /// The app on a fresh database of the test process's PostgreSQL server.
    pub async fn spawn_on_postgres() -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        TestApp::spawn_at(dir, crate::postgres::fresh_database_url().await).await
    }

    pub async fn spawn_at(dir: tempfile::TempDir, url: String) -> TestApp {
        let config = Config::for_tests(url, content_dir());
        let state = AppState::build(config, Arc::new(FakeBackend)).await.expect("state");
        TestApp { router: router(state.clone()), state, cookie: Mutex::new(None), _dir: dir }
    }

    /// As `spawn_on_postgres`, with a configuration changed from the tests' defaults.
    pub async fn spawn_on_postgres_with(change: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = Config::for_tests(crate::postgres::fresh_database_url().await, content_dir());
        change(&mut config);
        let state = AppState::build(config, Arc::new(FakeBackend)).await.expect("state");
        TestApp { router: router(state.clone()), state, cookie: Mutex::new(None), _dir: dir }
    }

    /// The app with a configuration changed from the tests' defaults.
    pub async fn spawn_with(change: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = store_url(&dir).await;
        let mut config = Config::for_tests(url, content_dir());
        change(&mut config);
        let state = AppState::build(config, Arc::new(FakeBackend)).await.expect("state");
        TestApp { router: router(state.clone()), state, cookie: Mutex::new(None), _dir: dir }
    }

    /// Sets `environment.<key>` in a stored run's result to `value`, as a worker that measured
    /// it so would have: read, changed and written back, the same on either store.
    pub async fn set_environment(&self, run_id: &str, key: &str, value: serde_json::Value) {
        use sqlx::types::Json;
        let Json(mut result): Json<serde_json::Value> = gil_lab::on_pool!(self.state.db, c => {
            sqlx::query_scalar("select result from run where run_id = $1")
                .bind(run_id)
                .fetch_one(c)
                .await
        })
        .expect("the run's result");
        result["environment"][key] = value;
        gil_lab::on_pool!(self.state.db, c => {
            sqlx::query("update run set result = $1 where run_id = $2")
                .bind(Json(&result))
                .bind(run_id)
                .execute(c)
                .await
                .map(drop)
        })
        .expect("result changed");
    }

    pub fn client(&self) -> Client<'_> {
        Client { app: self, cookie: Mutex::new(None) }
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.request(Request::get(path).body(Body::empty()).expect("request")).await
    }

    pub async fn post_json(&self, path: &str, body: &str) -> TestResponse {
        send(self, &self.cookie, post(path, body)).await
    }

    pub async fn request(&self, request: Request<Body>) -> TestResponse {
        send(self, &self.cookie, request).await
    }

    /// A GET with this client's cookie, as if from `peer`, answered without reading the body:
    /// for streams that last as long as their run.
    pub async fn open(&self, path: &str, peer: &str) -> axum::response::Response {
        let mut request = Request::get(path).body(Body::empty()).expect("request");
        let peer: std::net::SocketAddr = peer.parse().expect("a socket address");
        request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        if let Some(cookie) = self.cookie.lock().expect("jar").clone() {
            request.headers_mut().insert("cookie", cookie.parse().expect("cookie header"));
        }
        self.router.clone().oneshot(request).await.expect("response")
    }

    /// Runs queued runs with the fake sandbox until the queue is empty.
    pub async fn drain_queue(&self) -> usize {
        let mut n = 0;
        while self.state.runner.run_next().await.expect("run_next").is_some() {
            n += 1;
        }
        n
    }
}

impl Client<'_> {
    pub async fn get(&self, path: &str) -> TestResponse {
        send(self.app, &self.cookie, Request::get(path).body(Body::empty()).expect("request")).await
    }

    pub async fn post_json(&self, path: &str, body: &str) -> TestResponse {
        send(self.app, &self.cookie, post(path, body)).await
    }
}

fn post(path: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .expect("request")
}

/// Sends with the jar's cookie and keeps the one the server sets.
async fn send(
    app: &TestApp,
    jar: &Mutex<Option<String>>,
    mut request: Request<Body>,
) -> TestResponse {
    let cookie = jar.lock().expect("jar").clone();
    if let Some(cookie) = cookie {
        request.headers_mut().insert("cookie", cookie.parse().expect("cookie header"));
    }
    let response = app.router.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    if let Some(set) = headers.get("set-cookie").and_then(|v| v.to_str().ok()) {
        let pair = set.split(';').next().unwrap_or_default().to_owned();
        *jar.lock().expect("jar") = Some(pair);
    }
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    let body = String::from_utf8_lossy(&bytes).into_owned();
    TestResponse { status, headers, body }
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
}

/// Copies the real content into a temporary folder so a test can break one file of it.
pub fn copy_of_content() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&content_dir(), dir.path());
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}
