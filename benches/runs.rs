//! Benchmarks of runs through the real server and sandbox, printed side by side:
//!
//! 1. a trivial program, submit → done (over the event stream), against bare `python3 -I -c pass`,
//!    alternating, median over ROUNDS (default 40);
//! 2. LEARNERS learners (default 60) submitting at once: all must be accepted; lesson-page
//!    latency measured while the queue drains; server memory idle and at its peak.
//!
//! 3. the queue's estimated start against the actual one (see `eta`);
//! 4. a class at once: each experiment's cost at its defaults, then 30 learners on the CPU
//!    experiment (see `class`; only with `ONLY=class`, which `benches/class.sh` runs).
//!
//! Run: `cargo bench --bench runs` (as root, like the server); `ONLY=eta` runs the third alone.
//! Not a test: it prints figures.

#[path = "runs/class.rs"]
mod class;
#[path = "runs/eta.rs"]
mod eta;
#[path = "../tests/support/http.rs"]
mod http;
#[path = "support/server.rs"]
mod server;

use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::Agent;
use server::{Server, status_kib};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let rounds = env_number("ROUNDS", 40);
    let learners = env_number("LEARNERS", 60);
    let server = Server::start(&[
        "--max-runs-per-minute",
        "1000",
        "--max-anonymous-queued-per-address",
        "1000",
        // A class joins with its code; here each learner is a fresh cookie jar on one address.
        "--max-new-learners-per-address-per-hour",
        "1000",
    ]);
    let (addr, pid) = (server.addr.clone(), server.pid);
    print_machine();
    match std::env::var("ONLY").as_deref() {
        Ok("class") => return class::class(&addr),
        Ok("eta") => {}
        _ => {
            trivial_run_overhead(&addr, rounds);
            burst(&addr, learners, pid);
        }
    }
    eta::estimate_error(&addr);
}

fn print_machine() {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    println!("machine: {cores} cores, kernel {}", kernel.trim());
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let index = ((values.len() as f64 - 1.0) * p).round() as usize;
    values[index]
}

fn submit(agent: &mut Agent, body: &str) -> Option<String> {
    let reply = agent.post_json("/api/runs", body).ok()?;
    if reply.status != 202 {
        eprintln!("refused: {} {}", reply.status, reply.body);
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(&reply.body).ok()?;
    value["id"].as_str().map(str::to_owned)
}

/// Blocks until the run's event stream ends (it ends after `done`).
fn wait_done(agent: &mut Agent, id: &str) -> bool {
    agent.get(&format!("/api/runs/{id}/events")).is_ok_and(|r| r.body.contains("event: done"))
}

fn trivial_run_overhead(addr: &str, rounds: usize) {
    let body = r#"{"experiment": "cpu-bound", "code": "pass\n"}"#;
    let (mut bare, mut full) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let started = Instant::now();
        Command::new("/usr/bin/python3").args(["-I", "-c", "pass"]).status().expect("python3");
        bare.push(started.elapsed().as_secs_f64() * 1e3);
        let mut agent = Agent::new(addr);
        let started = Instant::now();
        let id = submit(&mut agent, body).expect("submitted");
        assert!(wait_done(&mut agent, &id), "run {id} finished");
        full.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let (bare, full) = (median(&mut bare), median(&mut full));
    println!(
        "\n## trivial run: submit → done vs bare python3 ({rounds} rounds, alternating, medians)"
    );
    println!("bare `python3 -I -c pass`   {bare:7.1} ms");
    println!("gil-lab submit → done        {full:7.1} ms");
    println!(
        "overhead                     {:+7.1} ms   ({:.2}× bare)   target ≤ +10 ms",
        full - bare,
        full / bare
    );
}

fn burst(addr: &str, learners: usize, pid: u32) {
    let idle_rss = status_kib(pid, "VmRSS:");
    let body = r#"{"experiment": "cpu-bound", "params": {"workers": 2, "iterations": 1000000}}"#;
    let draining = Arc::new(AtomicBool::new(true));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let peak_rss = Arc::new(AtomicU64::new(idle_rss));
    let pages = {
        let (addr, draining, latencies) = (addr.to_owned(), draining.clone(), latencies.clone());
        let peak_rss = peak_rss.clone();
        std::thread::spawn(move || {
            let mut agent = Agent::new(&addr);
            while draining.load(Ordering::Relaxed) {
                peak_rss.fetch_max(status_kib(pid, "VmRSS:"), Ordering::Relaxed);
                let started = Instant::now();
                let ok = agent.get("/lessons/threading-bottleneck").is_ok_and(|r| r.status == 200);
                let ms = started.elapsed().as_secs_f64() * 1e3;
                latencies.lock().expect("latencies").push(if ok { ms } else { f64::INFINITY });
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let started = Instant::now();
    let submitters: Vec<_> = (0..learners)
        .map(|_| {
            let addr = addr.to_owned();
            std::thread::spawn(move || {
                let mut agent = Agent::new(&addr);
                let id = submit(&mut agent, body)?;
                wait_done(&mut agent, &id).then_some(())
            })
        })
        .collect();
    let done = submitters.into_iter().filter_map(|handle| handle.join().ok().flatten()).count();
    let drained = started.elapsed();
    draining.store(false, Ordering::Relaxed);
    pages.join().ok();
    let peak_rss = peak_rss.load(Ordering::Relaxed).max(status_kib(pid, "VmHWM:"));
    let mut latencies = latencies.lock().expect("latencies").clone();
    println!(
        "\n## burst: {learners} learners submit at once; lesson page latency while the queue drains"
    );
    println!("runs accepted and finished   {done}/{learners} in {:.1} s", drained.as_secs_f64());
    println!(
        "lesson page (sequential GETs, n={}): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms   target p99 ≤ 20 ms",
        latencies.len(),
        percentile(&mut latencies, 0.5),
        percentile(&mut latencies, 0.99),
        percentile(&mut latencies, 1.0)
    );
    println!(
        "server memory: idle {:.1} MB, peak under the burst {:.1} MB   targets ≤ 50 / ≤ 150 MB",
        idle_rss as f64 / 1024.0,
        peak_rss as f64 / 1024.0
    );
}
