//! The launcher protocol: what the server sends on stdin (`LaunchSpec`) and the one status line
//! the launcher writes back on fd 4 (`LaunchStatus`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::cpuset::MAX_CPU;
use super::limits::{Resource, Rlimit};

/// Dedicated uid/gid for sandboxed programs. Not `nobody` (65534): a dumpable launcher can be
/// ptraced by any other host process of the same uid. No /etc/passwd entry is needed.
pub const DEFAULT_SANDBOX_UID: u32 = 61337;
pub const DEFAULT_SANDBOX_GID: u32 = 61337;

/// Where the run's program directory appears inside the sandbox (read-only).
pub const SANDBOX_DIR: &str = "/sandbox";

/// The fd that carries the harness's JSON lines, in the launcher and inside Python alike.
pub const RESULT_FD: i32 = 3;
/// The fd the launcher writes its final `LaunchStatus` line to; never visible inside Python.
pub const STATUS_FD: i32 = 4;

/// `-I` implies `-P`: neither the script's directory nor PYTHONPATH reaches `sys.path`. This
/// bootstrap puts /sandbox first (so `import gil_lab` works, also in spawn/forkserver children,
/// which inherit the parent's `sys.path`) and runs main.py as `__main__`, with `__file__` set so
/// spawn/forkserver can re-import it. `exec` instead of `runpy.run_path`: runpy's imports cost
/// 8 ms per run on this machine, `exec` 0.9 ms.
pub const BOOTSTRAP: &str = "import sys\n\
sys.path.insert(0, '/sandbox')\n\
sys.argv[0] = __file__ = '/sandbox/main.py'\n\
exec(compile(open(__file__, 'rb').read(), __file__, 'exec'))\n";

/// Everything the launcher needs for one run. Paths are host paths, written by the server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LaunchSpec {
    /// Interpreter, e.g. `/usr/bin/python3`; must live under `/usr` (the only tree mounted).
    pub python: PathBuf,
    /// Arguments after the interpreter, e.g. `LaunchSpec::default_args()`.
    pub args: Vec<String>,
    /// Host directory whose files (main.py, gil_lab.py, config.json) the launcher copies into
    /// the container's root at `/sandbox`, read-only there.
    pub program_dir: PathBuf,
    /// Empty host directory: the launcher mounts the container's root, a tmpfs, over it in a
    /// mount namespace of its own (see `rootfs`), so nothing is written to it on the host.
    pub work_dir: PathBuf,
    pub uid: u32,
    pub gid: u32,
    /// Added to the fixed environment (PATH, HOME, PYTHONUNBUFFERED, PYTHONPATH).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Every rlimit of the container's processes (see `RunLimits::rlimits`).
    pub rlimits: Vec<Rlimit>,
    /// Size of each of the two tmpfs mounts (`/tmp`, `/dev/shm`).
    pub tmpfs_bytes: u64,
    /// Files the launcher writes `0` into, as root, to join the run's cgroups before it drops
    /// privileges: v1 `tasks` files, or a v2 `cgroup.procs`. See `RunCgroup::join_files`.
    #[serde(default)]
    pub cgroup_join: Vec<PathBuf>,
    /// The CPUs of the run's slot: the launcher pins itself to them before anything forks, so
    /// the run stays there also where no cpuset controller does it. Empty: any CPU.
    #[serde(default)]
    pub cpus: Vec<usize>,
}

