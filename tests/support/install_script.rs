//! Running one of `.ci/install-*` from a test: once per process is the caller's `OnceLock`; a
//! file lock keeps concurrent test processes from running apt (or a build) twice.

use std::fs::File;
use std::process::Command;

/// Runs `bash script` under the lock `/tmp/<lock>.lock`: its trimmed stdout, or why it failed
/// (what could not be done, or the script's status and output), for the caller to explain.
pub fn run(script: &str, lock: &str) -> Result<String, String> {
    let cannot = |what: &str, error: &dyn std::fmt::Display| {
        format!("cannot {what}: {error}; run {script} as root")
    };
    let lock_path = std::env::temp_dir().join(format!("{lock}.lock"));
    let lock = File::create(&lock_path).map_err(|e| cannot("create the install lock", &e))?;
    lock.lock().map_err(|e| cannot("take the install lock", &e))?;
    let output = Command::new("bash")
        .arg(script)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .map_err(|e| cannot("start bash", &e))?;
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if output.status.success() {
        return Ok(stdout);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(format!("{} ({})\n{stdout}\n{stderr}", script, output.status))
}
