//! How busy the machine was while a run executed, so a disturbed measurement is flagged.

/// Busy and total CPU time of the whole machine, in clock ticks, from `/proc/stat`.
#[derive(Debug, Clone, Copy)]
pub struct CpuSnapshot {
    busy: u64,
    total: u64,
}

impl CpuSnapshot {
    pub fn take() -> Option<CpuSnapshot> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        parse(&stat)
    }

    /// Cores kept busy on average since `earlier` (by everything, the run included).
    pub fn busy_cores_since(&self, earlier: &CpuSnapshot, cores: usize) -> f64 {
        let total = self.total.saturating_sub(earlier.total);
        if total == 0 {
            return 0.0;
        }
        let busy = self.busy.saturating_sub(earlier.busy);
        busy as f64 / total as f64 * cores as f64
    }
}

fn parse(stat: &str) -> Option<CpuSnapshot> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<u64> = line.split_whitespace().skip(1).filter_map(|f| f.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let total: u64 = fields.iter().take(8).sum();
    let idle = fields.get(3)? + fields.get(4).unwrap_or(&0);
    Some(CpuSnapshot { busy: total - idle, total })
}

/// A run is contended when others kept more than a quarter of a core busy beside it.
pub fn contended(busy_cores: f64, own_cpu_s: f64, wall_s: f64) -> bool {
    if wall_s <= 0.0 {
        return false;
    }
    let others = busy_cores - own_cpu_s / wall_s;
    others > 0.25
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
}
