//! The runs this process is executing, each with the token that stops it. An entry lives
//! exactly as long as its `ActiveRun` guard, like rust-playground's `CancelOnDrop`.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use tokio_util::sync::CancellationToken;

use super::RunId;

#[derive(Default)]
pub struct ActiveRuns {
    tokens: Mutex<HashMap<RunId, CancellationToken>>,
}

impl ActiveRuns {
    /// Registers a run until the returned guard drops.
    pub fn start(&self, id: RunId, token: CancellationToken) -> ActiveRun<'_> {
        self.lock().insert(id.clone(), token.clone());
        ActiveRun { runs: self, id, token }
    }

    /// Stops the run if this process is executing it.
    pub fn cancel(&self, id: &RunId) {
        if let Some(token) = self.lock().get(id) {
            token.cancel();
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<RunId, CancellationToken>> {
        // A panic while holding the lock leaves the map itself intact.
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One executing run. Dropping it forgets the run and cancels its token, so nothing started
/// for it outlives the worker's interest, whichever way the worker leaves.
pub struct ActiveRun<'a> {
    runs: &'a ActiveRuns,
    id: RunId,
    token: CancellationToken,
}

impl ActiveRun<'_> {
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }
}

impl Drop for ActiveRun<'_> {
    fn drop(&mut self) {
        self.runs.lock().remove(&self.id);
        self.token.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_can_be_cancelled_while_its_guard_lives_and_is_forgotten_after() {
        let runs = ActiveRuns::default();
        let id = RunId::new();
        let active = runs.start(id.clone(), CancellationToken::new());
        let token = active.token().clone();
        runs.cancel(&id);
        assert!(token.is_cancelled());
        drop(active);
        assert!(runs.lock().is_empty());
    }

    #[test]
    fn an_early_return_forgets_the_run_and_cancels_its_token() {
        let runs = ActiveRuns::default();
        let token = CancellationToken::new();
        let returns_early = |runs: &ActiveRuns| -> Option<()> {
            let _active = runs.start(RunId::new(), token.clone());
            None?;
            Some(())
        };
        assert_eq!(returns_early(&runs), None);
        assert!(runs.lock().is_empty());
        assert!(token.is_cancelled());
    }

    #[test]
    fn a_panicking_worker_forgets_its_run() {
        let runs = ActiveRuns::default();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _active = runs.start(RunId::new(), CancellationToken::new());
            panic!("the worker fails mid-run");
        }));
        assert!(panicked.is_err());
        assert!(runs.lock().is_empty());
    }
}
