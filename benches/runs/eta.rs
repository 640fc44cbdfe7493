//! How honest the queue's estimated start is: after a warm-up that teaches the server the
//! experiments' durations, QUEUED runs (default 12) are submitted at once; each one's stream
//! records its first `eta_s` and when it actually started. Printed: the median absolute error
//! of the predicted start, in percent of the actual wait.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::http::Agent;
use super::{env_number, median, submit, wait_done};

/// Two experiments of different lengths, so per-experiment medians matter.
const BODIES: [&str; 2] = [
    r#"{"experiment": "cpu-bound", "params": {"workers": 2, "iterations": 1000000}}"#,
    r#"{"experiment": "io-bound", "params": {"workers": 4, "requests": 5}}"#,
];

/// Runs that waited less than this are left out: a few milliseconds off is no error to a person.
const SHORTEST_WAIT_S: f64 = 1.0;

pub fn estimate_error(addr: &str) {
    let queued = env_number("QUEUED", 12);
    let warm_up = env_number("WARM_UP", 4);
    for body in BODIES.iter().cycle().take(warm_up * BODIES.len()) {
        let mut agent = Agent::new(addr);
        let id = submit(&mut agent, body).expect("warm-up submitted");
        assert!(wait_done(&mut agent, &id), "warm-up run {id} finished");
    }
    let watchers: Vec<_> = BODIES
        .iter()
        .cycle()
        .take(queued)
        .filter_map(|body| {
            let mut agent = Agent::new(addr);
            Some((submit(&mut agent, body)?, agent))
        })
        .map(|(id, agent)| std::thread::spawn(move || first_eta_and_start(&agent, &id)))
        .collect();
    let mut errors: Vec<f64> = watchers
        .into_iter()
        .filter_map(|handle| handle.join().ok().flatten())
        .filter(|&(_, actual)| actual >= SHORTEST_WAIT_S)
        .map(|(predicted, actual)| (predicted - actual).abs() / actual * 100.0)
        .collect();
    println!(
        "\n## estimated start: {queued} runs queued at once after {warm_up} warm-up runs each"
    );
    if errors.is_empty() {
        println!("no run waited {SHORTEST_WAIT_S} s or more: nothing to measure");
        return;
    }
    let n = errors.len();
    let worst = errors.iter().copied().fold(0.0, f64::max);
    println!(
        "median absolute error of the first estimate {:.1} % (n={n}, worst {worst:.0} %)   target ≤ 20 %",
        median(&mut errors)
    );
}

/// Watches one run's events, as the learner who submitted it: `(predicted wait, actual wait)`
/// in seconds from its first status.
pub fn first_eta_and_start(agent: &Agent, id: &str) -> Option<(f64, f64)> {
    let mut stream = TcpStream::connect(&agent.addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(300))).ok()?;
    let (addr, cookie) = (&agent.addr, agent.cookie.as_deref().unwrap_or_default());
    let request = format!(
        "GET /api/runs/{id}/events HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut first: Option<(Instant, f64)> = None;
    // Chunk sizes arrive as lines of their own; only the `data:` lines matter.
    for line in BufReader::new(stream).lines() {
        let line = line.ok()?;
        let Some(data) = line.strip_prefix("data: ") else { continue };
        let Ok(event) = serde_json::from_str::<serde_json::Value>(data) else { continue };
        match (event["status"].as_str(), event["eta_s"].as_f64(), first) {
            (Some("queued"), Some(eta), None) => first = Some((Instant::now(), eta)),
            (Some("running"), _, Some((at, eta))) => {
                return Some((eta, at.elapsed().as_secs_f64()));
            }
            (Some(status), _, _) if status != "queued" => return None,
            _ => {}
        }
    }
    None
}
