//! Leases: a worker holds the run it executes for a while, renews the hold while the run goes
//! on, and a run whose lease ran out lost its worker (the process was killed, its host went
//! away) wherever that worker was. Any worker's sweep then queues the run again, or fails it
//! once it has been lost before: the crash-recovery rule of one machine, across hosts.

use std::time::Duration;

use chrono::SecondsFormat;

/// One worker, as the rows it claims name it.
#[derive(Debug, Clone)]
pub struct Lease {
    /// `host:pid:slot`: unique among the workers running now.
    pub owner: String,
    /// The host name, kept with the run to say where it was measured.
    pub host: String,
    /// The CPUs the worker pins its runs to (`None`: any).
    pub cpus: Option<String>,
    /// How long a claim or a renewal holds the run.
    pub length: Duration,
}

impl Lease {
    /// The lease of this process's worker on `slot` (its index) pinned to `cpus`.
    pub fn for_slot(slot: usize, cpus: Option<String>, length: Duration) -> Lease {
        let host = host_name();
        Lease { owner: format!("{host}:{}:{slot}", std::process::id()), host, cpus, length }
    }

    /// When a claim or renewal made now runs out, as the RFC 3339 text stored.
    pub fn until(&self) -> String {
        rfc3339(chrono::Utc::now() + self.length)
    }

    /// How often the holder renews: three times per length, so one late renewal loses nothing.
    pub fn renew_every(&self) -> Duration {
        self.length / 3
    }
}

/// The lease of the tests' in-process worker.
impl Default for Lease {
    fn default() -> Lease {
        Lease::for_slot(0, None, Duration::from_secs(30))
    }
}

pub fn rfc3339(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The kernel's host name (no libc call, no allocation beyond the string).
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown-host".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_names_its_host_process_and_slot_and_renews_thrice_per_length() {
        let lease = Lease::for_slot(3, Some("2-3".into()), Duration::from_secs(30));
        assert_eq!(lease.owner, format!("{}:{}:3", lease.host, std::process::id()));
        assert_eq!(lease.renew_every(), Duration::from_secs(10));
        assert!(lease.until() > rfc3339(chrono::Utc::now() + Duration::from_secs(29)));
    }
}
