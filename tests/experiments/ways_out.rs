//! Lesson 7: Numba's `nogil=True` lets threads run compiled code in parallel, without it they
//! take turns; PyPy runs the loop far faster but has a GIL: threads ≈1×, processes scale.
//!
//! Needs `python3-numba` and `pypy3` (`.ci/install-runtimes` installs them).

use serde_json::json;

fn runtimes_installed() {
    let numba = std::process::Command::new("/usr/bin/python3")
        .args(["-c", "import numba"])
        .status()
        .is_ok_and(|s| s.success());
    let pypy = std::path::Path::new("/usr/bin/pypy3").exists();
    assert!(numba && pypy, "ways-out needs python3-numba and pypy3: run .ci/install-runtimes");
}

#[tokio::test]
async fn numba_threads_need_nogil_and_pypy_is_fast_but_keeps_a_gil() {
    runtimes_installed();
    crate::check("ways-out", json!({}), |m| {
        let speedup = |variant: &str| m.metric_f64(variant, "runtime_speedup");
        let (nogil, gil) = (speedup("numba_nogil_threads"), speedup("numba_gil_threads"));
        let (threads, processes) = (speedup("pypy_threads"), speedup("pypy_processes"));
        let faster = m.metric_f64("cpython_sequential", "ns_per_iteration")
            / m.metric_f64("pypy_sequential", "ns_per_iteration");
        // Quiet machine: Numba nogil 2.0×, with the GIL 1.0×; PyPy ≈55× faster per iteration,
        // its threads ≈0.95×, its processes ≈1.9×.
        if nogil < 1.4 || gil > 1.2 || faster < 5.0 || threads > 1.2 || processes < 1.4 {
            return Err(format!(
                "Numba threads: nogil {nogil}×, with the GIL {gil}×; PyPy {faster:.1}× faster \
                 per iteration, threads {threads}×, processes {processes}×"
            ));
        }
        Ok(())
    })
    .await;
}
