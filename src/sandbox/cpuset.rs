//! Core slots: the fixed set of CPUs a run may use, how the host's CPUs split into slots, and
//! how a run is held to its slot (a cgroup cpuset, v1 or v2, or the launcher's affinity).

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::CgroupError;

/// The most CPUs `sched_setaffinity` takes through a `cpu_set_t`.
pub const MAX_CPU: usize = libc::CPU_SETSIZE as usize;

/// A non-empty set of CPU numbers, in order, without repeats.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<usize>", into = "Vec<usize>")]
pub struct CpuSet(Vec<usize>);

impl CpuSet {
    /// `None` when `cpus` is empty or names a CPU beyond what affinity can express.
    pub fn new(mut cpus: Vec<usize>) -> Option<CpuSet> {
        cpus.sort_unstable();
        cpus.dedup();
        (!cpus.is_empty() && cpus.iter().all(|&cpu| cpu < MAX_CPU)).then_some(CpuSet(cpus))
    }

    pub fn cpus(&self) -> &[usize] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl TryFrom<Vec<usize>> for CpuSet {
    type Error = &'static str;

    fn try_from(cpus: Vec<usize>) -> Result<Self, Self::Error> {
        CpuSet::new(cpus).ok_or("a CPU set must be non-empty and below CPU_SETSIZE")
    }
}

impl From<CpuSet> for Vec<usize> {
    fn from(set: CpuSet) -> Vec<usize> {
        set.0
    }
}

/// The kernel's list format (`0-1,4`), as `cpuset.cpus` takes it and a result shows it.
impl fmt::Display for CpuSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (cpus, mut parts, mut i) = (&self.0, Vec::new(), 0);
        while i < cpus.len() {
            let start = cpus[i];
            while cpus.get(i + 1) == Some(&(cpus[i] + 1)) {
                i += 1;
            }
            let end = cpus[i];
            parts.push(if start == end { start.to_string() } else { format!("{start}-{end}") });
            i += 1;
        }
        f.write_str(&parts.join(","))
    }
}

/// How many runs of `per_run` CPUs fit on `cpus` CPUs: at least one, even when none fits whole.
pub fn slot_count(cpus: usize, per_run: usize) -> usize {
    (cpus / per_run.max(1)).max(1)
}

/// The slot of each of `count` workers: slot `i` is the `i`-th run of `per_run` CPUs of
/// `cpus`. A worker for which no whole slot is left (more workers than fit, or a run wanting
/// more CPUs than the host has) gets `None` and runs unpinned, on any CPU.
pub fn slots(cpus: &[usize], per_run: usize, count: usize) -> Vec<Option<CpuSet>> {
    let per_run = per_run.max(1);
    (0..count)
        .map(|i| cpus.get(i * per_run..(i + 1) * per_run).and_then(|s| CpuSet::new(s.to_vec())))
        .collect()
}

/// The CPUs this process may run on (its affinity mask), in order: on a host where the server
/// was itself given some CPUs only, slots are cut from those.
pub fn host_cpus() -> Vec<usize> {
    // SAFETY: a zeroed cpu_set_t is a valid empty set; sched_getaffinity fills it.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<libc::cpu_set_t>();
    // SAFETY: pid 0 is this thread; `set` is `size` bytes.
    if unsafe { libc::sched_getaffinity(0, size, &mut set) } != 0 {
        let n = std::thread::available_parallelism().map_or(1, usize::from);
        return (0..n).collect();
    }
    // SAFETY: CPU_ISSET reads within the set for every index below CPU_SETSIZE.
    (0..MAX_CPU).filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) }).collect()
}

/// Holds the calling thread (and what it forks and execs) to `cpus`. The launcher does it as
/// well as the cgroup, so a host without a cpuset controller still keeps runs in their slots.
pub fn pin_current(cpus: &[usize]) -> std::io::Result<()> {
    // SAFETY: a zeroed cpu_set_t is a valid empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for &cpu in cpus.iter().filter(|&&cpu| cpu < MAX_CPU) {
        // SAFETY: `cpu` is below CPU_SETSIZE.
        unsafe { libc::CPU_SET(cpu, &mut set) };
    }
    let size = std::mem::size_of::<libc::cpu_set_t>();
    // SAFETY: pid 0 is this thread; `set` is `size` bytes.
    match unsafe { libc::sched_setaffinity(0, size, &set) } {
        0 => Ok(()),
        _ => Err(std::io::Error::last_os_error()),
    }
}

