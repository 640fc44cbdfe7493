//! `gil-lab doctor`: which sandbox layers and runtimes this host offers, and how to fix the rest.

use std::process::ExitCode;

use crate::config::Config;
use crate::sandbox::{probe, resolve_python};

pub fn run(config: &Config) -> ExitCode {
    println!("gil-lab doctor — sandbox layers and Python runtime\n");
    let python = match resolve_python(&config.python) {
        Ok(python) => python,
        Err(error) => {
            println!("  MISSING  python: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    let probes = probe::probe_all(config.sandbox_uid, &python);
    for p in &probes {
        println!("{p}");
    }
    if probe::all_required_present(&probes) {
        println!("\nAll required layers are present: experiments run isolated.");
        ExitCode::SUCCESS
    } else {
        println!(
            "\nA required layer is missing: the server will refuse to run experiments until it is fixed."
        );
        ExitCode::FAILURE
    }
}
