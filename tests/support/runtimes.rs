//! The optional runtimes some experiments need (PyPy, Numba, a free-threaded CPython), installed
//! by `.ci/install-runtimes` when missing: once per process, under a file lock so concurrent test
//! processes never run apt or the CPython build twice. The script does nothing when all are there.

use std::fs::File;
use std::process::Command;
use std::sync::OnceLock;

pub const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/install-runtimes");

/// Installs what is missing, or panics with what to do: a test that needs a runtime cannot
/// decide its claim without it.
pub fn ensure_runtimes() {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    if let Err(why) = DONE.get_or_init(install) {
        panic!("{why}");
    }
}

fn install() -> Result<(), String> {
    let cannot = |what: &str, error: &dyn std::fmt::Display| {
        format!("cannot {what}: {error}; run {SCRIPT} as root")
    };
    let lock_path = std::env::temp_dir().join("gil-lab-install-runtimes.lock");
    let lock = File::create(&lock_path).map_err(|e| cannot("create the install lock", &e))?;
    lock.lock().map_err(|e| cannot("take the install lock", &e))?;
    let output = Command::new("bash")
        .arg(SCRIPT)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .map_err(|e| cannot("start bash", &e))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "these tests need PyPy, Numba and a free-threaded CPython, and {SCRIPT} could not install \
         them ({}). Run it as root on a machine that reaches Debian's package mirrors.\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}
