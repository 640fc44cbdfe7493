//! Command-line flags and their `GIL_LAB_*` environment twins, read once into typed structs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

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
    /// Serve the web site and run experiments (the default).
    Serve,
}

/// Everything the server needs, with defaults that work from a fresh clone.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(
        long,
        env = "GIL_LAB_ADDR",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub addr: SocketAddr,

    /// SQLite database URL; the file and its folder are created if missing.
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

    /// How many runs may execute at once (1 keeps timings honest).
    #[arg(
        long,
        env = "GIL_LAB_MAX_PARALLEL_RUNS",
        default_value_t = 1,
        global = true
    )]
    pub max_parallel_runs: usize,

    /// Seconds a page or API request may take before it is answered with 408.
    #[arg(
        long,
        env = "GIL_LAB_REQUEST_TIMEOUT",
        default_value_t = 10,
        global = true
    )]
    pub request_timeout_secs: u64,

    /// Log filter in `tracing` syntax, e.g. `info` or `gil_lab=debug,tower_http=info`.
    #[arg(long, env = "GIL_LAB_LOG", default_value = "info", global = true)]
    pub log: String,

    /// Log format: `text` for people, `json` for machines.
    #[arg(
        long,
        env = "GIL_LAB_LOG_FORMAT",
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,
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

impl Config {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// A configuration for tests: defaults, with the given database and content folder.
    pub fn for_tests(database_url: String, content_dir: PathBuf) -> Self {
        let mut config = Cli::parse_from(["gil-lab"]).config;
        config.database_url = database_url;
        config.content_dir = content_dir;
        config
    }
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
        assert_eq!(cli.config.max_parallel_runs, 1);
    }

    #[test]
    fn flags_may_follow_the_subcommand() {
        let cli = Cli::try_parse_from(["gil-lab", "serve", "--addr", "127.0.0.1:9999"])
            .expect("flags after subcommand parse");
        assert_eq!(cli.command, Some(Command::Serve));
        assert_eq!(cli.config.addr.port(), 9999);
    }
}
