//! A real gil-lab for benchmarks: the built binary on a free loopback port with a fresh database,
//! stopped when dropped; and what it costs, read from `/proc`.

// Each benchmark uses part of it.
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::http::{Agent, free_addr};

pub struct Server {
    pub addr: String,
    pub pid: u32,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts the server with `flags` beside the address and database, and waits until it answers.
    pub fn start(flags: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let addr = free_addr();
        let child = Command::new(env!("CARGO_BIN_EXE_gil-lab"))
            .args(["--addr", &addr, "--log", "warn"])
            .args(flags)
            .arg("--database-url")
            .arg(format!("sqlite://{}", dir.path().join("bench.db").display()))
            .stdout(Stdio::null())
            .spawn()
            .expect("start gil-lab");
        let pid = child.id();
        while !Agent::new(&addr).get("/healthz").is_ok_and(|r| r.status == 200) {
            std::thread::sleep(Duration::from_millis(50));
        }
        Server { addr, pid, child, _dir: dir }
    }

    /// A `/proc/PID/status` figure in KiB, e.g. `VmRSS:` or `VmHWM:`.
    pub fn kib(&self, key: &str) -> u64 {
        status_kib(self.pid, key)
    }

    /// Resident memory now, in MB.
    pub fn rss_mb(&self) -> u64 {
        self.kib("VmRSS:") / 1024
    }

    /// User and system CPU seconds so far, from `/proc/PID/stat`.
    pub fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap_or_default();
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<f64> = after.split_whitespace().filter_map(|f| f.parse().ok()).collect();
        // utime and stime (fields 14 and 15): the 11th and 12th numbers after the state letter.
        let ticks = fields.get(10).unwrap_or(&0.0) + fields.get(11).unwrap_or(&0.0);
        ticks / 100.0
    }
}

/// A `/proc/PID/status` figure of any process, in KiB (0 when it cannot be read).
pub fn status_kib(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with(key));
    line.and_then(|l| l.split_whitespace().nth(1)?.parse().ok()).unwrap_or(0)
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}
