//! Benchmark of hostile results through the real server and sandbox, printed next to targets:
//!
//! 1. a program that writes 16 variants × 64 workers × 400 spans on the result channel: the
//!    stored result and the page's size, and the server's memory while its page is fetched
//!    10 times at once (target ≤ 200 MB);
//! 2. a program that writes 5 000 small records: submit → done, and the server's CPU time
//!    (before the live result was built incrementally: 57 s of CPU, past the run's wall limit).
//!
//! Run: `cargo bench --bench forged` (as root, like the server). Not a test: it prints figures.

#[path = "../tests/support/http.rs"]
mod http;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use http::{Agent, free_addr};

// As many distinct spans as fit the 8 MiB the server reads of a result channel: 16 variants × 64
// workers × 400 spans, compact JSON.
const FORGE: &str = r#"import json, os
spans = [[i * 20000, i * 20000 + 500] for i in range(400)]
for v in range(16):
    workers = [{"id": w, "cpu_ns": 1, "spans": spans} for w in range(64)]
    record = {"type": "variant", "name": f"v{v}", "repeat": 0, "wall_ns": 8_000_000,
              "cpu_ns": 1, "workers": workers, "metrics": {}}
    os.write(3, (json.dumps(record, separators=(",", ":")) + "\n").encode())
"#;

const MANY: &str = r#"import json, os
for i in range(5000):
    record = {"type": "variant", "name": "x", "repeat": i, "wall_ns": 1000 + i, "cpu_ns": 1,
              "workers": [], "metrics": {"i": i}}
    os.write(3, (json.dumps(record) + "\n").encode())
"#;

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let addr = free_addr();
    let mut server = Command::new(env!("CARGO_BIN_EXE_gil-lab"))
        .args(["--addr", &addr, "--log", "warn"])
        .arg("--database-url")
        .arg(format!("sqlite://{}", dir.path().join("bench.db").display()))
        .stdout(Stdio::null())
        .spawn()
        .expect("start gil-lab");
    let pid = server.id();
    while Agent::new(&addr).get("/healthz").is_err() {
        std::thread::sleep(Duration::from_millis(50));
    }
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!("machine: {cores} cores; server pid {pid}; idle {} MB", mib(rss_kib(pid, "VmRSS:")));
    forged(&addr, pid);
    many_records(&addr, pid);
    server.kill().ok();
    server.wait().ok();
}

fn run(addr: &str, code: &str) -> (Agent, String) {
    let mut agent = Agent::new(addr);
    let body = serde_json::json!({"experiment": "cpu-bound", "code": code}).to_string();
    let reply = agent.post_json("/api/runs", &body).expect("submit");
    assert_eq!(reply.status, 202, "{}", reply.body);
    let value: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    let id = value["id"].as_str().expect("an id").to_owned();
    let done = agent.get(&format!("/api/runs/{id}/events")).expect("events");
    assert!(done.body.contains("event: done"), "run {id} finished");
    (agent, id)
}

fn forged(addr: &str, pid: u32) {
    let (mut agent, id) = run(addr, FORGE);
    let api = agent.get(&format!("/api/runs/{id}")).expect("api");
    let value: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    let stored = serde_json::to_vec(&value["result"]).map_or(0, |j| j.len());
    let after_run = rss_kib(pid, "VmRSS:");
    let fetchers: Vec<_> = (0..10)
        .map(|_| {
            let (mut agent, path) = (agent.clone(), format!("/runs/{id}"));
            std::thread::spawn(move || agent.get(&path).map_or(0, |r| r.body.len()))
        })
        .collect();
    let mut peak = after_run;
    while fetchers.iter().any(|f| !f.is_finished()) {
        peak = peak.max(rss_kib(pid, "VmRSS:"));
        std::thread::sleep(Duration::from_millis(2));
    }
    let page = fetchers.into_iter().map(|f| f.join().unwrap_or(0)).max().unwrap_or(0);
    println!("\n## a forged result: 16 variants × 64 workers × 400 spans (7.4 MB of records)");
    println!(
        "status {}, truncated {}",
        value["status"], value["result"]["environment"]["truncated"]
    );
    println!("stored result  {:>8.1} KiB   (cap 512 KiB)", stored as f64 / 1024.0);
    println!("run page       {:>8.1} KiB", page as f64 / 1024.0);
    println!(
        "server memory  after the run {} MB, peak during 10 page fetches at once {} MB, after {} MB   target ≤ 200 MB",
        mib(after_run),
        mib(peak),
        mib(rss_kib(pid, "VmRSS:"))
    );
}

fn many_records(addr: &str, pid: u32) {
    let cpu_before = cpu_seconds(pid);
    let started = Instant::now();
    let (mut agent, id) = run(addr, MANY);
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(pid) - cpu_before;
    let api = agent.get(&format!("/api/runs/{id}")).expect("api");
    let value: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    println!("\n## 5 000 small records");
    println!(
        "status {}, repeats kept {}; submit → done {elapsed:.2} s; server CPU {cpu:.2} s   (was 57 s)",
        value["status"], value["result"]["variants"][0]["repeats"]
    );
}

fn rss_kib(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with(key));
    line.and_then(|l| l.split_whitespace().nth(1)?.parse().ok()).unwrap_or(0)
}

fn mib(kib: u64) -> u64 {
    kib / 1024
}

/// User and system CPU seconds of the process, from `/proc/PID/stat`.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<f64> = after.split_whitespace().filter_map(|f| f.parse().ok()).collect();
    // Fields 14 and 15 of stat (utime, stime): the 11th and 12th numbers after the state.
    let ticks = fields.get(10).unwrap_or(&0.0) + fields.get(11).unwrap_or(&0.0);
    ticks / 100.0
}
