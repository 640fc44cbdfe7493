//! Lesson 4: tiny tasks sent one by one to a process pool cost far more than the work itself;
//! sending them in chunks recovers most of it.

use serde_json::json;

#[tokio::test]
async fn chunksize_one_is_many_times_slower_than_sequential_and_chunks_recover_it() {
    crate::check("granularity", json!({}), |m| {
        let sequential = m.number("sequential", "wall_s");
        let slower = |variant: &str| m.number(variant, "wall_s") / sequential;
        let (executor_1, pool_1) = (slower("executor_chunksize_1"), slower("pool_chunksize_1"));
        let (executor_n, pool_n) = (slower("executor_chunked"), slower("pool_chunked"));
        // Quiet machine: ProcessPoolExecutor chunksize=1 is ≈60× slower, chunksize=100 ≈1.5×.
        if executor_1 < 5.0 || pool_1 < 5.0 || executor_n > 3.0 || pool_n > 3.0 {
            return Err(format!(
                "× sequential ({sequential} s): executor 1 → {executor_1:.1}, chunked → \
                 {executor_n:.1}; Pool 1 → {pool_1:.1}, chunked → {pool_n:.1}"
            ));
        }
        Ok(())
    })
    .await;
}
