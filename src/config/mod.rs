//! Command-line flags and their `GIL_LAB_*` environment twins, read once into typed structs.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

mod settings;

/// GIL 실험실: a Korean course on CPython's GIL with real, sandboxed experiments.
#[derive(Debug, Parser)]
#[command(name = "gil-lab", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Serve the web site and run experiments (the default; `--workers 0`: the web site only).
    Serve,
    /// Run experiments only, no web site: a sandbox host sharing a PostgreSQL store with web
    /// nodes. Needs root, like the runs of `serve`.
    Worker,
    /// Check the Python runtime and each sandbox layer, and print what is missing with the fix.
    Doctor,
    /// Internal: build one sandbox for one run (started by the server itself).
    #[command(hide = true)]
    SandboxExec,
}

/// Everything the server needs, with defaults that work from a fresh clone.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "GIL_LAB_ADDR", default_value = "127.0.0.1:8080", global = true)]
    pub addr: SocketAddr,

    /// The store: `sqlite://FILE` (the file and its folder are created if missing) or
    /// `postgres://USER:PASSWORD@HOST/DB`, shared by web nodes and workers on several hosts.
    #[arg(
        long,
        env = "GIL_LAB_DATABASE_URL",
        default_value = "sqlite://data/gil-lab.db",
        global = true
    )]
    pub database_url: String,

    /// Folder with `lessons/` and `experiments/` (default: the source tree's `content/`).
    #[arg(long, env = "GIL_LAB_CONTENT_DIR", default_value = default_content_dir(), global = true)]
    pub content_dir: PathBuf,

    /// Folder served at `/static` (default: the source tree's `static/`).
    #[arg(long, env = "GIL_LAB_STATIC_DIR", default_value = default_static_dir(), global = true)]
    pub static_dir: PathBuf,

    /// Python interpreter that runs the experiments.
    #[arg(long, env = "GIL_LAB_PYTHON", default_value = "python3", global = true)]
    pub python: PathBuf,

    /// How many runs may execute at once: `auto` = the host's cores ÷ `--cores-per-run` (at
    /// least 1), each run kept on its own cores so timings stay honest; or a number.
    #[arg(long, env = "GIL_LAB_MAX_PARALLEL_RUNS", default_value = "auto", global = true)]
    pub max_parallel_runs: ParallelRuns,

    /// Runs this process executes itself (default: as many as `--max-parallel-runs`); 0 for a
    /// web node whose runs `gil-lab worker` processes execute on other hosts.
    #[arg(long, env = "GIL_LAB_WORKERS", global = true)]
    pub workers: Option<usize>,

    /// Seconds a worker's hold on the run it executes lasts unless renewed (it renews three
    /// times as often): a run whose worker died is queued again this long after.
    #[arg(long = "run-lease", env = "GIL_LAB_RUN_LEASE", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub run_lease_secs: u64,

    /// Cores each run gets to itself (its slot): runs at once never share a core.
    #[arg(long, env = "GIL_LAB_CORES_PER_RUN", default_value_t = 2,
          value_parser = clap::value_parser!(u16).range(1..), global = true)]
    pub cores_per_run: u16,

    /// Longest wall-clock time of one run, in seconds (an experiment may ask for less).
    #[arg(long, env = "GIL_LAB_RUN_TIME_LIMIT", default_value_t = 120, global = true)]
    pub run_time_limit_secs: u64,

    /// CPU seconds each process of a run may use.
    #[arg(long, env = "GIL_LAB_RUN_CPU_LIMIT", default_value_t = 120, global = true)]
    pub run_cpu_limit_secs: u64,

    /// Memory of all the processes of a run together, in MiB.
    #[arg(long, env = "GIL_LAB_RUN_MEMORY_MB", default_value_t = 512, global = true)]
    pub run_memory_mb: u64,

    /// Processes and threads a run may have at once.
    #[arg(long, env = "GIL_LAB_RUN_MAX_PROCESSES", default_value_t = 64, global = true)]
    pub run_max_processes: u64,

    /// Output kept of each of stdout and stderr, in KiB.
    #[arg(long, env = "GIL_LAB_RUN_OUTPUT_KB", default_value_t = 256, global = true)]
    pub run_output_kb: usize,

    /// Largest file a run may write, in MiB.
    #[arg(long, env = "GIL_LAB_RUN_FILE_SIZE_MB", default_value_t = 16, global = true)]
    pub run_file_size_mb: u64,

    /// Size of the run's /tmp and of its /dev/shm, each, in MiB.
    #[arg(long, env = "GIL_LAB_RUN_TMPFS_MB", default_value_t = 64, global = true)]
    pub run_tmpfs_mb: u64,

    /// Largest program a learner may submit, in KiB.
    #[arg(long, env = "GIL_LAB_MAX_CODE_KB", default_value_t = 64, global = true)]
    pub max_code_kb: usize,

    /// Runs one learner may have waiting or running at once.
    #[arg(long, env = "GIL_LAB_MAX_QUEUED_PER_LEARNER", default_value_t = 3, global = true)]
    pub max_queued_per_learner: i64,

    /// Runs one learner may submit per minute.
    #[arg(long, env = "GIL_LAB_MAX_RUNS_PER_MINUTE", default_value_t = 10, global = true)]
    pub max_runs_per_minute: i64,

    /// Runs that learners in no class may have waiting or running from one client address.
    #[arg(
        long,
        env = "GIL_LAB_MAX_ANONYMOUS_QUEUED_PER_ADDRESS",
        default_value_t = 10,
        global = true
    )]
    pub max_anonymous_queued_per_address: i64,

    /// Runs that learners in no class may have waiting or running, from all addresses together.
    #[arg(long, env = "GIL_LAB_MAX_ANONYMOUS_QUEUED", default_value_t = 100, global = true)]
    pub max_anonymous_queued: i64,

    /// Code that queued runs may hold, everyone's together, in KiB.
    #[arg(long, env = "GIL_LAB_MAX_QUEUED_CODE_KB", default_value_t = 32 * 1024, global = true)]
    pub max_queued_code_kb: i64,

    /// New learners a client address may create per hour by running without a cookie.
    #[arg(
        long,
        env = "GIL_LAB_MAX_NEW_LEARNERS_PER_ADDRESS_PER_HOUR",
        default_value_t = 30,
        global = true
    )]
    pub max_new_learners_per_address_per_hour: i64,

    /// New learners a client address may create per hour by joining a class with its code.
    #[arg(
        long,
        env = "GIL_LAB_MAX_CLASS_JOINS_PER_ADDRESS_PER_HOUR",
        default_value_t = 200,
        global = true
    )]
    pub max_class_joins_per_address_per_hour: i64,

    /// Host uid and gid the sandboxed programs run as (never root).
    #[arg(long, env = "GIL_LAB_SANDBOX_UID", default_value_t = 61337, global = true)]
    pub sandbox_uid: u32,

    /// Microseconds between two looks of the GIL recorder at who holds the GIL and what each
    /// thread does (see `gil_timeline.py`); 0 turns the GIL timeline off. Every look costs the
    /// measured program a little: at 100 µs a CPU-bound threads variant ran 5–15 % slower on 2
    /// cores (benches/gil-recorder.sh), so the default looks 2,000 times a second.
    #[arg(long, env = "GIL_LAB_GIL_SAMPLE_US", default_value_t = 500,
          value_parser = clap::value_parser!(u32).range(0..=100_000), global = true)]
    pub gil_sample_us: u32,

    /// Seconds a page or API request may take before it is answered with 408.
    #[arg(long, env = "GIL_LAB_REQUEST_TIMEOUT", default_value_t = 10, global = true)]
    pub request_timeout_secs: u64,

    /// Seconds a client has to send a request's headers, counted from when the server starts
    /// waiting for them (a new connection, or a kept-alive one after its last response).
    #[arg(
        long = "header-read-timeout",
        env = "GIL_LAB_HEADER_READ_TIMEOUT",
        default_value_t = 10,
        global = true
    )]
    pub header_read_timeout_secs: u64,

    /// Seconds a connection may go without a byte moving either way (a stalled upload, a client
    /// that stopped reading) before it is closed.
    #[arg(
        long = "idle-timeout",
        env = "GIL_LAB_IDLE_TIMEOUT",
        default_value_t = 60,
        global = true
    )]
    pub idle_timeout_secs: u64,

    /// Connections open at once, in all; by default, and at most, what the file limit leaves
    /// after a reserve for the database, sandbox pipes and static files.
    #[arg(long, env = "GIL_LAB_MAX_CONNECTIONS", global = true)]
    pub max_connections: Option<usize>,

    /// Connections one client address may have open at once; more are closed at once. A class of
    /// 40 behind one school address, six connections a browser, fits.
    #[arg(long, env = "GIL_LAB_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 400, global = true)]
    pub max_connections_per_address: usize,

    /// Event streams one run may have open at once.
    #[arg(long, env = "GIL_LAB_MAX_STREAMS_PER_RUN", default_value_t = 8, global = true)]
    pub max_streams_per_run: usize,

    /// Event streams one client address may have open at once (a class of 40 behind one
    /// address, a few tabs each, fits).
    #[arg(long, env = "GIL_LAB_MAX_STREAMS_PER_ADDRESS", default_value_t = 120, global = true)]
    pub max_streams_per_address: usize,

    /// Log filter in `tracing` syntax, e.g. `info` or `gil_lab=debug,tower_http=info`.
    #[arg(long, env = "GIL_LAB_LOG", default_value = "info", global = true)]
    pub log: String,

    /// Log format: `text` for people, `json` for machines.
    #[arg(long, env = "GIL_LAB_LOG_FORMAT", default_value = "text", global = true)]
    pub log_format: LogFormat,

    /// Whether new instructors may sign up (`--allow-signup false` closes the form).
    #[arg(long, env = "GIL_LAB_ALLOW_SIGNUP", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub allow_signup: bool,

    /// Password hashes (19 MiB each) computed at once, for logins and sign-ups; 0 = one per core.
    #[arg(long, env = "GIL_LAB_PASSWORD_HASHES_AT_ONCE", default_value_t = 0, global = true)]
    pub password_hashes_at_once: usize,

    /// Failed logins one address may make in 15 minutes, whatever the emails, before it is refused.
    #[arg(long, env = "GIL_LAB_LOGIN_FAILURES_PER_ADDRESS", default_value_t = 30, global = true)]
    pub login_failures_per_address: i64,

    /// Failed logins for one email, from any address, in 15 minutes before its logins are slowed.
    #[arg(long, env = "GIL_LAB_LOGIN_FAILURES_PER_EMAIL", default_value_t = 10, global = true)]
    pub login_failures_per_email: i64,

    /// Seconds a slowed email waits after its last failure before the next attempt is heard.
    #[arg(long, env = "GIL_LAB_LOGIN_SLOW_PAUSE", default_value_t = 10, global = true)]
    pub login_slow_pause_secs: u64,

    /// Wrong join or resume codes one address may send per minute before it gets 429.
    #[arg(long, env = "GIL_LAB_CODE_GUESSES_PER_MINUTE", default_value_t = 20, global = true)]
    pub code_guesses_per_minute: usize,

    /// Mark the learner and session cookies `Secure` and build links with https (set it behind TLS).
    #[arg(long, env = "GIL_LAB_SECURE_COOKIES", global = true)]
    pub secure_cookies: bool,
}

