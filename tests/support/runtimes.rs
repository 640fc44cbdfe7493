//! The optional runtimes some experiments need (PyPy, Numba, a free-threaded CPython), installed
//! by `.ci/install-runtimes` when missing, once per process. The script does nothing when all
//! are there.

use std::sync::OnceLock;

pub const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/install-runtimes");

/// Installs what is missing, or panics with what to do: a test that needs a runtime cannot
/// decide its claim without it.
pub fn ensure_runtimes() {
    static DONE: OnceLock<Result<String, String>> = OnceLock::new();
    let done = DONE.get_or_init(|| crate::install_script::run(SCRIPT, "gil-lab-install-runtimes"));
    if let Err(why) = done {
        panic!(
            "these tests need PyPy, Numba and a free-threaded CPython, and the install failed: \
             {why}\nRun {SCRIPT} as root on a machine that reaches Debian's package mirrors."
        );
    }
}
