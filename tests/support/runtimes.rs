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

pub const GIL_SAMPLER_SCRIPT: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/install-gil-sampler");

/// Builds the harness's GIL recorder under /usr/local/lib/gil-lab when it is missing or older
/// than its source (seconds; nothing when up to date), once per process: the pages and results
/// these tests check show the GIL timeline it records.
pub fn ensure_gil_sampler() -> Result<(), String> {
    static DONE: OnceLock<Result<String, String>> = OnceLock::new();
    let done = DONE.get_or_init(|| {
        crate::install_script::run(GIL_SAMPLER_SCRIPT, "gil-lab-install-gil-sampler")
    });
    done.as_ref().map(|_| ()).map_err(|why| format!("the GIL recorder could not be built: {why}"))
}
