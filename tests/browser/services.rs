//! The two processes the whole suite shares: `gil-lab` (temp database, its own sandbox uid) and
//! chromedriver, each on a free 127.0.0.1 port. Started once, by a thread that lives as long as
//! the test process (so `PR_SET_PDEATHSIG` fires only when the process dies, not when the test
//! thread that happened to start them ends), and stopped at exit by an `atexit` hook: SIGTERM,
//! then SIGKILL after a grace period, then the temp folder removed. Nothing is left running.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::http::{Agent, free_addr};
use crate::install;

/// A uid of its own, so a stray sandboxed process of this suite is easy to tell apart.
const SANDBOX_UID: &str = "63201";

/// Chromium outlives a chromedriver that is killed. So chromedriver runs under a shell that
/// leads their process group and, told to stop (by `stop_at_exit`, or by `PR_SET_PDEATHSIG` when
/// the test process dies, even by SIGKILL or Ctrl-C), stops the whole group: TERM, then KILL.
const GROUP_LEADER: &str =
    "trap 'trap \"\" TERM; kill -TERM 0; sleep 1; kill -KILL 0' TERM; \"$@\" & wait";

pub struct Services {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    pub webdriver_url: String,
}

/// The shared services, started on first use. A failure to start is remembered, so every test
/// reports it at once instead of trying again.
pub fn services() -> Result<&'static Services, String> {
    static SERVICES: OnceLock<Result<Services, String>> = OnceLock::new();
    SERVICES.get_or_init(start_in_keeper).as_ref().map_err(Clone::clone)
}

/// Where failure screenshots, page dumps and the services' logs go: `target/browser-screenshots`.
pub fn artifacts_dir() -> PathBuf {
    let target_tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = target_tmp.parent().unwrap_or(target_tmp).join("browser-screenshots");
    std::fs::create_dir_all(&dir).ok();
    dir
}

fn start_in_keeper() -> Result<Services, String> {
    install::ensure_browser()?;
    crate::runtimes::ensure_gil_sampler()?;
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("browser-services".into())
        .spawn(move || {
            let mut children = Vec::new();
            let started = start(&mut children);
            sender.send(started).ok();
            // Own the children for the life of the process: this thread never ends.
            loop {
                std::thread::park();
            }
        })
        .map_err(|e| format!("cannot start the services thread: {e}"))?;
    receiver.recv().map_err(|_| "the services thread died while starting".to_owned())?
}

fn start(children: &mut Vec<Child>) -> Result<Services, String> {
    // SAFETY: registers a plain `extern "C"` function; it runs once, at process exit.
    unsafe { libc::atexit(stop_at_exit) };
    let data = tempfile::Builder::new()
        .prefix("gil-lab-browser-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .map_err(|e| format!("cannot make a temp folder: {e}"))?
        .keep();
    cleanup().dirs.push(data.clone());
    let logs = artifacts_dir();

    let addr = free_addr();
    let database = format!("sqlite://{}", data.join("browser.db").display());
    let mut server = Command::new(env!("CARGO_BIN_EXE_gil-lab"));
    server
        .args(["--addr", &addr, "--log", "warn", "--sandbox-uid", SANDBOX_UID])
        .args(["--database-url", &database]);
    let server = spawn(server, &logs.join("gil-lab.log"), false)?;
    let server_pid = server.id();
    children.push(server);
    let base_url = format!("http://{addr}");
    wait_until_up(&addr, "/healthz", &logs.join("gil-lab.log"), server_pid)?;

    let port = free_addr().rsplit(':').next().unwrap_or_default().to_owned();
    let mut driver = Command::new("bash");
    driver.args(["-c", GROUP_LEADER, "chromedriver", "/usr/bin/chromedriver"]);
    driver.args([&format!("--port={port}"), "--log-level=WARNING"]);
    let driver = spawn(driver, &logs.join("chromedriver.log"), true)?;
    let driver_pid = driver.id();
    children.push(driver);
    let driver_addr = format!("127.0.0.1:{port}");
    wait_until_up(&driver_addr, "", &logs.join("chromedriver.log"), driver_pid)?;
    Ok(Services { base_url, webdriver_url: format!("http://{driver_addr}") })
}

/// Starts a child that logs to `log`, dies with this process, and is stopped at exit.
/// `own_group`: the child leads a new process group, stopped as a whole.
fn spawn(mut command: Command, log: &Path, own_group: bool) -> Result<Child, String> {
    let name = command.get_program().to_string_lossy().into_owned();
    let out = File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| format!("cannot share {}: {e}", log.display()))?;
    command.stdin(Stdio::null()).stdout(out).stderr(err);
    if own_group {
        command.process_group(0);
    }
    let parent = std::process::id();
    // SAFETY: only async-signal-safe calls (prctl, getppid, _exit) between fork and exec.
    unsafe {
        command.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            if libc::getppid() != parent as libc::pid_t {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    let child = command.spawn().map_err(|e| format!("cannot start {name}: {e}"))?;
    cleanup().children.push((child.id() as libc::pid_t, own_group));
    Ok(child)
}

/// Until `path` answers 200; chromedriver keeps connections open, so for it (`path` empty) a
/// listening port is enough: the first session says the rest.
fn wait_until_up(addr: &str, path: &str, log: &Path, pid: u32) -> Result<(), String> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        let up = if path.is_empty() {
            std::net::TcpStream::connect(addr).is_ok()
        } else {
            Agent::new(addr).get(path).is_ok_and(|reply| reply.status == 200)
        };
        if up {
            return Ok(());
        }
        if !Path::new(&format!("/proc/{pid}")).exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let tail: Vec<&str> =
        text.lines().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect();
    Err(format!(
        "{addr}{path} did not answer 200 within 30 s; {}:\n{}",
        log.display(),
        tail.join("\n")
    ))
}

struct Cleanup {
    /// (pid, whether it leads its own process group)
    children: Vec<(libc::pid_t, bool)>,
    dirs: Vec<PathBuf>,
}

static CLEANUP: Mutex<Cleanup> = Mutex::new(Cleanup { children: Vec::new(), dirs: Vec::new() });

fn cleanup() -> std::sync::MutexGuard<'static, Cleanup> {
    CLEANUP.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The suite's end: chromedriver (and its browsers) and the server get SIGTERM, then SIGKILL
/// whatever is still there after 10 s; then the temp folder goes.
extern "C" fn stop_at_exit() {
    let cleanup = cleanup();
    let target = |&(pid, group): &(libc::pid_t, bool)| if group { -pid } else { pid };
    for child in cleanup.children.iter().rev() {
        // SAFETY: signals our own child (or the process group it leads).
        unsafe { libc::kill(target(child), libc::SIGTERM) };
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    for child in cleanup.children.iter().rev() {
        while !reaped(child.0) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        // A reaped pid may be reused; a group is killed anyway, for browsers it left behind.
        if child.1 || !reaped(child.0) {
            // SAFETY: as above.
            unsafe { libc::kill(target(child), libc::SIGKILL) };
            reaped(child.0);
        }
    }
    for dir in &cleanup.dirs {
        std::fs::remove_dir_all(dir).ok();
    }
}

/// Whether the child has exited (and is now reaped).
fn reaped(pid: libc::pid_t) -> bool {
    let mut status = 0;
    // SAFETY: waitpid on our own child with WNOHANG never blocks.
    let result = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
    result == pid || result == -1
}
