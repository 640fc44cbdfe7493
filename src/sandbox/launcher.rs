//! `sandbox-exec`: the single-threaded helper the server spawns as root for each run. It joins
//! the run's cgroup, drops to the sandbox uid, runs Python in the container and reports one
//! status line on fd 4.

use std::ffi::CString;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::ExitCode;

use super::container;
use super::cpuset;
use super::error::{LaunchError, chain};
use super::init::{ExecPlan, ExecReport};
use super::rootfs;
use super::seccomp::SeccompPrograms;
use super::spec::{LaunchSpec, LaunchStatus, RESULT_FD, STATUS_FD};

/// A spec is a few hundred bytes; refuse to buffer an unbounded stdin.
const MAX_SPEC_BYTES: u64 = 1 << 20;

/// The whole `sandbox-exec` entry. Must run before any other thread exists (no tokio runtime):
/// joining a v1 cgroup through `tasks` moves only the calling thread, and hakoniwa forks.
pub fn run_launcher() -> ExitCode {
    // Without fd 4 nobody can hear the result; say so on stderr and stop before doing anything.
    let Some(mut status_out) = take_fd(STATUS_FD) else {
        eprintln!("sandbox-exec: fd {STATUS_FD} (status channel) is not open");
        return ExitCode::from(2);
    };
    let status = launch().unwrap_or_else(|error| LaunchStatus::Failed { error: chain(&error) });
    let written = status_out.write_all(status.to_line().as_bytes()).is_ok();
    match status {
        LaunchStatus::Failed { .. } => ExitCode::from(1),
        _ if !written => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    }
}

fn launch() -> Result<LaunchStatus, LaunchError> {
    // SAFETY: getppid has no preconditions.
    let server = unsafe { libc::getppid() };
    let spec = read_spec()?;
    join_cgroups(&spec)?;
    if !spec.cpus.is_empty() {
        cpuset::pin_current(&spec.cpus).map_err(|e| LaunchError::Pin(spec.cpus.clone(), e))?;
    }
    // Mounting needs root; after the cgroup join, so its pages are charged to the run.
    rootfs::mount(&spec)?;
    drop_privileges(spec.uid, spec.gid)?;
    die_with_server(server)?;
    // The launcher's own cwd may be under a folder the sandbox uid cannot enter.
    std::env::set_current_dir("/")
        .map_err(|source| LaunchError::Syscall { call: "chdir /", source })?;
    check_readable(&spec)?;

    let result_channel = take_fd(RESULT_FD).map(OwnedFd::from);
    let programs = SeccompPrograms::build()?;
    let plan = ExecPlan::new(&spec, result_channel.is_some())?;
    let report = ExecReport::new()?;
    rootfs::fill(&spec)?;
    let container = container::build(&spec)?;
    // The root and hakoniwa's mount points in it vanish with this process's mount namespace.
    container::run(&container, plan, programs, report, result_channel)
}

fn read_spec() -> Result<LaunchSpec, LaunchError> {
    let mut raw = Vec::new();
    std::io::stdin().take(MAX_SPEC_BYTES).read_to_end(&mut raw).map_err(LaunchError::ReadSpec)?;
    let spec: LaunchSpec = serde_json::from_slice(&raw).map_err(LaunchError::ParseSpec)?;
    spec.validate()?;
    Ok(spec)
}

/// As root, move this (single) thread into the run's cgroups; children inherit them.
fn join_cgroups(spec: &LaunchSpec) -> Result<(), LaunchError> {
    for file in &spec.cgroup_join {
        std::fs::write(file, "0")
            .map_err(|source| LaunchError::JoinCgroup { path: file.clone(), source })?;
    }
    Ok(())
}

/// Root → sandbox uid for good. As root, RLIMIT_NPROC does not apply and a read-only bind
/// can be remounted writable, so nothing below may keep any privilege.
fn drop_privileges(uid: u32, gid: u32) -> Result<(), LaunchError> {
    // SAFETY: plain credential syscalls on this single-threaded process.
    unsafe {
        if libc::setgroups(0, std::ptr::null()) != 0 {
            return Err(LaunchError::last_os("setgroups"));
        }
        if libc::setresgid(gid, gid, gid) != 0 {
            return Err(LaunchError::last_os("setresgid"));
        }
        if libc::setresuid(uid, uid, uid) != 0 {
            return Err(LaunchError::last_os("setresuid"));
        }
        if libc::setuid(0) == 0 || libc::geteuid() != uid || libc::getegid() != gid {
            return Err(LaunchError::PrivilegesKept);
        }
    }
    Ok(())
}

/// A credential change clears both flags: dumpable is needed for hakoniwa to write
/// /proc/self/uid_map, and the death signal makes a server crash take the run with it.
fn die_with_server(server: libc::pid_t) -> Result<(), LaunchError> {
    // SAFETY: prctl with integer arguments only.
    unsafe {
        if libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0) != 0 {
            return Err(LaunchError::last_os("PR_SET_DUMPABLE"));
        }
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
            return Err(LaunchError::last_os("PR_SET_PDEATHSIG"));
        }
        // The server may have died before the death signal was armed.
        if libc::getppid() != server {
            return Err(LaunchError::ServerGone);
        }
    }
    Ok(())
}

/// Fails early, with a reason, when the run dir is somewhere the sandbox uid cannot reach
/// (e.g. under a 0700 home folder): the copy or hakoniwa would otherwise fail half-way.
fn check_readable(spec: &LaunchSpec) -> Result<(), LaunchError> {
    let main = spec.program_dir.join("main.py");
    for path in [spec.python.as_path(), main.as_path(), spec.work_dir.as_path()] {
        if !accessible(path, libc::R_OK) {
            return Err(LaunchError::NotReadable { path: path.into(), uid: spec.uid });
        }
    }
    if !accessible(&spec.work_dir, libc::W_OK | libc::X_OK) {
        let path = spec.work_dir.clone();
        return Err(LaunchError::NotWritable { path, uid: spec.uid });
    }
    Ok(())
}

fn accessible(path: &Path, mode: libc::c_int) -> bool {
    let Ok(c_path) = CString::new(path.as_os_str().as_encoded_bytes()) else {
        return false;
    };
    // SAFETY: a valid NUL-terminated path.
    unsafe { libc::access(c_path.as_ptr(), mode) == 0 }
}

/// Takes ownership of an inherited fd if it is open, marking it close-on-exec so it cannot
/// leak into anything this process execs.
fn take_fd(fd: i32) -> Option<File> {
    // SAFETY: fcntl on an fd number; F_GETFD fails harmlessly if it is not open.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    if flags < 0 {
        return None;
    }
    // SAFETY: the fd is open and nothing else in this process owns it.
    unsafe {
        libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
        Some(File::from_raw_fd(fd))
    }
}
