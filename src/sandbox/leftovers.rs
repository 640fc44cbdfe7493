//! Cgroups that runs of an earlier, killed server left behind, found and removed at start.

use std::fs;
use std::path::Path;
use std::time::Duration;

use super::cgroup::{CGROUP_ROOT, CgroupMode, PARENT, detect, v1_dir};

/// Removes the cgroups that runs of a server killed before it could clean up left behind: those
/// older than `LEFTOVER_AGE` that hold no process (a run still going keeps its cgroup until a
/// later start, and a fresh one of another server on this host, not yet joined, is left alone).
/// How many went.
pub fn remove_leftovers() -> usize {
    let parents = match detect() {
        CgroupMode::V2 => vec![Path::new(CGROUP_ROOT).join(PARENT)],
        CgroupMode::V1 => ["memory", "pids", "cpuset"].map(|c| v1_dir(c).join(PARENT)).to_vec(),
        CgroupMode::None => Vec::new(),
    };
    parents.iter().map(|parent| remove_empty_children(parent, LEFTOVER_AGE)).sum()
}

/// Longer than any run may take: a cgroup this old and empty belongs to no run.
const LEFTOVER_AGE: Duration = Duration::from_secs(15 * 60);

/// Each child folder of `parent` at least `age` old whose `cgroup.procs` lists no process.
fn remove_empty_children(parent: &Path, age: Duration) -> usize {
    let Ok(children) = fs::read_dir(parent) else { return 0 };
    let old = |dir: &Path| {
        let modified = fs::metadata(dir).and_then(|m| m.modified());
        modified.is_ok_and(|at| at.elapsed().is_ok_and(|elapsed| elapsed >= age))
    };
    let empty = |dir: &Path| {
        fs::read_to_string(dir.join("cgroup.procs")).map_or(true, |procs| procs.trim().is_empty())
    };
    children
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|dir| dir.is_dir() && old(dir) && empty(dir))
        .filter(|dir| fs::remove_dir(dir).is_ok())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftover_cgroups_without_processes_are_removed_and_busy_ones_kept() {
        let parent = tempfile::tempdir().expect("a fake cgroup parent");
        let (gone, busy) = (parent.path().join("abandoned"), parent.path().join("running"));
        fs::create_dir(&gone).expect("a leftover cgroup");
        fs::create_dir(&busy).expect("a busy cgroup");
        fs::write(busy.join("cgroup.procs"), "4242\n").expect("its process");
        assert_eq!(remove_empty_children(parent.path(), Duration::from_secs(3600)), 0, "too new");
        assert_eq!(remove_empty_children(parent.path(), Duration::ZERO), 1);
        assert!(!gone.exists() && busy.exists());
    }
}
