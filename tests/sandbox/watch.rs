//! The host's view of a sandbox uid: its processes in /proc, and their peak count, threads and
//! memory sampled while a run goes on.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// One host process of the watched uid.
#[derive(Clone)]
pub struct HostProcess {
    pub pid: u32,
    pub ppid: u32,
    pub name: String,
    pub state: String,
    pub threads: u64,
    pub rss_bytes: u64,
}

impl HostProcess {
    pub fn is_zombie(&self) -> bool {
        self.state.starts_with('Z')
    }
}

/// `pid 123 (gil-lab, Z (zombie), parent 1)`: enough to tell who left it and who must reap it.
impl std::fmt::Display for HostProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pid {} ({}, {}, parent {})", self.pid, self.name, self.state, self.ppid)
    }
}

pub fn describe(processes: &[HostProcess]) -> String {
    processes.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// The most the host saw of the uid at any one sample.
#[derive(Debug, Clone, Copy, Default)]
pub struct Peak {
    pub processes: usize,
    /// Processes and threads.
    pub tasks: u64,
    /// Resident memory summed over the processes (shared pages count once per process).
    pub rss_bytes: u64,
}

/// Every process whose real, effective, saved or filesystem uid is `uid`.
pub fn processes_of(uid: u32) -> Vec<HostProcess> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
            parse_status(pid, &status, uid)
        })
        .collect()
}

fn parse_status(pid: u32, status: &str, uid: u32) -> Option<HostProcess> {
    let field = |key: &str| {
        status.lines().find_map(|line| line.strip_prefix(key)).map(str::trim).unwrap_or_default()
    };
    let wanted = uid.to_string();
    if !field("Uid:").split_whitespace().any(|u| u == wanted) {
        return None;
    }
    let number = |key: &str| {
        field(key).split_whitespace().next().and_then(|n| n.parse::<u64>().ok()).unwrap_or(0)
    };
    Some(HostProcess {
        pid,
        ppid: number("PPid:") as u32,
        name: field("Name:").to_owned(),
        state: field("State:").to_owned(),
        threads: number("Threads:"),
        rss_bytes: number("VmRSS:") * 1024,
    })
}

/// Samples the uid's processes every few milliseconds on a thread of its own.
pub struct Watch {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Peak>,
}

impl Watch {
    pub fn start(uid: u32) -> Watch {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = Peak::default();
            while !flag.load(Ordering::Relaxed) {
                let now = processes_of(uid);
                peak.processes = peak.processes.max(now.len());
                peak.tasks = peak.tasks.max(now.iter().map(|p| p.threads).sum());
                peak.rss_bytes = peak.rss_bytes.max(now.iter().map(|p| p.rss_bytes).sum());
                std::thread::sleep(Duration::from_millis(15));
            }
            peak
        });
        Watch { stop, thread }
    }

    pub fn stop(self) -> Peak {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("the watch thread does not panic")
    }
}
