//! How busy the machine — or a run's own slot of CPUs — was while a run executed, so a
//! disturbed measurement is flagged and a neighbour slot's load is not.

use std::time::Instant;

use crate::sandbox::CpuSet;

/// Busy and total CPU time, in clock ticks, from `/proc/stat`: of the whole machine, or of a
/// set of CPUs (the sum of their `cpuN` lines).
#[derive(Debug, Clone, Copy)]
pub struct CpuSnapshot {
    busy: u64,
    total: u64,
}

impl CpuSnapshot {
    /// The whole machine.
    pub fn take() -> Option<CpuSnapshot> {
        Self::take_of(None)
    }

    /// The CPUs of `cpus`, or the whole machine for `None`.
    pub fn take_of(cpus: Option<&CpuSet>) -> Option<CpuSnapshot> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        match cpus {
            None => parse(&stat),
            Some(set) => parse_cpus(&stat, set.cpus()),
        }
    }

    /// Cores kept busy on average since `earlier` (by everything, the run included), out of
    /// the `cores` this snapshot covers.
    pub fn busy_cores_since(&self, earlier: &CpuSnapshot, cores: usize) -> f64 {
        let total = self.total.saturating_sub(earlier.total);
        if total == 0 {
            return 0.0;
        }
        let busy = self.busy.saturating_sub(earlier.busy);
        busy as f64 / total as f64 * cores as f64
    }
}

/// The aggregate `cpu ` line.
fn parse(stat: &str) -> Option<CpuSnapshot> {
    stat.lines().find(|l| l.starts_with("cpu ")).and_then(parse_line)
}

/// The sum of the `cpuN` lines of `cpus`; `None` if one of them is missing (offline).
fn parse_cpus(stat: &str, cpus: &[usize]) -> Option<CpuSnapshot> {
    let mut sum = CpuSnapshot { busy: 0, total: 0 };
    for cpu in cpus {
        let name = format!("cpu{cpu}");
        let line = stat.lines().find(|l| l.split_whitespace().next() == Some(name.as_str()))?;
        let one = parse_line(line)?;
        sum = CpuSnapshot { busy: sum.busy + one.busy, total: sum.total + one.total };
    }
    Some(sum)
}

fn parse_line(line: &str) -> Option<CpuSnapshot> {
    let fields: Vec<u64> = line.split_whitespace().skip(1).filter_map(|f| f.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let total: u64 = fields.iter().take(8).sum();
    let idle = fields.get(3)? + fields.get(4).unwrap_or(&0);
    Some(CpuSnapshot { busy: total.saturating_sub(idle), total })
}

/// Cores others may keep busy beside a run before it counts as contended.
pub const CONTENDED_CORES: f64 = 0.25;

/// The cores other programs kept busy beside a run: all busy cores less the run's own.
pub fn others_cores(busy_cores: f64, own_cpu_s: f64, wall_s: f64) -> f64 {
    if wall_s <= 0.0 {
        return 0.0;
    }
    (busy_cores - own_cpu_s / wall_s).max(0.0)
}

/// A run is contended when others kept more than a quarter of a core busy beside it.
pub fn contended(busy_cores: f64, own_cpu_s: f64, wall_s: f64) -> bool {
    others_cores(busy_cores, own_cpu_s, wall_s) > CONTENDED_CORES
}

/// Watches the CPUs a run may use (its slot, or the whole machine) from its start to its end.
pub struct LoadWatch {
    cpus: Option<CpuSet>,
    before: Option<CpuSnapshot>,
    started: Instant,
}

impl LoadWatch {
    pub fn start(cpus: Option<&CpuSet>) -> LoadWatch {
        let before = CpuSnapshot::take_of(cpus);
        LoadWatch { cpus: cpus.cloned(), before, started: Instant::now() }
    }

    /// How many of the run's cores others kept busy, given the CPU time the run measured.
    pub fn others_cores(&self, own_cpu_s: f64) -> f64 {
        let wall = self.started.elapsed().as_secs_f64();
        let cores = match &self.cpus {
            Some(set) => set.len(),
            None => std::thread::available_parallelism().map_or(1, usize::from),
        };
        let busy = match (self.before, CpuSnapshot::take_of(self.cpus.as_ref())) {
            (Some(before), Some(after)) => after.busy_cores_since(&before, cores),
            _ => 0.0,
        };
        others_cores(busy, own_cpu_s, wall)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_cores_come_from_the_difference_of_two_snapshots() {
        let before = parse("cpu  100 0 100 800 0 0 0 0 0 0\n").expect("parse");
        let after = parse("cpu  150 0 150 900 0 0 0 0 0 0\n").expect("parse");
        assert!((after.busy_cores_since(&before, 2) - 1.0).abs() < 1e-9);
        assert!(contended(1.0, 0.5, 1.0));
        assert!(!contended(1.0, 0.9, 1.0));
    }

    const BEFORE: &str = "cpu  200 0 0 200 0 0 0 0 0 0\n\
        cpu0 100 0 0 100 0 0 0 0 0 0\ncpu1 100 0 0 100 0 0 0 0 0 0\ncpu10 0 0 0 0 0 0 0 0 0 0\n";
    /// cpu0 idle throughout; cpu1 (the neighbour's) fully busy.
    const AFTER: &str = "cpu  300 0 0 300 0 0 0 0 0 0\n\
        cpu0 100 0 0 200 0 0 0 0 0 0\ncpu1 200 0 0 100 0 0 0 0 0 0\ncpu10 0 0 0 0 0 0 0 0 0 0\n";

    #[test]
    fn a_neighbour_slots_load_does_not_reach_this_slots_cpus() {
        let (before, after) = (parse_cpus(BEFORE, &[0]), parse_cpus(AFTER, &[0]));
        let mine = after.expect("cpu0").busy_cores_since(&before.expect("cpu0"), 1);
        assert!(mine.abs() < 1e-9, "cpu0 stayed idle: {mine}");
        let both = parse_cpus(AFTER, &[0, 1]).expect("cpu0+1");
        let busy = both.busy_cores_since(&parse_cpus(BEFORE, &[0, 1]).expect("cpu0+1"), 2);
        assert!((busy - 1.0).abs() < 1e-9, "the machine as a whole had one core busy: {busy}");
    }

    #[test]
    fn a_cpu_missing_from_proc_stat_gives_no_snapshot_and_cpu1_is_not_cpu10() {
        assert!(parse_cpus(BEFORE, &[2]).is_none());
        let ten = parse_cpus(AFTER, &[10]).expect("cpu10");
        assert_eq!((ten.busy, ten.total), (0, 0));
    }
}
