//! What can go wrong around a run, on the server's side (`SandboxError`, `CgroupError`) and
//! inside the launcher (`LaunchError`), each error carrying its cause.

use std::error::Error;
use std::io;
use std::path::PathBuf;

use super::seccomp::SeccompError;
use super::spec::SpecError;

/// The server could not prepare, start or talk to the sandbox of a job.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("run folder {}", path.display())]
    RunDir {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("run cgroup")]
    Cgroup(#[from] CgroupError),
    #[error("preparing the run stopped")]
    Prepare(#[source] tokio::task::JoinError),
    #[error("spawn launcher")]
    Spawn(#[source] io::Error),
    #[error("spec for the launcher")]
    Spec(#[source] serde_json::Error),
    /// The launcher's own report on its status line (a `LaunchError`, already rendered).
    #[error("{0}")]
    Launcher(String),
}

/// A cgroup operation that failed, with the file it was about.
#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    #[error("cgroup: bad name {0:?}")]
    BadName(String),
    #[error("cgroup: no usable memory/pids controller")]
    NoController,
    #[error("cgroup: mkdir {}", path.display())]
    Mkdir {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cgroup: write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cgroup: read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cgroup: {0} processes survived SIGKILL")]
    Survivors(usize),
    #[error("cgroup: remove {}", path.display())]
    Remove {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// The launcher could not build the container or run the program in it.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("spec: read stdin")]
    ReadSpec(#[source] io::Error),
    #[error("spec")]
    ParseSpec(#[source] serde_json::Error),
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error("pin to CPUs {0:?}")]
    Pin(Vec<usize>, #[source] io::Error),
    #[error("cgroup join {}", path.display())]
    JoinCgroup {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A syscall that changes credentials or process flags failed.
    #[error("{call}")]
    Syscall {
        call: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("privileges not dropped: setuid(0) still works")]
    PrivilegesKept,
    #[error("server exited during launch")]
    ServerGone,
    #[error("{} is not readable by uid {uid}", path.display())]
    NotReadable { path: PathBuf, uid: u32 },
    #[error("{} is not writable by uid {uid}", path.display())]
    NotWritable { path: PathBuf, uid: u32 },
    #[error(transparent)]
    Seccomp(#[from] SeccompError),
    #[error("NUL in {0:?}")]
    Nul(String),
    #[error("{0} is not UTF-8")]
    NotUtf8(&'static str),
    #[error("copy {} into the container's root", path.display())]
    Copy {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("mkdir {}", path.display())]
    Mkdir {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("container failed")]
    Container(#[source] hakoniwa::Error),
    /// The container's init reported the step that failed before Python ran.
    #[error("container failed: {step}")]
    Init {
        step: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("container failed: setup failed before the program started (see stderr)")]
    InitNeverStarted,
    #[error("container failed: {0}")]
    Ended(String),
}

impl LaunchError {
    /// The error of a syscall that just failed, named by `call`.
    pub fn last_os(call: &'static str) -> LaunchError {
        LaunchError::Syscall { call, source: io::Error::last_os_error() }
    }
}

/// The error and its causes on one line (`a: b: c`), for the status line and the logs.
pub fn chain(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rendered_error_names_every_cause() {
        let error = SandboxError::RunDir {
            path: "/tmp/x".into(),
            source: io::Error::from_raw_os_error(libc::EACCES),
        };
        let text = chain(&error);
        assert!(text.starts_with("run folder /tmp/x: Permission denied"), "{text}");
    }
}
