//! Lesson 7: Numba's `nogil=True` lets threads run compiled code in parallel, without it they
//! take turns; PyPy runs the loop far faster but has a GIL: threads ≈1×, processes scale.
//!
//! Needs `python3-numba` and `pypy3`: `.ci/install-runtimes` installs them when missing.

use serde_json::json;

fn runtimes_installed() {
    crate::runtimes::ensure_runtimes();
}

#[tokio::test]
async fn numba_threads_need_nogil_and_pypy_is_fast_but_keeps_a_gil() {
    runtimes_installed();
    let measured = crate::check("ways-out", json!({}), |m| {
        // Speedups are against the sequential variant of the same runtime (numba/, pypy/).
        let speedup = |variant: &str| m.number(variant, "speedup");
        let (nogil, gil) = (speedup("numba/nogil_threads"), speedup("numba/gil_threads"));
        let (threads, processes) = (speedup("pypy/threads"), speedup("pypy/processes"));
        let faster = m.metric_f64("sequential", "ns_per_iteration")
            / m.metric_f64("pypy/sequential", "ns_per_iteration");
        // Quiet machine: Numba nogil ≈1.8×, with the GIL 1.0×; PyPy ≈40× faster per iteration,
        // its threads ≈0.8×, its processes ≈1.6×.
        if nogil < 1.4 || gil > 1.2 || faster < 5.0 || threads > 1.2 || processes < 1.3 {
            return Err(format!(
                "Numba threads: nogil {nogil}×, with the GIL {gil}×; PyPy {faster:.1}× faster \
                 per iteration, threads {threads}×, processes {processes}×"
            ));
        }
        Ok(())
    })
    .await;
    let runtime = |variant: &str| measured.variant(variant).runtime.clone().unwrap_or_default();
    assert_eq!(runtime("pypy/threads"), "pypy3");
    assert_eq!(runtime("numba/nogil_threads"), runtime("sequential"), "Numba runs in CPython");
}
