//! Debian's Chromium, chromedriver and Noto CJK fonts, installed by `.ci/install-browser` when
//! missing: once per process, under a file lock so concurrent test processes never run apt twice.

use std::fs::File;
use std::process::Command;
use std::sync::OnceLock;

pub const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/install-browser");

/// What the script said (browser and driver versions), or why the suite cannot run.
pub fn ensure_browser() -> Result<String, String> {
    static DONE: OnceLock<Result<String, String>> = OnceLock::new();
    DONE.get_or_init(install).clone()
}

fn install() -> Result<String, String> {
    let cannot = |what: &str, error: &dyn std::fmt::Display| {
        format!("browser tests: cannot {what}: {error}; run {SCRIPT} as root")
    };
    let lock_path = std::env::temp_dir().join("gil-lab-install-browser.lock");
    let lock = File::create(&lock_path).map_err(|e| cannot("create the install lock", &e))?;
    lock.lock().map_err(|e| cannot("take the install lock", &e))?;
    let output = Command::new("bash")
        .arg(SCRIPT)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .map_err(|e| cannot("start bash", &e))?;
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if output.status.success() {
        return Ok(stdout);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(format!(
        "browser tests need Debian's chromium, chromium-driver and fonts-noto-cjk, and {SCRIPT} \
         could not install them ({}). Run it as root on a machine that reaches Debian's package \
         mirrors, then run the tests again.\n{stdout}\n{stderr}",
        output.status
    ))
}
