//! Probes of the kernel layers the sandbox stacks (user namespaces, Landlock, seccomp,
//! cgroups, tmpfs), re-exported by `probe`. Read-only.

use std::fs;
use std::path::Path;

use super::cgroup::{self, CgroupMode};
use super::probe::{Probe, ProbeStatus};
use super::seccomp::SeccompPrograms;

pub fn user_namespaces() -> Probe {
    let fix = "allow unprivileged user namespaces: sysctl kernel.unprivileged_userns_clone=1, \
               user.max_user_namespaces>0, and on Ubuntu 24.04+ \
               kernel.apparmor_restrict_unprivileged_userns=0";
    let read = |p: &str| fs::read_to_string(p).ok().map(|s| s.trim().to_string());
    let checks = [
        (
            "kernel.unprivileged_userns_clone",
            read("/proc/sys/kernel/unprivileged_userns_clone"),
            "1",
        ),
        (
            "kernel.apparmor_restrict_unprivileged_userns",
            read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"),
            "0",
        ),
    ];
    for (name, value, wanted) in checks {
        if let Some(v) = value.filter(|v| v != wanted) {
            return Probe::new(
                "user namespaces",
                ProbeStatus::Missing,
                format!("{name} = {v}"),
                fix,
            );
        }
    }
    let max = read("/proc/sys/user/max_user_namespaces").and_then(|v| v.parse::<u64>().ok());
    match max {
        Some(0) => {
            Probe::new("user namespaces", ProbeStatus::Missing, "user.max_user_namespaces = 0", fix)
        }
        None if !Path::new("/proc/self/ns/user").exists() => Probe::new(
            "user namespaces",
            ProbeStatus::Missing,
            "kernel without user namespaces",
            fix,
        ),
        _ => Probe::new(
            "user namespaces",
            ProbeStatus::Ok,
            "unprivileged user namespaces allowed",
            fix,
        ),
    }
}

pub fn landlock() -> Probe {
    const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
    // SAFETY: the documented ABI query: null attr, size 0, version flag.
    let abi = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<u8>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    let fix = "use a kernel >= 5.13 with Landlock enabled (lsm=...,landlock); >= 6.7 (ABI 4) \
               adds the TCP rules";
    match abi {
        a if a >= 4 => {
            Probe::new("landlock", ProbeStatus::Ok, format!("ABI {a}: filesystem + TCP"), fix)
        }
        a if a >= 1 => Probe::new(
            "landlock",
            ProbeStatus::Degraded,
            format!("ABI {a}: filesystem only (network relies on the empty network namespace)"),
            fix,
        ),
        _ => Probe::new(
            "landlock",
            ProbeStatus::Missing,
            format!("unavailable: {}", std::io::Error::last_os_error()),
            fix,
        ),
    }
}

pub fn seccomp() -> Probe {
    let fix = "use a kernel built with CONFIG_SECCOMP_FILTER (every distribution kernel has it)";
    // SAFETY: PR_GET_SECCOMP takes no pointers.
    let mode = unsafe { libc::prctl(libc::PR_GET_SECCOMP, 0, 0, 0, 0) };
    let actions = fs::read_to_string("/proc/sys/kernel/seccomp/actions_avail").unwrap_or_default();
    if mode < 0 || !actions.contains("errno") {
        return Probe::new("seccomp", ProbeStatus::Missing, "seccomp filters unavailable", fix);
    }
    match SeccompPrograms::build() {
        Ok(p) => Probe::new(
            "seccomp",
            ProbeStatus::Ok,
            format!("{} BPF filters compiled", p.count()),
            fix,
        ),
        Err(e) => Probe::new("seccomp", ProbeStatus::Missing, super::error::chain(&e), fix),
    }
}

pub fn cgroups() -> Probe {
    let fix = "give the server a cgroup with the memory and pids controllers: cgroup v1 \
               memory+pids mounts, or a delegated cgroup v2 subtree; without one, memory \
               across processes is unbounded";
    match cgroup::detect() {
        CgroupMode::V1 => {
            let swap = Path::new("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes").exists();
            let detail = format!("v1 memory + pids{}", if swap { " (swap counted)" } else { "" });
            let status = if swap { ProbeStatus::Ok } else { ProbeStatus::Degraded };
            Probe::new(
                "cgroup",
                status,
                detail,
                "boot with swapaccount=1 so swap counts toward the limit",
            )
        }
        CgroupMode::V2 => {
            let controllers =
                fs::read_to_string("/sys/fs/cgroup/cgroup.controllers").unwrap_or_default();
            let has = |c: &str| controllers.split_whitespace().any(|x| x == c);
            if has("memory") && has("pids") {
                Probe::new("cgroup", ProbeStatus::Ok, "v2 memory + pids", fix)
            } else {
                Probe::new(
                    "cgroup",
                    ProbeStatus::Degraded,
                    format!("v2 controllers: {}", controllers.trim()),
                    fix,
                )
            }
        }
        CgroupMode::None => Probe::new("cgroup", ProbeStatus::Degraded, "none: rlimits only", fix),
    }
}

pub fn tmpfs() -> Probe {
    let known = fs::read_to_string("/proc/filesystems").unwrap_or_default();
    let has = known.lines().any(|l| l.split_whitespace().last() == Some("tmpfs"));
    let status = if has { ProbeStatus::Ok } else { ProbeStatus::Missing };
    Probe::new(
        "tmpfs",
        status,
        if has { "available" } else { "not in /proc/filesystems" },
        "use a kernel with tmpfs (CONFIG_TMPFS): /tmp and /dev/shm inside runs are tmpfs",
    )
}
