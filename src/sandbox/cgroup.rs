//! Per-run cgroups (v1 memory+pids(+cpuset), or v2): create with limits and a CPU slot, tell the launcher what to join,
//! read the stats, kill what is left, remove. Only std::fs; errors are `CgroupError`,
//! never panics.

use std::ffi::CString;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::cgroupfs::{make_dir, read_key, read_u64, write, write_optional, write_str};
use super::cpuset::{self, CpuSet};
use super::error::{CgroupError, chain};
use super::limits::CgroupLimits;

pub(super) const CGROUP_ROOT: &str = "/sys/fs/cgroup";
/// Parent of every run's cgroup, so an operator can find (and clean) them in one place.
pub(super) const PARENT: &str = "gil-lab";
const CGROUP2_SUPER_MAGIC: i64 = 0x6367_7270;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgroupMode {
    /// Legacy or hybrid hierarchy: separate `memory` and `pids` mounts (a cgroup2 mount at
    /// `/sys/fs/cgroup/unified` carries no controllers, so hybrid counts as v1).
    V1,
    /// Unified hierarchy mounted at /sys/fs/cgroup.
    V2,
    /// Neither controller is usable: only rlimits bound the run.
    None,
}

/// What a finished run used, read before the cgroup is removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CgroupStats {
    pub peak_memory_bytes: Option<u64>,
    /// Processes the kernel OOM-killed because the run hit its memory limit.
    pub oom_kills: u64,
    /// fork/clone calls refused because the run hit its pids limit.
    pub pids_max_hits: u64,
}

pub fn detect() -> CgroupMode {
    match statfs_magic(CGROUP_ROOT) {
        Some(CGROUP2_SUPER_MAGIC) => CgroupMode::V2,
        Some(_) if v1_dir("memory").is_dir() && v1_dir("pids").is_dir() => CgroupMode::V1,
        _ => CgroupMode::None,
    }
}

fn statfs_magic(path: &str) -> Option<i64> {
    let c_path = CString::new(path).ok()?;
    let mut buf: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: a valid NUL-terminated path and a properly sized out-buffer.
    let rc = unsafe { libc::statfs(c_path.as_ptr(), &mut buf) };
    (rc == 0).then_some(buf.f_type as i64)
}

pub(super) fn v1_dir(controller: &str) -> PathBuf {
    Path::new(CGROUP_ROOT).join(controller)
}

/// How long emptying a cgroup may take before its survivors are reported.
const KILL_TIMEOUT: Duration = Duration::from_secs(3);

/// One run's cgroup(s). Dropping it kills what is left in it and removes it.
#[derive(Debug)]
pub struct RunCgroup {
    mode: CgroupMode,
    /// v1: [memory dir, pids dir, cpuset dir if the run has a slot]; v2: [the run's dir].
    dirs: Vec<PathBuf>,
}

impl RunCgroup {
    /// Creates the run's cgroup with a memory limit (swap included), a pids limit and, given a
    /// slot, its CPUs where a cpuset controller exists. Needs root (or a delegated v2 subtree).
    /// `name` must be a single path component.
    pub fn create(
        name: &str,
        limits: CgroupLimits,
        cpus: Option<&CpuSet>,
    ) -> Result<Self, CgroupError> {
        let CgroupLimits { memory_bytes, max_pids } = limits;
        if name.is_empty() || name.contains(['/', '\0']) || name.starts_with('.') {
            return Err(CgroupError::BadName(name.to_owned()));
        }
        match detect() {
            CgroupMode::V1 => Self::create_v1(name, memory_bytes, max_pids, cpus),
            CgroupMode::V2 => Self::create_v2(name, memory_bytes, max_pids, cpus),
            CgroupMode::None => Err(CgroupError::NoController),
        }
    }

    fn create_v1(
        name: &str,
        memory_bytes: u64,
        max_pids: u64,
        cpus: Option<&CpuSet>,
    ) -> Result<Self, CgroupError> {
        let memory = v1_dir("memory").join(PARENT).join(name);
        let pids = v1_dir("pids").join(PARENT).join(name);
        let mut cgroup = Self { mode: CgroupMode::V1, dirs: vec![memory.clone(), pids.clone()] };
        let setup = || -> Result<(), CgroupError> {
            make_dir(&memory)?;
            make_dir(&pids)?;
            write(&memory.join("memory.limit_in_bytes"), memory_bytes)?;
            // Without swap accounting (no memsw files) the limit above still holds for RAM.
            write_optional(&memory.join("memory.memsw.limit_in_bytes"), memory_bytes)?;
            write(&pids.join("pids.max"), max_pids)
        };
        // On failure `cgroup` drops here and removes what was made.
        setup()?;
        if let Some(cpus) = cpus {
            let root = Path::new(CGROUP_ROOT);
            // Pushed before it is filled, so a half-made cpuset folder is removed too.
            cgroup.dirs.push(v1_dir("cpuset").join(PARENT).join(name));
            if cpuset::create_v1(root, PARENT, name, cpus)?.is_none() {
                cgroup.dirs.pop();
            }
        }
        Ok(cgroup)
    }

