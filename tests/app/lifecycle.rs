//! The real binary on a real port: SIGTERM stops it promptly with nothing left running, and a
//! server killed with SIGKILL in the middle of a queue finishes every run after a restart.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::http::{Agent, free_addr};

pub struct Server {
    child: Child,
    pub addr: String,
}

impl Server {
    fn start(db: &Path, uid: u32) -> Server {
        Server::start_with(db, uid, Command::new(env!("CARGO_BIN_EXE_gil-lab")))
    }

    /// The binary as `command` has it (extra flags, limits), on a free port of 127.0.0.1.
    pub fn start_with(db: &Path, uid: u32, mut command: Command) -> Server {
        let addr = free_addr();
        let child = command
            .args(["--addr", &addr, "--log", "warn", "--sandbox-uid", &uid.to_string()])
            .arg("--database-url")
            .arg(format!("sqlite://{}", db.display()))
            .stdout(Stdio::null())
            .spawn()
            .expect("start gil-lab");
        let server = Server { child, addr };
        wait_for(Duration::from_secs(20), || Agent::new(&server.addr).get("/healthz").is_ok());
        server
    }

    fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on our own child.
        unsafe { libc::kill(self.child.id() as i32, signal) };
    }

    fn exit_within(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

pub fn wait_for(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if ready() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn processes_of(uid: u32) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit())))
        .filter(|e| {
            let status = std::fs::read_to_string(e.path().join("status")).unwrap_or_default();
            status.lines().any(|l| {
                l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some(&uid.to_string())
            })
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

fn submit(agent: &mut Agent, code: &str) -> String {
    let body = json!({"experiment": "cpu-bound", "params": {"workers": 2, "iterations": 100000}, "code": code});
    let reply = agent.post_json("/api/runs", &body.to_string()).expect("submit");
    assert_eq!(reply.status, 202, "{}", reply.body);
    let value: Value = serde_json::from_str(&reply.body).expect("json");
    value["id"].as_str().expect("id").to_owned()
}

fn status_of(agent: &mut Agent, id: &str) -> String {
    let reply = agent.get(&format!("/api/runs/{id}")).expect("get run");
    let value: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    value["status"].as_str().unwrap_or_default().to_owned()
}

const SLEEPER: &str = "import time\nprint('잠듭니다', flush=True)\ntime.sleep(30)\n";

#[test]
fn sigterm_stops_the_server_within_seconds_and_leaves_nothing_running() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("sigterm.db");
    let uid = 63101;
    let mut server = Server::start(&db, uid);
    let mut agent = Agent::new(&server.addr);
    let id = submit(&mut agent, SLEEPER);
    assert!(wait_for(Duration::from_secs(20), || status_of(&mut agent, &id) == "running"));
    assert!(
        wait_for(Duration::from_secs(5), || !processes_of(uid).is_empty()),
        "python runs as the sandbox uid"
    );

    let stopping = Instant::now();
    server.signal(libc::SIGTERM);
    let status =
        server.exit_within(Duration::from_secs(10)).expect("the server stops after SIGTERM");
    assert!(status.success(), "{status}");
    assert!(stopping.elapsed() < Duration::from_secs(5), "stopped in {:?}", stopping.elapsed());
    assert!(
        wait_for(Duration::from_secs(3), || processes_of(uid).is_empty()),
        "left: {:?}",
        processes_of(uid)
    );

    let restarted = Server::start(&db, uid);
    let mut agent = Agent { addr: restarted.addr.clone(), cookie: agent.cookie.clone() };
    let status = status_of(&mut agent, &id);
    assert!(status == "queued" || status == "running", "the interrupted run is not lost: {status}");
}

#[test]
fn a_server_killed_mid_queue_finishes_every_run_after_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("crash.db");
    let uid = 63102;
    let server = Server::start(&db, uid);
    let mut agent = Agent::new(&server.addr);
    let first = submit(&mut agent, "import time\ntime.sleep(2)\nprint('끝')\n");
    let others = [submit(&mut agent, "print('둘')\n"), submit(&mut agent, "print('셋')\n")];
    assert!(wait_for(Duration::from_secs(20), || status_of(&mut agent, &first) == "running"));
    server.signal(libc::SIGKILL);
    drop(server);
    assert!(
        wait_for(Duration::from_secs(5), || processes_of(uid).is_empty()),
        "left: {:?}",
        processes_of(uid)
    );

    let restarted = Server::start(&db, uid);
    let mut agent = Agent { addr: restarted.addr.clone(), cookie: agent.cookie.clone() };
    for id in std::iter::once(&first).chain(&others) {
        let finished =
            wait_for(Duration::from_secs(60), || status_of(&mut agent, id) == "succeeded");
        assert!(finished, "run {id} ended as {}", status_of(&mut agent, id));
    }
}