/// `--max-parallel-runs`: as many as the cores hold, or a fixed number (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParallelRuns {
    Auto,
    Fixed(usize),
}

impl std::str::FromStr for ParallelRuns {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw.trim() {
            "auto" => Ok(ParallelRuns::Auto),
            number => match number.parse::<usize>() {
                Ok(n) if n >= 1 => Ok(ParallelRuns::Fixed(n)),
                _ => Err(format!("`auto` or a number of at least 1, not {raw:?}")),
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

fn default_content_dir() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/content")
}

fn default_static_dir() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/static")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_work_from_a_fresh_clone() {
        let cli = Cli::try_parse_from(["gil-lab"]).expect("defaults parse");
        assert_eq!(cli.command, None);
        assert_eq!(cli.config.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(cli.config.database_url, "sqlite://data/gil-lab.db");
        assert!(cli.config.content_dir.join("lessons").is_dir());
        assert_eq!(cli.config.max_parallel_runs, ParallelRuns::Auto);
        assert_eq!(cli.config.cores_per_run, 2);
    }

    #[test]
    fn parallel_runs_take_auto_or_a_positive_number() {
        let parse = |value: &str| {
            Cli::try_parse_from(["gil-lab", "--max-parallel-runs", value])
                .map(|cli| cli.config.max_parallel_runs)
        };
        assert_eq!(parse("auto").expect("auto"), ParallelRuns::Auto);
        assert_eq!(parse("3").expect("a number"), ParallelRuns::Fixed(3));
        assert!(parse("0").is_err() && parse("many").is_err());
        assert!(Cli::try_parse_from(["gil-lab", "--cores-per-run", "0"]).is_err());
    }

    #[test]
    fn flags_may_follow_the_subcommand() {
        let cli = Cli::try_parse_from(["gil-lab", "serve", "--addr", "127.0.0.1:9999"])
            .expect("flags after subcommand parse");
        assert_eq!(cli.command, Some(Command::Serve));
        assert_eq!(cli.config.addr.port(), 9999);
    }
}
