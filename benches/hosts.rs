//! The classroom burst on one worker host and on two, side by side in one run: a web node
//! (`serve --workers 0`) and 1, then 2, `gil-lab worker` processes on one PostgreSQL database,
//! each worker pinned to a core of its own (its slot is that one core), as separate hosts would
//! have their own. LEARNERS learners (default 20) click "실험 실행" on the CPU experiment's
//! defaults at the same moment; printed per layout: when the median and the last result
//! arrived, runs per minute, and the scaling factor as the ratio of the last results.
//!
//! Run: `cargo bench --bench hosts` (as root: the workers build sandboxes). Not a test: it prints
//! figures. PostgreSQL is started as the tests start it (`tests/support/postgres.rs`).

#[path = "../tests/support/http.rs"]
mod http;
#[path = "../tests/support/install_script.rs"]
mod install_script;
#[path = "../tests/support/postgres.rs"]
mod postgres;

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use http::{Agent, free_addr};

/// A `gil-lab` process, killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

fn start(args: &[&str], cpu: Option<usize>) -> Process {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gil-lab"));
    command.args(args).args(["--log", "warn"]).stdout(Stdio::null()).stderr(Stdio::null());
    if let Some(cpu) = cpu {
        // SAFETY: sched_setaffinity on the child itself, between fork and exec.
        unsafe {
            command.pre_exec(move || {
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                libc::CPU_SET(cpu, &mut set);
                let size = std::mem::size_of::<libc::cpu_set_t>();
                if libc::sched_setaffinity(0, size, &set) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    Process(command.spawn().expect("start gil-lab"))
}

fn main() {
    let learners: usize = std::env::var("LEARNERS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!(
        "machine: {cores} cores; {learners} learners at once on the CPU experiment's defaults"
    );
    println!(
        "{:<14} {:>8} {:>14} {:>14} {:>12}",
        "worker hosts", "results", "median result", "last result", "runs/min"
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut last = Vec::new();
    for hosts in [1, 2] {
        let url = runtime.block_on(postgres::fresh_database_url());
        let (done, median, slowest) = burst(&url, hosts, learners, cores);
        println!(
            "{hosts:<14} {:>8} {median:>12.1} s {slowest:>12.1} s {:>12.1}",
            format!("{done}/{learners}"),
            done as f64 / slowest * 60.0
        );
        last.push(slowest);
    }
    println!("scaling factor (last result, one host ÷ two): {:.2}", last[0] / last[1]);
}

/// One burst on `hosts` workers: (results, median arrival s, last arrival s).
fn burst(url: &str, hosts: usize, learners: usize, cores: usize) -> (usize, f64, f64) {
    let addr = free_addr();
    let caps = ["--max-anonymous-queued-per-address", "1000", "--max-anonymous-queued", "1000"];
    let more = ["--max-new-learners-per-address-per-hour", "1000"];
    let web =
        [&["serve", "--workers", "0", "--addr", &addr, "--database-url", url][..], &caps, &more];
    let _web = start(&web.concat(), None);
    while !Agent::new(&addr).get("/healthz").is_ok_and(|r| r.status == 200) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _workers: Vec<Process> = (0..hosts)
        .map(|n| {
            let uid = (63400 + n).to_string();
            let args = ["worker", "--database-url", url, "--sandbox-uid", &uid];
            let one_slot = ["--cores-per-run", "1", "--max-parallel-runs", "1"];
            start(&[&args[..], &one_slot].concat(), Some(n % cores))
        })
        .collect();
    std::thread::sleep(Duration::from_secs(3)); // the workers probe their sandbox and start
    let agents: Vec<Agent> = (0..learners).map(|_| Agent::new(&addr)).collect();
    let clicked = Instant::now();
    let watchers: Vec<_> = agents
        .into_iter()
        .map(|mut agent| {
            std::thread::spawn(move || {
                let reply = agent.post_json("/api/runs", r#"{"experiment": "cpu-bound"}"#).ok()?;
                let value: serde_json::Value = serde_json::from_str(&reply.body).ok()?;
                let id = value["id"].as_str()?.to_owned();
                let events = agent.get(&format!("/api/runs/{id}/events")).ok()?;
                events.body.contains("event: done").then(|| clicked.elapsed().as_secs_f64())
            })
        })
        .collect();
    let mut arrived: Vec<f64> =
        watchers.into_iter().filter_map(|h| h.join().ok().flatten()).collect();
    arrived.sort_by(f64::total_cmp);
    let median = arrived.get(arrived.len() / 2).copied().unwrap_or(f64::NAN);
    (arrived.len(), median, arrived.last().copied().unwrap_or(f64::NAN))
}