impl LaunchSpec {
    /// `-I` isolates from the environment and user site; `-u` because `-I` ignores
    /// PYTHONUNBUFFERED and output must survive a kill; `-B` writes no .pyc into the read-only
    /// tree; frozen modules keep start-up fast.
    pub fn default_args() -> Vec<String> {
        ["-I", "-u", "-B", "-X", "frozen_modules=on", "-c", BOOTSTRAP]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    /// Rejects a spec the launcher must not act on.
    pub fn validate(&self) -> Result<(), SpecError> {
        if self.uid == 0 || self.gid == 0 {
            return Err(SpecError::Root);
        }
        for (name, path) in [
            ("python", &self.python),
            ("program_dir", &self.program_dir),
            ("work_dir", &self.work_dir),
        ] {
            if !path.is_absolute() {
                return Err(SpecError::Relative(name));
            }
        }
        if !self.python.starts_with("/usr") {
            return Err(SpecError::PythonOutsideUsr);
        }
        for (key, value) in &self.env {
            let bad_key = key.is_empty() || key.contains(['=', '\0']);
            if bad_key || value.contains('\0') {
                return Err(SpecError::BadEnv(key.clone()));
            }
        }
        // The launcher writes to these as root: keep them inside the cgroup filesystem.
        for path in &self.cgroup_join {
            let name = path.file_name().and_then(|n| n.to_str());
            let inside =
                path.starts_with("/sys/fs/cgroup/") && !path.to_string_lossy().contains("..");
            if !inside || !matches!(name, Some("tasks" | "cgroup.procs")) {
                return Err(SpecError::BadJoinFile(path.clone()));
            }
        }
        // A spec without one of them would run that resource unbounded.
        for resource in Resource::ALL {
            if !self.rlimits.iter().any(|r| r.resource == resource) {
                return Err(SpecError::MissingRlimit(resource));
            }
        }
        if self.cpus.iter().any(|&cpu| cpu >= MAX_CPU) {
            return Err(SpecError::BadCpu);
        }
        if self.args.iter().any(|a| a.contains('\0')) {
            return Err(SpecError::NulArgument);
        }
        Ok(())
    }
}

/// Why the launcher refused a spec.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("spec: uid and gid must not be 0")]
    Root,
    #[error("spec: {0} must be an absolute path")]
    Relative(&'static str),
    #[error("spec: python must live under /usr (the only tree in the sandbox)")]
    PythonOutsideUsr,
    #[error("spec: bad environment entry {0:?}")]
    BadEnv(String),
    #[error("spec: bad cgroup join file {}", .0.display())]
    BadJoinFile(PathBuf),
    #[error("spec: rlimit {0:?} missing")]
    MissingRlimit(Resource),
    #[error("spec: a CPU beyond CPU_SETSIZE")]
    BadCpu,
    #[error("spec: an argument contains NUL")]
    NulArgument,
}

/// The launcher's one final line on fd 4. Exactly one of the shapes
/// `{"exit_code":0}`, `{"signal":9}`, `{"error":"…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LaunchStatus {
    /// Python exited by itself with this code.
    Exited { exit_code: i32 },
    /// Python was killed by this signal (9: SIGKILL, e.g. OOM; 24: SIGXCPU, the CPU limit).
    Signaled { signal: i32 },
    /// The container could not be built or run; the program's own status is unknown.
    Failed { error: String },
}

impl LaunchStatus {
    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self)
            .unwrap_or_else(|_| r#"{"error":"status serialization failed"}"#.to_string());
        line.push('\n');
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_serialize_to_the_documented_shapes() {
        assert_eq!(LaunchStatus::Exited { exit_code: 0 }.to_line(), "{\"exit_code\":0}\n");
        assert_eq!(LaunchStatus::Signaled { signal: 9 }.to_line(), "{\"signal\":9}\n");
        let back: LaunchStatus =
            serde_json::from_str(r#"{"error":"x"}"#).expect("a failed status parses");
        assert_eq!(back, LaunchStatus::Failed { error: "x".into() });
    }

    #[test]
    fn a_spec_running_as_root_is_rejected() {
        let spec = LaunchSpec {
            python: "/usr/bin/python3".into(),
            args: LaunchSpec::default_args(),
            program_dir: "/tmp/p".into(),
            work_dir: "/tmp/w".into(),
            uid: 0,
            gid: DEFAULT_SANDBOX_GID,
            env: BTreeMap::new(),
            rlimits: vec![],
            tmpfs_bytes: 64 << 20,
            cgroup_join: vec![],
            cpus: vec![],
        };
        assert_eq!(spec.validate(), Err(SpecError::Root));
    }
}
