//! The `gil-lab` binary: parse the command line and hand over to the library.

use std::process::ExitCode;

use clap::Parser;
use gil_lab::config::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        // The launcher must stay single-threaded: no runtime, no logging set-up before it.
        Command::SandboxExec => gil_lab::sandbox::run_launcher(),
        Command::Doctor => gil_lab::doctor::run(&cli.config),
        Command::Serve => {
            gil_lab::telemetry::init(&cli.config);
            gil_lab::app::run_blocking(gil_lab::app::serve(cli.config))
        }
        Command::Worker => {
            gil_lab::telemetry::init(&cli.config);
            gil_lab::app::run_blocking(gil_lab::app::work(cli.config))
        }
    }
}
