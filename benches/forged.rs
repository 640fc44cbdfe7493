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
#[path = "support/server.rs"]
mod server;

use std::time::{Duration, Instant};

use http::Agent;
use server::Server;

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
    let server = Server::start(&[]);
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!("machine: {cores} cores; server pid {}; idle {} MB", server.pid, server.rss_mb());
    forged(&server);
    many_records(&server);
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

fn forged(server: &Server) {
    let (mut agent, id) = run(&server.addr, FORGE);
    let api = agent.get(&format!("/api/runs/{id}")).expect("api");
    let value: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    let stored = serde_json::to_vec(&value["result"]).map_or(0, |j| j.len());
    let after_run = server.rss_mb();
    let fetchers: Vec<_> = (0..10)
        .map(|_| {
            let (mut agent, path) = (agent.clone(), format!("/runs/{id}"));
            std::thread::spawn(move || agent.get(&path).map_or(0, |r| r.body.len()))
        })
        .collect();
    let mut peak = after_run;
    while fetchers.iter().any(|f| !f.is_finished()) {
        peak = peak.max(server.rss_mb());
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
        after_run,
        peak,
        server.rss_mb()
    );
}

fn many_records(server: &Server) {
    let cpu_before = server.cpu_seconds();
    let started = Instant::now();
    let (mut agent, id) = run(&server.addr, MANY);
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = server.cpu_seconds() - cpu_before;
    let api = agent.get(&format!("/api/runs/{id}")).expect("api");
    let value: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    println!("\n## 5 000 small records");
    println!(
        "status {}, repeats kept {}; submit → done {elapsed:.2} s; server CPU {cpu:.2} s   (was 57 s)",
        value["status"], value["result"]["variants"][0]["repeats"]
    );
}
