//! The whole server on the real sandbox: a fork bomb submitted through the API ends with a
//! Korean reason, and the site keeps answering while it runs and after.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use gil_lab::app::{AppState, router};
use gil_lab::config::Config;
use gil_lab::runs::RunId;
use gil_lab::sandbox::CpuSet;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tower::ServiceExt;

use crate::support::{assert_left_nothing, has_hangul, real_backend};

/// Forks for as long as it may, ignoring every refusal.
const FORK_BOMB: &str =
    "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n";
const LESSON: &str = "/lessons/threading-bottleneck";

/// One browser: the router driven with `oneshot`, keeping the cookies it is given (the
/// learner's among them).
pub(crate) struct Browser {
    router: Router,
    cookies: Vec<(String, String)>,
}

impl Browser {
    pub(crate) async fn get(&mut self, path: &str) -> (StatusCode, String) {
        self.send(Request::get(path).body(Body::empty()).expect("request")).await
    }

    pub(crate) async fn post_json(&mut self, path: &str, body: &Value) -> (StatusCode, String) {
        let request = Request::post(path)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .expect("request");
        self.send(request).await
    }

    async fn send(&mut self, mut request: Request<Body>) -> (StatusCode, String) {
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            request.headers_mut().insert("cookie", jar.join("; ").parse().expect("cookie header"));
        }
        let response = self.router.clone().oneshot(request).await.expect("response");
        let status = response.status();
        for set in response.headers().get_all("set-cookie") {
            let pair = set.to_str().ok().and_then(|s| s.split(';').next()?.split_once('='));
            if let Some((name, value)) = pair {
                self.cookies.retain(|(k, _)| k != name);
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Asks for the page and says how long the answer took.
    async fn time_ok(&mut self, path: &str) -> Duration {
        let started = Instant::now();
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        started.elapsed()
    }
}

/// The app with the real sandbox, one worker, small limits and a fresh database.
pub(crate) struct Server {
    pub(crate) state: AppState,
    workers: Vec<JoinHandle<()>>,
    pub(crate) browser: Browser,
    uid: u32,
    runs_dir: PathBuf,
    _dir: tempfile::TempDir,
}

/// A finished run, and how the site answered while it ran.
struct Watched {
    run: Value,
    checks_while_running: u32,
    slowest: Duration,
}

impl Server {
    async fn start(n: u32, content_dir: PathBuf, wall_secs: u64) -> Server {
        Server::start_with(n, content_dir, wall_secs, |_| vec![None]).await
    }

    /// [`Server::start`] with one worker per slot that `slots` gives for the configuration
    /// (which it may change first).
    pub(crate) async fn start_with(
        n: u32,
        content_dir: PathBuf,
        wall_secs: u64,
        slots: impl FnOnce(&mut Config) -> Vec<Option<CpuSet>>,
    ) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("server.db").display());
        let mut config = Config::for_tests(url, content_dir);
        config.run_time_limit_secs = wall_secs;
        config.run_cpu_limit_secs = 10;
        config.run_memory_mb = 256;
        config.run_max_processes = 64;
        config.run_output_kb = 64;
        config.run_file_size_mb = 4;
        config.run_tmpfs_mb = 16;
        let slots = slots(&mut config);
        let backend = real_backend(n);
        let (uid, runs_dir) = (backend.uid, backend.runs_dir.clone());
        let state = AppState::build(config, Arc::new(backend)).await.expect("app state");
        let workers = state.runner.spawn_workers(&slots);
        let browser = Browser { router: router(state.clone()), cookies: Vec::new() };
        Server { state, workers, browser, uid, runs_dir, _dir: dir }
    }

    async fn submit(&mut self, experiment: &str, code: &str) -> String {
        self.submit_with(experiment, json!({}), code).await
    }

    pub(crate) async fn submit_with(
        &mut self,
        experiment: &str,
        params: Value,
        code: &str,
    ) -> String {
        let body = json!({ "experiment": experiment, "params": params, "code": code });
        let (status, text) = self.browser.post_json("/api/runs", &body).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{text}");
        let answer: Value = serde_json::from_str(&text).expect("JSON");
        answer["id"].as_str().expect("run id").to_owned()
    }

