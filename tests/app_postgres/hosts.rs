//! The roles as separate processes on one PostgreSQL database: a web node (`serve --workers 0`)
//! and two `gil-lab worker` processes with the real sandbox. Learners submit at once through the
//! web node; every run is executed exactly once (counted from the workers' own "run started"
//! lines, not from the rows), and all succeed. A worker killed with SIGKILL in the middle of a
//! run loses it: its lease runs out, and the other worker executes it to the end.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::http::{Agent, free_addr};
use crate::lifecycle::wait_for;

/// The issue's burst: 200 runs from 50 learners at once. Each run is a short program, so the
/// burst tests the claiming (every run executed exactly once) rather than two cores' speed.
const LEARNERS: usize = 50;
const RUNS_EACH: usize = 4;
const SLEEPER: &str =
    "import time\nprint('잠듭니다', flush=True)\ntime.sleep(3)\nprint('깼습니다')\n";

/// One `gil-lab` process, killed when dropped, its log in a file.
struct Process {
    child: Child,
    log: PathBuf,
}

impl Process {
    fn start(dir: &Path, name: &str, args: &[&str]) -> Process {
        let log = dir.join(format!("{name}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_gil-lab"))
            .args(args)
            .args(["--log", "info", "--log-format", "text"])
            .stdout(Stdio::null())
            .stderr(File::create(&log).expect("log file"))
            .spawn()
            .expect("start gil-lab");
        Process { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// How many times this process started `run_id`.
    fn started(&self, run_id: &str) -> usize {
        let needle = format!("run_id={run_id}");
        self.log().lines().filter(|l| l.contains("run started") && l.contains(&needle)).count()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn worker(dir: &Path, name: &str, url: &str, uid: u32) -> Process {
    let uid = uid.to_string();
    let args = ["worker", "--database-url", url, "--sandbox-uid", &uid, "--workers", "1"];
    let worker = Process::start(dir, name, &[&args[..], &["--run-lease", "2"]].concat());
    assert!(
        wait_for(Duration::from_secs(30), || worker.log().contains("worker ready")),
        "{}",
        worker.log()
    );
    worker
}

fn submit(agent: &mut Agent, body: &Value) -> String {
    let reply = agent.post_json("/api/runs", &body.to_string()).expect("submit");
    assert_eq!(reply.status, 202, "{}", reply.body);
    let value: Value = serde_json::from_str(&reply.body).expect("json");
    value["id"].as_str().expect("id").to_owned()
}

fn status_of(addr: &str, cookie: Option<String>, id: &str) -> String {
    let mut agent = Agent { addr: addr.to_owned(), cookie };
    let Ok(reply) = agent.get(&format!("/api/runs/{id}")) else { return String::new() };
    let value: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    value["status"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_web_node_and_two_workers_execute_every_run_once_and_survive_a_killed_worker() {
    let url = crate::postgres::fresh_database_url().await;
    tokio::task::spawn_blocking(move || several_hosts(&url)).await.expect("the scenario");
}

fn several_hosts(url: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let addr = free_addr();
    let caps = [
        "--max-anonymous-queued-per-address",
        "1000",
        "--max-anonymous-queued",
        "1000",
        "--max-queued-per-learner",
        "4",
        "--max-new-learners-per-address-per-hour",
        "1000",
    ];
    let web_args = ["serve", "--workers", "0", "--addr", &addr, "--database-url", url];
    let web = Process::start(dir.path(), "web", &[&web_args[..], &caps[..]].concat());
    assert!(
        wait_for(Duration::from_secs(30), || Agent::new(&addr).get("/healthz").is_ok()),
        "{}",
        web.log()
    );
    let first = worker(dir.path(), "first", url, 63201);
    let second = worker(dir.path(), "second", url, 63202);

    // The burst: every learner submits all their runs at once, from threads of their own.
    let cpu = json!({"experiment": "cpu-bound", "code": "print('한 번 실행')\n"});
    let learners: Vec<(Option<String>, Vec<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..LEARNERS)
            .map(|_| {
                scope.spawn(|| {
                    let mut agent = Agent::new(&addr);
                    let ids: Vec<String> =
                        (0..RUNS_EACH).map(|_| submit(&mut agent, &cpu)).collect();
                    (agent.cookie.clone(), ids)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a learner")).collect()
    });
    for (cookie, ids) in &learners {
        for id in ids {
            let done = wait_for(Duration::from_secs(180), || {
                status_of(&addr, cookie.clone(), id) == "succeeded"
            });
            assert!(done, "{id}: {}\n{}", status_of(&addr, cookie.clone(), id), second.log());
            let executions = first.started(id) + second.started(id);
            assert_eq!(executions, 1, "{id} executed once, by one worker");
        }
    }
    let by_first: usize =
        learners.iter().flat_map(|(_, ids)| ids).map(|id| first.started(id)).sum();
    assert!(by_first > 0 && by_first < LEARNERS * RUNS_EACH, "both workers took runs: {by_first}");

    // A worker killed in the middle of a run: the other one executes it to the end.
    let mut agent = Agent::new(&addr);
    let id = submit(&mut agent, &json!({"experiment": "cpu-bound", "code": SLEEPER}));
    let cookie = agent.cookie.clone();
    let mut workers = [first, second];
    let taken = || workers.iter().map(|w| w.started(&id)).sum::<usize>() == 1;
    assert!(wait_for(Duration::from_secs(30), taken), "a worker takes the sleeper");
    let victim = workers.iter().position(|w| w.started(&id) == 1).expect("the one that took it");
    assert!(
        wait_for(Duration::from_secs(10), || status_of(&addr, cookie.clone(), &id) == "running")
    );
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(workers[victim].child.id() as i32, libc::SIGKILL) };
    workers[victim].child.wait().expect("the killed worker is reaped");
    let survivor = &workers[1 - victim];
    let finished =
        wait_for(Duration::from_secs(60), || status_of(&addr, cookie.clone(), &id) == "succeeded");
    assert!(finished, "{}\n{}", status_of(&addr, cookie.clone(), &id), survivor.log());
    assert_eq!(survivor.started(&id), 1, "executed again by the survivor");
    assert!(survivor.log().contains("runs whose worker stopped renewing its lease"));
    let mut agent = Agent { addr: addr.clone(), cookie };
    let run = agent.get(&format!("/api/runs/{id}")).expect("the run").body;
    assert!(run.contains("깼습니다"), "ran to its end: {run}");
}

/// Opens `path` on `addr` with these extra header lines; the raw stream, its head written.
fn open_raw(addr: &str, path: &str, headers: &str) -> std::net::TcpStream {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{headers}\r\n");
    stream.write_all(request.as_bytes()).expect("request");
    stream
}

/// Reads from `stream` until `wanted` was read (or the stream ends); all read so far.
fn read_until(stream: &mut std::net::TcpStream, wanted: &str) -> String {
    use std::io::Read;
    let (mut text, mut buf) = (String::new(), [0u8; 4096]);
    while !text.contains(wanted) {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => text.push_str(&String::from_utf8_lossy(&buf[..n])),
        }
    }
    text
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_stream_resumes_on_a_web_node_started_after_its_own_was_killed() {
    let url = crate::postgres::fresh_database_url().await;
    tokio::task::spawn_blocking(move || web_node_restarted(&url)).await.expect("the scenario");
}

fn web_node_restarted(url: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let start_web = |name: &str| {
        let addr = free_addr();
        let web = Process::start(
            dir.path(),
            name,
            &["serve", "--workers", "0", "--addr", &addr, "--database-url", url],
        );
        assert!(wait_for(Duration::from_secs(30), || Agent::new(&addr).get("/healthz").is_ok()));
        (web, addr)
    };
    let (mut first_web, first_addr) = start_web("web-1");
    let _worker = worker(dir.path(), "worker", url, 63203);
    let mut agent = Agent::new(&first_addr);
    let id = submit(&mut agent, &json!({"experiment": "cpu-bound", "code": SLEEPER}));
    let cookie = format!("Cookie: {}\r\n", agent.cookie.clone().expect("a learner cookie"));
    let path = format!("/api/runs/{id}/events");

    let mut stream = open_raw(&first_addr, &path, &cookie);
    let had = read_until(&mut stream, "잠듭니다");
    let last_id = had.lines().rev().find_map(|l| l.strip_prefix("id: ")).expect("an id").to_owned();
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(first_web.child.id() as i32, libc::SIGKILL) };
    first_web.child.wait().expect("reaped");

    let (_second_web, second_addr) = start_web("web-2");
    let resume = format!("{cookie}Last-Event-ID: {last_id}\r\n");
    let mut stream = open_raw(&second_addr, &path, &resume);
    let resumed = read_until(&mut stream, "event: done");
    assert!(resumed.contains("깼습니다"), "the rest of the output: {resumed}");
    assert!(!resumed.contains(r#""text":"잠듭니다"#), "nothing told twice: {resumed}");
    assert!(resumed.contains("event: done"), "{resumed}");
}
