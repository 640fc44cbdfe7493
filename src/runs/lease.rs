//! Leases: a worker holds the run it executes for a while, renews the hold while the run goes
//! on, and a run whose lease ran out lost its worker (the process was killed, its host went
//! away) wherever that worker was. Any worker's sweep then queues the run again, or fails it
//! once it has been lost before: the crash-recovery rule of one machine, across hosts.

use std::time::Duration;

use chrono::SecondsFormat;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::RunId;
use super::store;
use crate::db::Pool;

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

/// Every half lease until shutdown: runs whose worker stopped renewing (on any host) go back to
/// the queue once, then fail; `requeued` is called when some went back.
pub(super) async fn sweep_lost(
    db: Pool,
    max_attempts: i64,
    length: Duration,
    shutdown: CancellationToken,
    requeued: impl Fn(),
) {
    let every = (length / 2).max(Duration::from_millis(200));
    while !shutdown.is_cancelled() {
        let now = rfc3339(chrono::Utc::now());
        match store::expire_leases(&db, max_attempts, &now).await {
            Ok((again, failed)) if again + failed > 0 => {
                tracing::warn!(
                    requeued = again,
                    failed,
                    "runs whose worker stopped renewing its lease"
                );
                requeued();
            }
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "lease sweep: database error"),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = shutdown.cancelled() => {}
        }
    }
}

/// Renews `lease` on the run while it executes (abort the task when it ends). A renewal that
/// finds the lease gone (a sweep gave the run to another worker: this one was too slow to
/// renew) or a cancel asked for on another host cancels `run`.
pub(super) fn renew_while_running(
    db: Pool,
    id: RunId,
    lease: Lease,
    run: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(lease.renew_every()).await;
            match store::renew_lease(&db, &id, &lease.owner, &lease.until()).await {
                Ok(Some(false)) => {}
                Ok(Some(true)) => run.cancel(),
                Ok(None) => {
                    tracing::warn!(run_id = %id, "lease lost: stopping the run");
                    run.cancel();
                    return;
                }
                Err(error) => tracing::error!(run_id = %id, %error, "lease renewal failed"),
            }
        }
    })
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
