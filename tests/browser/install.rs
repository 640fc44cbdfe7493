//! Debian's Chromium, chromedriver and Noto CJK fonts, installed by `.ci/install-browser` when
//! missing, once per process (`install_script` keeps concurrent processes from running apt twice).

use std::sync::OnceLock;

pub const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/install-browser");

/// What the script said (browser and driver versions), or why the suite cannot run.
pub fn ensure_browser() -> Result<String, String> {
    static DONE: OnceLock<Result<String, String>> = OnceLock::new();
    DONE.get_or_init(install).clone()
}

fn install() -> Result<String, String> {
    crate::install_script::run(SCRIPT, "gil-lab-install-browser").map_err(|why| {
        format!(
            "browser tests need Debian's chromium, chromium-driver and fonts-noto-cjk, and the \
             install failed: {why}\nRun {SCRIPT} as root on a machine that reaches Debian's \
             package mirrors, then run the tests again."
        )
    })
}
