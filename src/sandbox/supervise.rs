//! Watching one launcher: its output read with caps and forwarded live, and the sandbox killed
//! from the inside out on wall time, cancel or an output flood.

use std::io::Write;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::unix::pipe::Receiver;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::backend::{CappedText, Chunk, ChunkSender, Job};
use super::cgroup::RunCgroup;
use super::error::SandboxError;
use super::explain::{self, Ended};
use super::protocol::Record;
use super::spawn::{self, Launcher};
use super::spec::{LaunchSpec, LaunchStatus};

const STATUS_CAP: usize = 64 * 1024;

/// What supervising the launcher found out.
pub struct Supervised {
    pub ended: Ended,
    pub stdout: String,
    pub stderr: String,
    pub records: Vec<Record>,
    pub error: Option<SandboxError>,
}

pub async fn supervise(
    exe: &Path,
    spec: &LaunchSpec,
    job: &Job,
    live: ChunkSender,
    cancel: CancellationToken,
    cgroup: Option<&RunCgroup>,
) -> Supervised {
    let spawned = match spawn_launcher(exe, spec).await {
        Ok(spawned) => spawned,
        Err(error) => return Supervised::broken(error),
    };
    let Spawned { mut child, stdout, stderr, results, status } = spawned;
    let flood = std::sync::Arc::new(Notify::new());
    let cap = job.limits.output_bytes;
    let out_task =
        tokio::spawn(read_stream(stdout, cap, live.clone(), Chunk::Stdout, flood.clone()));
    let err_task =
        tokio::spawn(read_stream(stderr, cap, live.clone(), Chunk::Stderr, flood.clone()));
    let records_task = tokio::task::spawn_blocking({
        let max = job.limits.result_bytes;
        move || explain::read_records(results, max, &live)
    });
    let status_task = tokio::task::spawn_blocking(move || explain::read_all(status, STATUS_CAP));
    let pid = Some(child.pid());
    let kill_reason = tokio::select! {
        _ = child.wait() => None,
        () = tokio::time::sleep(job.limits.wall) => Some(Ended::TimedOut),
        () = cancel.cancelled() => Some(Ended::Cancelled),
        () = flood.notified() => Some(Ended::OutputFlood),
    };
    if kill_reason.is_some() {
        stop_sandbox(pid, cgroup, &mut child).await;
    }
    let (stdout, stderr) = (join_text(out_task).await, join_text(err_task).await);
    let records = records_task.await.unwrap_or_default();
    let status_line = status_task.await.unwrap_or_default();
    let ended = kill_reason.unwrap_or_else(|| Ended::from_status(&status_line));
    let error = match &ended {
        Ended::Launcher(LaunchStatus::Failed { error }) => {
            Some(SandboxError::Launcher(error.clone()))
        }
        _ => None,
    };
    Supervised { ended, stdout, stderr, records, error }
}

impl Supervised {
    /// The launcher could not even be started.
    fn broken(error: SandboxError) -> Supervised {
        let (stdout, stderr, records) = (String::new(), String::new(), Vec::new());
        Supervised { ended: Ended::Broken, stdout, stderr, records, error: Some(error) }
    }
}

/// Kills the run from the inside out, so that every process is reaped by its own parent: every
/// process of the run's cgroup outside the launcher's process group (the container's init, and
/// with it the pid namespace) first; the launcher then reports and exits by itself. Killing the
/// launcher's group first orphans hakoniwa's helper and the container's init to the host's
/// pid 1, as zombies until it reaps them (never, when the server itself is pid 1).
async fn stop_sandbox(pid: Option<i32>, cgroup: Option<&RunCgroup>, child: &mut Launcher) {
    let Some(pid) = pid else {
        child.wait().await.ok();
        return;
    };
    if let Some(cgroup) = cgroup {
        let inside_out = async {
            loop {
                for p in cgroup.procs() {
                    // SAFETY: getpgid(2) and kill(2) on pids read from the run's own cgroup.
                    unsafe {
                        if libc::getpgid(p) != pid {
                            libc::kill(p, libc::SIGKILL);
                        }
                    }
                }
                tokio::select! {
                    _ = child.wait() => return,
                    () = tokio::time::sleep(Duration::from_millis(10)) => {}
                }
            }
        };
        if tokio::time::timeout(Duration::from_secs(2), inside_out).await.is_ok() {
            return;
        }
    }
    // SAFETY: kill(2) on the process group our own unreaped child leads.
    unsafe { libc::kill(-pid, libc::SIGKILL) };
    child.wait().await.ok();
}

/// Output pipes close when the sandbox is gone; a straggler holding one must not hang the run.
async fn join_text(task: tokio::task::JoinHandle<String>) -> String {
    let abort = task.abort_handle();
    match tokio::time::timeout(Duration::from_secs(5), task).await {
        Ok(text) => text.unwrap_or_default(),
        Err(_) => {
            abort.abort();
            String::new()
        }
    }
}

struct Spawned {
    child: Launcher,
    stdout: Receiver,
    stderr: Receiver,
    results: std::io::PipeReader,
    status: std::io::PipeReader,
}

/// Starts the launcher as root with the spec on stdin, the result pipe as fd 3 and the status
/// pipe as fd 4, in a process group of its own.
async fn spawn_launcher(exe: &Path, spec: &LaunchSpec) -> Result<Spawned, SandboxError> {
    let io = SandboxError::Spawn;
    let (stdin_r, mut stdin_w) = std::io::pipe().map_err(io)?;
    let (stdout, stdout_w) = std::io::pipe().map_err(io)?;
    let (stderr, stderr_w) = std::io::pipe().map_err(io)?;
    let (results, results_w) = std::io::pipe().map_err(io)?;
    let (status, status_w) = std::io::pipe().map_err(io)?;
    let child_ends: [OwnedFd; 5] =
        [stdin_r.into(), stdout_w.into(), stderr_w.into(), results_w.into(), status_w.into()];
    let [a, b, c, d, e] = &child_ends;
    let child = spawn::spawn(exe, [a, b, c, d, e]).map_err(io)?;
    drop(child_ends);
    let spec_json = serde_json::to_vec(spec).map_err(SandboxError::Spec)?;
    // A few KiB into an empty pipe: never blocks; the launcher reads it to EOF.
    stdin_w.write_all(&spec_json).map_err(io)?;
    drop(stdin_w);
    let stdout = Receiver::from_owned_fd(stdout.into()).map_err(io)?;
    let stderr = Receiver::from_owned_fd(stderr.into()).map_err(io)?;
    Ok(Spawned { child, stdout, stderr, results, status })
}

/// Reads a stream to its end: keeps `cap` bytes, forwards them live, signals a flood once.
async fn read_stream(
    mut pipe: impl AsyncRead + Unpin,
    cap: usize,
    live: ChunkSender,
    wrap: fn(String) -> Chunk,
    flood: std::sync::Arc<Notify>,
) -> String {
    let mut kept = CappedText::new(cap);
    let mut pending = Vec::new();
    let mut buffer = vec![0u8; 16 * 1024];
    let mut flooded = false;
    while let Ok(n) = pipe.read(&mut buffer).await {
        if n == 0 {
            break;
        }
        pending.extend_from_slice(&buffer[..n]);
        let text = explain::take_utf8(&mut pending);
        let shown = kept.push(&text).to_owned();
        if !shown.is_empty() {
            live.send(wrap(shown)).await.ok();
        }
        if kept.truncated() && !flooded {
            flooded = true;
            flood.notify_one();
        }
    }
    kept.into_string()
}
