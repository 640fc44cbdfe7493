//! Who may see what, decided in one place: a run is visible to its learner (and, later, to the
//! instructor of their class); to anyone else it does not exist.

use sqlx::SqlitePool;

use super::learner::{self, LearnerToken};
use crate::error::{AppError, Result};
use crate::runs::RunId;
use crate::runs::store::{self, RunRow};

/// The person behind a request, as far as access is concerned.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub learner_id: Option<i64>,
}

impl Viewer {
    pub async fn of(db: &SqlitePool, token: &LearnerToken) -> Result<Viewer> {
        Ok(Viewer { learner_id: learner::find(db, token).await? })
    }

    pub fn can_see_run(&self, run: &RunRow) -> bool {
        self.learner_id == Some(run.learner_id)
    }
}

/// The run if this viewer may see it; otherwise `NotFound`, exactly as for a run that never was.
pub async fn visible_run(db: &SqlitePool, viewer: &Viewer, raw_id: &str) -> Result<RunRow> {
    let id = RunId::parse(raw_id).ok_or(AppError::NotFound)?;
    let run = store::get(db, &id).await?.ok_or(AppError::NotFound)?;
    if viewer.can_see_run(&run) { Ok(run) } else { Err(AppError::NotFound) }
}