    /// Polls the run until it is finished (30 s at most), asking for pages while it runs.
    async fn watch(&mut self, id: &str) -> Watched {
        let deadline = Instant::now() + Duration::from_secs(30);
        let (mut checks_while_running, mut slowest) = (0, Duration::ZERO);
        loop {
            let (status, body) = self.browser.get(&format!("/api/runs/{id}")).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let run: Value = serde_json::from_str(&body).expect("run JSON");
            if run["status"] != "queued" && run["status"] != "running" {
                return Watched { run, checks_while_running, slowest };
            }
            if run["status"] == "running" {
                slowest = slowest.max(self.browser.time_ok("/healthz").await);
                slowest = slowest.max(self.browser.time_ok(LESSON).await);
                checks_while_running += 1;
            }
            assert!(Instant::now() < deadline, "the run did not finish within 30 s: {run}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Shuts the workers down and checks that nothing of the run is left.
    pub(crate) async fn stop(self, id: &str) {
        self.state.shutdown.cancel();
        for worker in self.workers {
            worker.await.expect("the worker stops on shutdown");
        }
        let job_id = RunId::parse(id).expect("a valid run id").job_id();
        let (uid, runs_dir) = (self.uid, self.runs_dir);
        tokio::task::spawn_blocking(move || assert_left_nothing(uid, &[], &runs_dir, &job_id))
            .await
            .expect("nothing of the run is left");
    }
}

pub(crate) fn content_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("content")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fork_bomb_through_the_api_ends_with_a_korean_reason_while_the_site_answers() {
    let mut server = Server::start(31, content_dir(), 5).await;
    let id = server.submit("cpu-bound", FORK_BOMB).await;
    let Watched { run, checks_while_running, slowest } = server.watch(&id).await;
    eprintln!(
        "== server: {} | reason {} | {checks_while_running} checks while running, slowest {:?}",
        run["status"], run["reason"], slowest
    );
    let reason = run["reason"].as_str().expect("a reason");
    assert!(has_hangul(reason), "{reason}");
    match run["status"].as_str() {
        Some("timed_out") => assert!(reason.contains("실행 시간 제한(5초)"), "{reason}"),
        Some("failed") => assert!(reason.contains("프로세스·스레드 수 제한"), "{reason}"),
        other => panic!("a fork bomb ended as {other:?}: {run}"),
    }
    assert!(checks_while_running > 0, "the site was never asked while the bomb ran");
    server.browser.time_ok("/healthz").await;
    server.browser.time_ok(LESSON).await;
    server.stop(&id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_stopped_at_its_experiments_time_limit_names_that_limit() {
    let content = tempfile::tempdir().expect("temp dir");
    copy_tree(&content_dir(), content.path());
    let toml = content.path().join("experiments/cpu-bound/experiment.toml");
    let text = std::fs::read_to_string(&toml).expect("experiment.toml");
    assert!(text.contains("time_limit_s = 60"), "the experiment's own limit is set");
    // The ceiling of every run of it, and a cost at the defaults within it.
    let text = text.replace("time_limit_s = 60", "time_limit_s = 2");
    let cost = text.lines().find(|l| l.starts_with("seconds = ")).expect("a [cost]").to_owned();
    std::fs::write(&toml, text.replace(&cost, "seconds = 0.5")).expect("write");
    let mut server = Server::start(32, content.path().to_owned(), 30).await;
    let id = server.submit("cpu-bound", "while True:\n    pass\n").await;
    let run = server.watch(&id).await.run;
    server.stop(&id).await;
    assert_eq!(run["status"], "timed_out", "{run}");
    let reason = run["reason"].as_str().expect("a reason");
    assert!(reason.contains("실행 시간 제한(2초)"), "stopped after 2 s, but told: {reason}");
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

/// A real competing program on the run's cores: the result says how many cores it took, as a
/// figure, on the run page too (issue 14). One pure-Python loop per core keeps them busy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_beside_a_busy_program_says_how_many_cores_the_program_took() {
    let mut server = Server::start(34, content_dir(), 30).await;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut hogs: Vec<std::process::Child> = (0..cores)
        .map(|_| {
            std::process::Command::new("/usr/bin/python3")
                .args(["-c", "while True: pass"])
                .spawn()
                .expect("a busy program")
        })
        .collect();
    let params = json!({"workers": 2, "iterations": 2_000_000});
    let program = content_dir().join("experiments/cpu-bound/main.py");
    let code = std::fs::read_to_string(program).expect("the CPU experiment's program");
    let id = server.submit_with("cpu-bound", params, &code).await;
    let Watched { run, .. } = server.watch(&id).await;
    for hog in &mut hogs {
        hog.kill().expect("stop the busy program");
        hog.wait().expect("reap it");
    }
    assert_eq!(run["status"], "succeeded", "{run}");
    let environment = &run["result"]["environment"];
    let others = environment["others_cores"].as_f64().unwrap_or(0.0);
    assert!(
        environment["contended"] == true && others >= 0.3,
        "others took {others}: {environment}"
    );
    let (status, page) = server.browser.get(&format!("/runs/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let figure = format!("다른 프로그램이 이 실행 동안 코어 {others:.2}개를 썼습니다");
    assert!(page.contains(&figure), "the page says {figure}");
    server.stop(&id).await;
}
