//! Host probes for `gil-lab doctor` and the start-up log: which sandbox layers this machine
//! offers, each with a status and a fix hint. Read-only; nothing here changes the host.

use std::fmt;
use std::fs;
use std::path::Path;
use std::process::Command;

pub use super::kernel_probe::{cgroups, landlock, seccomp, tmpfs, user_namespaces};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeStatus {
    /// The layer is there and will be used.
    Ok,
    /// Runs are still contained, but a layer is weaker than designed.
    Degraded,
    /// A required layer is missing: runs must not start.
    Missing,
}

#[derive(Debug, Clone)]
pub struct Probe {
    pub layer: &'static str,
    pub status: ProbeStatus,
    pub detail: String,
    /// Empty when there is nothing to fix.
    pub fix: String,
}

impl Probe {
    pub(super) fn new(
        layer: &'static str,
        status: ProbeStatus,
        detail: impl Into<String>,
        fix: &str,
    ) -> Self {
        let fix = if status == ProbeStatus::Ok { String::new() } else { fix.to_string() };
        Self { layer, status, detail: detail.into(), fix }
    }
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = match self.status {
            ProbeStatus::Ok => "ok      ",
            ProbeStatus::Degraded => "degraded",
            ProbeStatus::Missing => "MISSING ",
        };
        write!(f, "[{mark}] {:<16} {}", self.layer, self.detail)?;
        if !self.fix.is_empty() {
            write!(f, "\n             fix: {}", self.fix)?;
        }
        Ok(())
    }
}

/// Every probe, in the order the doctor prints them.
pub fn probe_all(sandbox_uid: u32, python: &Path) -> Vec<Probe> {
    vec![
        running_as_root(),
        sandbox_uid_probe(sandbox_uid),
        user_namespaces(),
        landlock(),
        seccomp(),
        cgroups(),
        tmpfs(),
        python_runtime(python),
    ]
}

/// True when no required layer is missing.
pub fn all_required_present(probes: &[Probe]) -> bool {
    probes.iter().all(|p| p.status != ProbeStatus::Missing)
}

pub fn running_as_root() -> Probe {
    // SAFETY: geteuid has no preconditions.
    let euid = unsafe { libc::geteuid() };
    let status = if euid == 0 { ProbeStatus::Ok } else { ProbeStatus::Missing };
    Probe::new(
        "root",
        status,
        format!("server euid {euid}"),
        "run the server as root: each run's launcher drops to the sandbox uid itself, and \
         cgroups can only be made by root (as any other uid, RLIMIT_NPROC and remounts leak)",
    )
}

pub fn sandbox_uid_probe(uid: u32) -> Probe {
    let fix = "choose a dedicated uid (default 61337) that no account or process uses";
    if uid == 0 || uid == 65534 {
        return Probe::new(
            "sandbox uid",
            ProbeStatus::Missing,
            format!("uid {uid} is shared"),
            fix,
        );
    }
    let passwd = fs::read_to_string("/etc/passwd").unwrap_or_default();
    let owner = passwd.lines().find(|l| l.split(':').nth(2) == Some(&uid.to_string()));
    if let Some(line) = owner {
        let name = line.split(':').next().unwrap_or("?");
        return Probe::new(
            "sandbox uid",
            ProbeStatus::Degraded,
            format!("uid {uid} belongs to {name}"),
            fix,
        );
    }
    let running = processes_of_uid(uid);
    if running > 0 {
        // Such a process could ptrace a (dumpable) launcher of this uid.
        let detail = format!("uid {uid}: {running} process(es) already run as it");
        return Probe::new("sandbox uid", ProbeStatus::Degraded, detail, fix);
    }
    Probe::new("sandbox uid", ProbeStatus::Ok, format!("uid {uid}, unused"), fix)
}

fn processes_of_uid(uid: u32) -> usize {
    let Ok(entries) = fs::read_dir("/proc") else {
        return 0;
    };
    let uid = uid.to_string();
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit())))
        .filter(|e| {
            let status = fs::read_to_string(e.path().join("status")).unwrap_or_default();
            status
                .lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some(uid.as_str()))
        })
        .count()
}

/// Asks the interpreter itself: version, implementation and whether the GIL is on
/// (`sys._is_gil_enabled()` exists from 3.13; older CPython always has the GIL).
pub fn python_runtime(python: &Path) -> Probe {
    const CODE: &str = "import sys, json, platform\n\
        gil = sys._is_gil_enabled() if hasattr(sys, '_is_gil_enabled') else True\n\
        print(json.dumps({'version': platform.python_version(), \
        'implementation': platform.python_implementation(), 'gil': gil}))";
    let fix = "install python3 (CPython 3.11+) under /usr: the sandbox mounts only /usr";
    if !python.starts_with("/usr") {
        return Probe::new(
            "python",
            ProbeStatus::Missing,
            format!("{} is outside /usr", python.display()),
            fix,
        );
    }
    let out = Command::new(python).args(["-I", "-c", CODE]).env_clear().output();
    let Some(info) = out
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| serde_json::from_slice::<serde_json::Value>(&o.stdout).ok())
    else {
        return Probe::new(
            "python",
            ProbeStatus::Missing,
            format!("{} did not run", python.display()),
            fix,
        );
    };
    let gil =
        if info["gil"].as_bool().unwrap_or(true) { "GIL on" } else { "GIL off (free-threaded)" };
    let detail = format!(
        "{} {} {}, {gil}",
        python.display(),
        info["implementation"].as_str().unwrap_or("?"),
        info["version"].as_str().unwrap_or("?")
    );
    Probe::new("python", ProbeStatus::Ok, detail, fix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_zero_is_never_a_sandbox_uid() {
        assert_eq!(sandbox_uid_probe(0).status, ProbeStatus::Missing);
    }

    #[test]
    fn a_python_outside_usr_is_refused() {
        assert_eq!(python_runtime(Path::new("/opt/python3")).status, ProbeStatus::Missing);
    }
}
