//! What each part of the server gets from the flags: the sandbox's limits and settings, the
//! queue's and the accounts' caps, the connections' timeouts. Parts take these, not `Config`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use super::{Cli, Config, ParallelRuns};
use crate::accounts::login_limit::LoginLimits;
use crate::accounts::newcomer::NewcomerLimits;
use crate::runs::SubmitLimits;
use crate::sandbox::{CpuSet, RunLimits, SandboxSettings, cpuset};
use crate::server::ConnectionSettings;

impl Config {
    pub fn run_limits(&self) -> RunLimits {
        const MIB: u64 = 1024 * 1024;
        RunLimits {
            wall: Duration::from_secs(self.run_time_limit_secs),
            cpu_seconds: self.run_cpu_limit_secs,
            memory_bytes: self.run_memory_mb * MIB,
            max_processes: self.run_max_processes,
            output_bytes: self.run_output_kb * 1024,
            file_size_bytes: self.run_file_size_mb * MIB,
            tmpfs_bytes: self.run_tmpfs_mb * MIB,
            result_bytes: 8 * 1024 * 1024,
        }
    }

    /// How many runs execute at once: with `auto`, as many slots of `--cores-per-run` cores as
    /// this host's cores hold, at least one.
    pub fn parallel_runs(&self) -> usize {
        match self.max_parallel_runs {
            ParallelRuns::Auto => {
                cpuset::slot_count(cpuset::host_cpus().len(), self.cores_per_run.into())
            }
            ParallelRuns::Fixed(n) => n,
        }
    }

    /// Each worker's slot: the cores its runs are kept on (`None`: no whole slot was left for
    /// it, as when a fixed number asks for more runs than the cores hold).
    pub fn run_slots(&self) -> Vec<Option<CpuSet>> {
        cpuset::slots(&cpuset::host_cpus(), self.cores_per_run.into(), self.parallel_runs())
    }

    /// The slots this process's workers take: all of them, or the first `--workers`.
    pub fn worker_slots(&self) -> Vec<Option<CpuSet>> {
        let mut slots = self.run_slots();
        slots.truncate(self.workers.unwrap_or(usize::MAX));
        slots
    }

    pub fn run_lease(&self) -> Duration {
        Duration::from_secs(self.run_lease_secs)
    }

    /// The real sandbox's settings: the server re-executes itself as the launcher.
    pub fn sandbox_settings(&self) -> SandboxSettings {
        SandboxSettings {
            exe: PathBuf::from("/proc/self/exe"),
            python: self.python.clone(),
            uid: self.sandbox_uid,
            gil_sample_us: self.gil_sample_us,
        }
    }

    pub fn submit_limits(&self) -> SubmitLimits {
        SubmitLimits {
            max_code_bytes: self.max_code_kb * 1024,
            max_queued: self.max_queued_per_learner,
            max_per_minute: self.max_runs_per_minute,
            max_anonymous_per_address: self.max_anonymous_queued_per_address,
            max_anonymous: self.max_anonymous_queued,
            max_queued_code_bytes: self.max_queued_code_kb * 1024,
        }
    }

    pub fn newcomer_limits(&self) -> NewcomerLimits {
        NewcomerLimits {
            per_address_per_hour: self.max_new_learners_per_address_per_hour,
            joins_per_address_per_hour: self.max_class_joins_per_address_per_hour,
        }
    }

    pub fn login_limits(&self) -> LoginLimits {
        LoginLimits {
            per_address: self.login_failures_per_address,
            per_email: self.login_failures_per_email,
            pause: Duration::from_secs(self.login_slow_pause_secs),
        }
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// The connection timeouts and caps, the total cap kept within what `file_limit` allows.
    pub fn connection_settings(&self, file_limit: u64) -> ConnectionSettings {
        let allowed = crate::server::connections_allowed(file_limit, self.parallel_runs());
        ConnectionSettings {
            header_read_timeout: Duration::from_secs(self.header_read_timeout_secs),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            max_connections: self.max_connections.map_or(allowed, |wanted| wanted.min(allowed)),
            max_per_address: self.max_connections_per_address,
        }
    }

    /// A configuration for tests: defaults, with the given database and content folder.
    pub fn for_tests(database_url: String, content_dir: PathBuf) -> Self {
        let mut config = Cli::parse_from(["gil-lab"]).config;
        config.database_url = database_url;
        config.content_dir = content_dir;
        config
    }
}