/// v1: the run's folder in the separate `cpuset` hierarchy, limited to `cpus`. A new cpuset
/// starts with no CPUs and no memory nodes, and a child may only use what its parent has, so
/// the parent's are copied down from the root first. `None` where the hierarchy is not mounted.
pub fn create_v1(root: &Path, parent: &str, name: &str, cpus: &CpuSet) -> CpusetDir {
    let hierarchy = root.join("cpuset");
    if !hierarchy.is_dir() {
        return Ok(None);
    }
    let (parent, dir) = (hierarchy.join(parent), hierarchy.join(parent).join(name));
    make_dir(&parent)?;
    for file in ["cpuset.cpus", "cpuset.mems"] {
        if read(&parent.join(file))?.is_empty() {
            write(&parent.join(file), &read(&hierarchy.join(file))?)?;
        }
    }
    make_dir(&dir)?;
    write(&dir.join("cpuset.cpus"), &cpus.to_string())?;
    write(&dir.join("cpuset.mems"), &read(&parent.join("cpuset.mems"))?)?;
    Ok(Some(dir))
}

/// v1's run folder in the cpuset hierarchy, if there is one.
pub type CpusetDir = Result<Option<PathBuf>, CgroupError>;

/// v2: limits the run's cgroup `dir` to `cpus`, once `+cpuset` is enabled on every level above
/// it. False where the controller cannot be enabled (not delegated): the affinity still holds.
pub fn limit_v2(
    root: &Path,
    parent: &Path,
    dir: &Path,
    cpus: &CpuSet,
) -> Result<bool, CgroupError> {
    let enabled = [root, parent]
        .iter()
        .all(|level| fs::write(level.join("cgroup.subtree_control"), "+cpuset").is_ok());
    if !enabled || !dir.join("cpuset.cpus").exists() {
        return Ok(false);
    }
    write(&dir.join("cpuset.cpus"), &cpus.to_string())?;
    let mems = read(&parent.join("cpuset.mems.effective"))?;
    write(&dir.join("cpuset.mems"), &mems)?;
    Ok(true)
}

fn make_dir(dir: &Path) -> Result<(), CgroupError> {
    fs::create_dir_all(dir).map_err(|source| CgroupError::Mkdir { path: dir.into(), source })
}

fn write(path: &Path, value: &str) -> Result<(), CgroupError> {
    fs::write(path, value).map_err(|source| CgroupError::Write { path: path.into(), source })
}

fn read(path: &Path) -> Result<String, CgroupError> {
    fs::read_to_string(path)
        .map(|text| text.trim().to_owned())
        .map_err(|source| CgroupError::Read { path: path.into(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_prints_in_the_kernels_list_format() {
        let set = |cpus: &[usize]| CpuSet::new(cpus.to_vec()).expect("a set").to_string();
        assert_eq!(set(&[1, 0]), "0-1");
        assert_eq!(set(&[3]), "3");
        assert_eq!(set(&[0, 1, 2, 5, 7, 8]), "0-2,5,7-8");
        assert!(CpuSet::new(Vec::new()).is_none());
        assert!(CpuSet::new(vec![MAX_CPU]).is_none());
    }

    #[test]
    fn slots_are_consecutive_runs_of_the_hosts_cpus() {
        let host: Vec<usize> = (0..8).collect();
        let cut = slots(&host, 2, slot_count(host.len(), 2));
        let lists: Vec<String> = cut.iter().flatten().map(CpuSet::to_string).collect();
        assert_eq!(lists, ["0-1", "2-3", "4-5", "6-7"]);
        assert_eq!(slots(&[0, 1], 1, 2)[1].as_ref().map(CpuSet::to_string).as_deref(), Some("1"));
    }

    #[test]
    fn a_host_smaller_than_a_slot_still_runs_one_at_a_time() {
        assert_eq!(slot_count(2, 2), 1);
        assert_eq!(slot_count(1, 2), 1, "a run wanting more cores than there are still runs");
        assert_eq!(slot_count(3, 2), 1, "a leftover core is not a slot");
        assert_eq!(slots(&[0], 2, 1), [None], "unpinned when no whole slot fits");
        assert_eq!(slots(&[0, 1], 2, 3)[2], None, "workers beyond the slots run unpinned");
    }

    #[test]
    fn this_process_may_run_on_some_cpu() {
        assert!(!host_cpus().is_empty());
    }
}
