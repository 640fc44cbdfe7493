//! The container's pid 1 (the closure hakoniwa runs after its mounts, rlimits and Landlock):
//! lays out fds, starts a new session, installs seccomp, forks Python and reaps until it exits.

use std::ffi::{CStr, CString};
use std::sync::atomic::{AtomicI32, Ordering};

use super::error::LaunchError;
use super::seccomp::SeccompPrograms;
use super::spec::{LaunchSpec, LaunchStatus, RESULT_FD, SANDBOX_DIR};

/// argv and envp prepared before hakoniwa forks; the closure ignores hakoniwa's args and env.
pub struct ExecPlan {
    program: CString,
    argv: Vec<CString>,
    envp: Vec<CString>,
    dev_null: CString,
    result_channel: bool,
}

impl ExecPlan {
    pub fn new(spec: &LaunchSpec, result_channel: bool) -> Result<Self, LaunchError> {
        let cstr = |s: &str| CString::new(s).map_err(|_| LaunchError::Nul(s.to_owned()));
        let program = spec.python.to_str().ok_or(LaunchError::NotUtf8("python path"))?;
        let mut argv = vec![cstr(program)?];
        for arg in &spec.args {
            argv.push(cstr(arg)?);
        }
        let fixed = [
            ("PATH", "/usr/bin"),
            ("HOME", "/tmp"),
            ("PYTHONUNBUFFERED", "1"),
            ("PYTHONPATH", SANDBOX_DIR),
            // glibc reserves 64 MiB of address space per malloc arena (up to 8 per core):
            // under RLIMIT_AS = 1 GiB that stopped a program at 14 threads.
            ("MALLOC_ARENA_MAX", "2"),
        ];
        let mut env: std::collections::BTreeMap<&str, &str> = fixed.into_iter().collect();
        for (k, v) in &spec.env {
            env.insert(k, v);
        }
        let envp = env.iter().map(|(k, v)| cstr(&format!("{k}={v}"))).collect::<Result<_, _>>()?;
        let dev_null = cstr("/dev/null")?;
        Ok(Self { program: cstr(program)?, argv, envp, dev_null, result_channel })
    }
}

/// A page shared with the init and Python's process until it execs (MAP_SHARED survives
/// hakoniwa's forks). It carries Python's real wait status (pid 1 cannot die by most signals,
/// so its own exit code cannot) and tells "Python exited 125" from "the container failed".
#[derive(Clone, Copy)]
pub struct ExecReport {
    /// [progress, failed step, errno, wait status, exited flag]
    cells: &'static [AtomicI32; 5],
}

const STARTED: i32 = 1;
const STEP_FDS: i32 = 2;
const STEP_SESSION: i32 = 3;
const STEP_SECCOMP: i32 = 4;
const STEP_FORK: i32 = 5;
const STEP_EXECVE: i32 = 6;
const STEP_WAIT: i32 = 7;

