//! `gil-lab doctor`: which sandbox layers, runtimes and run slots this host offers, and how to
//! fix what is missing.

use std::process::ExitCode;

use crate::config::Config;
use crate::sandbox::{cpuset, probe, resolve_python};

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
    println!("\n{}", slots_line(config));
    println!("\nRuntimes (optional; an experiment that needs a missing one says so on its card):");
    for entry in crate::runtimes::Runtimes::detect(&python).entries() {
        match (&entry.path, &entry.version) {
            (Some(path), Some(version)) => {
                let gil = if entry.gil_enabled == Some(false) { "GIL off" } else { "GIL on" };
                println!("  ok       {:<15} {version} ({gil}) {}", entry.id, path.display());
            }
            _ => println!("  missing  {:<15} install: {}", entry.id, entry.install),
        }
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

/// How many runs this host executes at once, and on which cores.
fn slots_line(config: &Config) -> String {
    let slots = config.run_slots();
    let cores = cpuset::host_cpus().len();
    let cpus: Vec<String> =
        slots.iter().map(|s| s.as_ref().map_or("any".into(), ToString::to_string)).collect();
    format!(
        "Run slots: {} at once ({} cores per run, {cores} cores on this host): cpus {}",
        slots.len(),
        config.cores_per_run,
        cpus.join(" | ")
    )
}
