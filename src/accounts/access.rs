//! Who may see what, decided in one place. A run is visible to its learner and to the instructor
//! of a class that learner belongs to; a class, and everything in it, to its instructor only.
//! To anyone else these things do not exist: `NotFound`, exactly as for what never was.
//! (Class reports in `report.rs` read only inside a class this module has handed out.)

use crate::db::Pool;

use super::class::{self, ClassRow};
use super::demo;
use super::instructor::Instructor;
use super::learner::{self, LearnerToken};
use super::membership::{self, Member};
use super::session::{self, SessionToken};
use crate::runs::RunId;
use crate::runs::store::{self, RunRow};

/// Why something is not handed out. `NotFound` covers "not yours" too, on purpose.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

type Result<T, E = AccessError> = std::result::Result<T, E>;

/// The people behind a request, as far as access is concerned: the learner of this browser (if
/// they have done anything yet) and the signed-in instructor (if any).
#[derive(Debug, Clone, Copy, Default)]
pub struct Viewer {
    pub learner_id: Option<i64>,
    pub instructor_id: Option<i64>,
}

impl Viewer {
    /// A browser with neither token is nobody, and finding that out costs no query.
    pub async fn of(
        db: &Pool,
        learner: Option<&LearnerToken>,
        session: Option<&SessionToken>,
    ) -> Result<Viewer> {
        let learner_id = match learner {
            Some(token) => learner::find(db, token).await?,
            None => None,
        };
        let instructor_id = match session {
            Some(session) => session::instructor(db, session).await?.map(|i| i.instructor_id),
            None => None,
        };
        Ok(Viewer { learner_id, instructor_id })
    }

    /// Seeing a run: its learner, or the instructor of one of that learner's classes; a class
    /// demo's run, the class (its instructor and every member).
    pub async fn can_see_run(&self, db: &Pool, run: &RunRow) -> Result<bool> {
        if self.owns_run(run) {
            return Ok(true);
        }
        if let Some(instructor_id) = self.instructor_id
            && class::teaches_learner(db, instructor_id, run.learner_id).await?
        {
            return Ok(true);
        }
        if self.learner_id.is_none() && self.instructor_id.is_none() {
            return Ok(false);
        }
        let id = run.run_id.as_str();
        Ok(demo::rules::sees_demo_run(db, id, self.learner_id, self.instructor_id).await?)
    }

    /// Changing a run (cancelling it, explaining it) is for its learner alone.
    pub fn owns_run(&self, run: &RunRow) -> bool {
        self.learner_id == Some(run.learner_id)
    }
}

async fn run_by_id(db: &Pool, raw_id: &str) -> Result<RunRow> {
    let id = RunId::parse(raw_id).ok_or(AccessError::NotFound)?;
    store::get(db, &id).await?.ok_or(AccessError::NotFound)
}

/// The run if this viewer may see it; otherwise `NotFound`, exactly as for a run that never was.
pub async fn visible_run(db: &Pool, viewer: &Viewer, raw_id: &str) -> Result<RunRow> {
    let run = run_by_id(db, raw_id).await?;
    if viewer.can_see_run(db, &run).await? { Ok(run) } else { Err(AccessError::NotFound) }
}

/// The run if this viewer made it (for changes); otherwise `NotFound`.
pub async fn own_run(db: &Pool, viewer: &Viewer, raw_id: &str) -> Result<RunRow> {
    let run = run_by_id(db, raw_id).await?;
    if viewer.owns_run(&run) { Ok(run) } else { Err(AccessError::NotFound) }
}

/// The class if this instructor teaches it; otherwise `NotFound`.
pub async fn taught_class(db: &Pool, instructor: &Instructor, raw_id: &str) -> Result<ClassRow> {
    let id: i64 = raw_id.parse().map_err(|_| AccessError::NotFound)?;
    let class = class::get(db, id).await?.ok_or(AccessError::NotFound)?;
    if class.instructor_id == instructor.instructor_id {
        Ok(class)
    } else {
        Err(AccessError::NotFound)
    }
}

/// A learner of a class already handed out by `taught_class`; anyone else is `NotFound`.
pub async fn class_learner(db: &Pool, class: &ClassRow, raw_learner: &str) -> Result<Member> {
    let learner_id: i64 = raw_learner.parse().map_err(|_| AccessError::NotFound)?;
    membership::member(db, class.class_id, learner_id).await?.ok_or(AccessError::NotFound)
}
