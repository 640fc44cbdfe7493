//! Running hostile Python: the backend trait, the real isolation (launcher, container, seccomp,
//! cgroups), the fake for tests, the host probes of `gil-lab doctor`, and the Python harness.

mod backend;
pub mod cgroup;
mod cgroupfs;
mod container;
pub mod cpuset;
mod devfs;
mod error;
mod explain;
mod fake;
mod init;
mod kernel_probe;
mod launcher;
mod leftovers;
pub mod limits;
pub mod probe;
pub mod protocol;
mod python;
mod real;
mod rootfs;
mod run_dir;
mod seccomp;
mod spawn;
pub mod spec;
mod supervise;

use std::path::PathBuf;
use std::sync::Arc;

pub use backend::{
    Backend, CappedText, Chunk, ChunkSender, Ending, GIL_TIMELINE, HARNESS, Job, JobId, Outcome,
};
pub use cpuset::CpuSet;
pub use error::{CgroupError, LaunchError, SandboxError};
pub use fake::FakeBackend;
pub use launcher::run_launcher;
pub use limits::{Limit, RunLimits};
pub use python::resolve_python;
pub use real::SandboxBackend;

/// What the real backend takes from the server's configuration; the rest it finds out.
#[derive(Debug, Clone)]
pub struct SandboxSettings {
    /// The `gil-lab` binary the launcher is started from (`/proc/self/exe` in the server).
    pub exe: PathBuf,
    /// The interpreter asked for; it must resolve to one under `/usr`.
    pub python: PathBuf,
    /// Host uid and gid the programs run as (never root).
    pub uid: u32,
    /// The GIL recorder's period in µs, 0 for none (`--gil-sample-us`).
    pub gil_sample_us: u32,
}

/// The isolating backend for this server, after logging which layers the host offers.
pub fn real_backend(settings: &SandboxSettings) -> anyhow::Result<Arc<dyn Backend>> {
    let python = resolve_python(&settings.python)?;
    let probes = probe::probe_all(settings.uid, &python);
    for p in &probes {
        match p.status {
            probe::ProbeStatus::Ok => {
                tracing::info!(layer = p.layer, detail = %p.detail, "sandbox layer")
            }
            _ => {
                tracing::warn!(layer = p.layer, detail = %p.detail, fix = %p.fix, "sandbox layer {:?}", p.status)
            }
        }
    }
    if !probe::all_required_present(&probes) {
        tracing::error!(
            "a required sandbox layer is missing: runs will fail until it is fixed (see `gil-lab doctor`)"
        );
    }
    let use_cgroups = cgroup::detect() != cgroup::CgroupMode::None
        && probe::running_as_root().status == probe::ProbeStatus::Ok;
    if !use_cgroups {
        tracing::warn!(
            "no per-run cgroup: memory across a run's processes is bounded only per process"
        );
    } else {
        let removed = leftovers::remove_leftovers();
        tracing::info!(removed, "cgroups left by runs of an earlier server removed");
    }
    let backend = SandboxBackend {
        exe: settings.exe.clone(),
        python,
        uid: settings.uid,
        runs_dir: runs_dir()?,
        use_cgroups,
        gil_sample_us: settings.gil_sample_us,
    };
    Ok(Arc::new(backend))
}

/// `/tmp/gil-lab-runs/<pid>`: this server's run folders; those of dead servers are removed.
pub fn runs_dir() -> anyhow::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let root = std::env::temp_dir().join("gil-lab-runs");
    std::fs::create_dir_all(&root)?;
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755))?;
    for entry in std::fs::read_dir(&root)?.flatten() {
        let alive = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
            .is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            std::fs::remove_dir_all(entry.path()).ok();
        }
    }
    let dir = root.join(std::process::id().to_string());
    std::fs::create_dir_all(&dir)?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))?;
    Ok(dir)
}