impl ExecReport {
    pub fn new() -> Result<Self, LaunchError> {
        // SAFETY: a fresh anonymous shared mapping, never unmapped, so 'static holds.
        let page = unsafe {
            let prot = libc::PROT_READ | libc::PROT_WRITE;
            libc::mmap(
                std::ptr::null_mut(),
                4096,
                prot,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if page == libc::MAP_FAILED {
            return Err(LaunchError::last_os("mmap"));
        }
        // SAFETY: page-aligned, zero-filled and large enough; AtomicI32 has i32's layout.
        Ok(Self { cells: unsafe { &*(page as *const [AtomicI32; 5]) } })
    }

    fn fail(&self, step: i32, errno: i32) {
        self.cells[1].store(step, Ordering::SeqCst);
        self.cells[2].store(errno.max(1), Ordering::SeqCst);
    }

    /// `Err`: the container failed before Python ran. `Ok(None)`: Python ran but its end was
    /// not recorded (the init was killed from outside).
    pub fn outcome(&self) -> Result<Option<LaunchStatus>, LaunchError> {
        let load = |i: usize| self.cells[i].load(Ordering::SeqCst);
        if load(2) != 0 {
            let step = match load(1) {
                STEP_FDS => "setting up fds 0 and 3",
                STEP_SESSION => "setsid",
                STEP_SECCOMP => "installing seccomp filters",
                STEP_FORK => "forking the interpreter",
                STEP_EXECVE => "execve of the interpreter",
                _ => "waiting for the interpreter",
            };
            let source = std::io::Error::from_raw_os_error(load(2));
            return Err(LaunchError::Init { step, source });
        }
        if load(4) == 1 {
            let status = load(3);
            return Ok(Some(if libc::WIFSIGNALED(status) {
                LaunchStatus::Signaled { signal: libc::WTERMSIG(status) }
            } else {
                LaunchStatus::Exited { exit_code: libc::WEXITSTATUS(status) }
            }));
        }
        if load(0) == 0 {
            return Err(LaunchError::InitNeverStarted);
        }
        Ok(None)
    }
}

/// The closure body. Python runs as pid 2 under this tiny init, so rlimit signals (SIGXCPU),
/// SIGTERM and friends act on it normally (pid 1 ignores unhandled signals) and orphans are
/// reaped. When Python exits, so does pid 1, and the kernel kills whatever is left.
pub fn run(plan: &ExecPlan, programs: &SeccompPrograms, report: ExecReport) -> i32 {
    report.cells[0].store(STARTED, Ordering::SeqCst);
    if let Err(errno) = arrange_fds(plan.result_channel, &plan.dev_null) {
        report.fail(STEP_FDS, errno);
        return 125;
    }
    // A session of its own: kill(0, …) or killpg from inside reaches only the sandbox, never
    // the launcher's (or the server's) process group.
    // SAFETY: setsid has no memory-safety preconditions.
    if unsafe { libc::setsid() } < 0 {
        report.fail(STEP_SESSION, errno());
        return 125;
    }
    if let Err(errno) = programs.apply() {
        report.fail(STEP_SECCOMP, errno);
        return 125;
    }
    // SAFETY: fork in a single-threaded process.
    match unsafe { libc::fork() } {
        -1 => {
            report.fail(STEP_FORK, errno());
            125
        }
        0 => exec_python(plan, report),
        child => reap_until(child, report),
    }
}

fn exec_python(plan: &ExecPlan, report: ExecReport) -> ! {
    let argv = null_terminated(&plan.argv);
    let envp = null_terminated(&plan.envp);
    // SAFETY: NUL-terminated strings and null-terminated pointer arrays that outlive the call.
    unsafe {
        libc::execve(plan.program.as_ptr(), argv.as_ptr(), envp.as_ptr());
        report.fail(STEP_EXECVE, errno());
        libc::_exit(127)
    }
}

/// Reaps every child (orphans land here too) until Python itself exits.
fn reap_until(python: libc::pid_t, report: ExecReport) -> i32 {
    // The init needs none of the run's fds; Python and its children hold their own copies.
    // SAFETY: closing this process's own fds.
    unsafe { libc::syscall(libc::SYS_close_range, 0u32, u32::MAX, 0u32) };
    loop {
        let mut status = 0;
        // SAFETY: waitpid with a valid out-pointer.
        let pid = unsafe { libc::waitpid(-1, &mut status, 0) };
        if pid == python {
            report.cells[3].store(status, Ordering::SeqCst);
            report.cells[4].store(1, Ordering::SeqCst);
            return if libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else {
                128 + libc::WTERMSIG(status)
            };
        }
        if pid < 0 && errno() != libc::EINTR {
            report.fail(STEP_WAIT, errno());
            return 125;
        }
    }
}

/// fd 0 (the result channel, if any) → fd 3; /dev/null → fd 0; everything above closed.
fn arrange_fds(result_channel: bool, dev_null: &CStr) -> Result<(), i32> {
    // SAFETY: fd syscalls on this process's own table.
    unsafe {
        if result_channel && libc::dup2(0, RESULT_FD) < 0 {
            return Err(errno());
        }
        let null = libc::open(dev_null.as_ptr(), libc::O_RDONLY);
        if null < 0 {
            return Err(errno());
        }
        if null != 0 && (libc::dup2(null, 0) < 0 || libc::close(null) < 0) {
            return Err(errno());
        }
        let first = if result_channel { RESULT_FD + 1 } else { RESULT_FD };
        if libc::syscall(libc::SYS_close_range, first as u32, u32::MAX, 0u32) < 0 {
            return Err(errno());
        }
    }
    Ok(())
}

fn null_terminated(strings: &[CString]) -> Vec<*const libc::c_char> {
    strings.iter().map(|s| s.as_ptr()).chain(std::iter::once(std::ptr::null())).collect()
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
}