    fn create_v2(
        name: &str,
        memory_bytes: u64,
        max_pids: u64,
        cpus: Option<&CpuSet>,
    ) -> Result<Self, CgroupError> {
        let parent = Path::new(CGROUP_ROOT).join(PARENT);
        let dir = parent.join(name);
        let cgroup = Self { mode: CgroupMode::V2, dirs: vec![dir.clone()] };
        let setup = || -> Result<(), CgroupError> {
            make_dir(&parent)?;
            // Controllers must be enabled on every level above the run's cgroup.
            write_str(&Path::new(CGROUP_ROOT).join("cgroup.subtree_control"), "+memory +pids")?;
            write_str(&parent.join("cgroup.subtree_control"), "+memory +pids")?;
            make_dir(&dir)?;
            write(&dir.join("memory.max"), memory_bytes)?;
            write_optional(&dir.join("memory.swap.max"), 0)?;
            write(&dir.join("pids.max"), max_pids)?;
            if let Some(cpus) = cpus {
                cpuset::limit_v2(Path::new(CGROUP_ROOT), &parent, &dir, cpus)?;
            }
            Ok(())
        };
        // On failure `cgroup` drops here and removes what was made.
        setup()?;
        Ok(cgroup)
    }

    pub fn mode(&self) -> CgroupMode {
        self.mode
    }

    /// Files the launcher writes `0` into (as root, before dropping privileges). v1 `tasks`
    /// moves only the calling thread but skips the RCU wait that `cgroup.procs` costs.
    pub fn join_files(&self) -> Vec<PathBuf> {
        let file = if self.mode == CgroupMode::V1 { "tasks" } else { "cgroup.procs" };
        self.dirs.iter().map(|d| d.join(file)).collect()
    }

    /// Pids still in the run's cgroup(s), deduplicated.
    pub fn procs(&self) -> Vec<i32> {
        let mut pids: Vec<i32> = self
            .dirs
            .iter()
            .filter_map(|d| fs::read_to_string(d.join("cgroup.procs")).ok())
            .flat_map(|text| text.lines().filter_map(|l| l.trim().parse().ok()).collect::<Vec<_>>())
            .collect();
        pids.sort_unstable();
        pids.dedup();
        pids
    }

    pub fn stats(&self) -> CgroupStats {
        let Some(first) = self.dirs.first() else {
            return CgroupStats::default();
        };
        let pids_dir = self.dirs.get(1).unwrap_or(first);
        match self.mode {
            CgroupMode::V1 => CgroupStats {
                peak_memory_bytes: read_u64(&first.join("memory.max_usage_in_bytes")),
                oom_kills: read_key(&first.join("memory.oom_control"), "oom_kill").unwrap_or(0),
                pids_max_hits: read_key(&pids_dir.join("pids.events"), "max").unwrap_or(0),
            },
            _ => CgroupStats {
                peak_memory_bytes: read_u64(&first.join("memory.peak")),
                oom_kills: read_key(&first.join("memory.events"), "oom_kill").unwrap_or(0),
                pids_max_hits: read_key(&first.join("pids.events"), "max").unwrap_or(0),
            },
        }
    }

    /// SIGKILLs everything in the cgroup and waits until it is empty (or `timeout` passes).
    /// v1 has no atomic kill: re-read and kill until a read comes back empty; the pids limit
    /// bounds how many a fork race can add.
    pub fn kill_all(&self, timeout: Duration) -> Result<(), CgroupError> {
        let deadline = Instant::now() + timeout;
        if let (CgroupMode::V2, Some(dir)) = (self.mode, self.dirs.first()) {
            write_str(&dir.join("cgroup.kill"), "1")?;
        }
        loop {
            let pids = self.procs();
            if pids.is_empty() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(CgroupError::Survivors(pids.len()));
            }
            for pid in pids {
                // SAFETY: kill(2) on a pid read from the run's own cgroup.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Kills what is left and reads what the run used, before the cgroup is removed.
    pub fn empty_and_measure(&self) -> CgroupStats {
        if let Err(error) = self.kill_all(KILL_TIMEOUT) {
            tracing::error!(error = %chain(&error), "processes of a run survived");
        }
        self.stats()
    }
}

impl Drop for RunCgroup {
    /// A cgroup with processes cannot be removed (EBUSY): empty it first, if it is not yet.
    fn drop(&mut self) {
        if !self.procs().is_empty()
            && let Err(error) = self.kill_all(KILL_TIMEOUT)
        {
            tracing::error!(error = %chain(&error), "processes of a run survived");
        }
        for dir in &self.dirs {
            match fs::remove_dir(dir) {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(source) => {
                    let error = CgroupError::Remove { path: dir.clone(), source };
                    tracing::warn!(error = %chain(&error), "cgroup not removed");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_with_a_slash_is_refused() {
        let limits = CgroupLimits { memory_bytes: 1 << 20, max_pids: 8 };
        assert!(RunCgroup::create("../escape", limits, None).is_err());
    }

    #[test]
    fn a_cgroup_is_removed_when_it_is_dropped_even_on_a_panic() {
        let root = tempfile::tempdir().expect("a fake cgroup root");
        let dirs = vec![root.path().join("memory-run"), root.path().join("pids-run")];
        for dir in &dirs {
            fs::create_dir(dir).expect("a fake cgroup folder");
        }
        drop(RunCgroup { mode: CgroupMode::V1, dirs: dirs[..1].to_vec() });
        assert!(!dirs[0].exists(), "dropped: removed");
        let owned = RunCgroup { mode: CgroupMode::V1, dirs: dirs[1..].to_vec() };
        let panicked = std::panic::catch_unwind(move || {
            let _cgroup = owned;
            panic!("the run's owner fails half-way");
        });
        assert!(panicked.is_err());
        assert!(!dirs[1].exists(), "unwound: removed");
    }
}
