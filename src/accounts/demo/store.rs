//! SQL of class demos: opening one, predictions, the run (enqueued in the same transaction that
//! moves the phase), catching up with the run's end, ending, and what the class pages read.
//! Every function takes a class or demo already handed out by the web layer's access checks.

use crate::db::{Pool, Tx};
use crate::{on_pool, on_tx};
use sqlx::types::Json;

use super::{Demo, DemoError, DemoPrediction, Phase};
use crate::accounts::learner::{self, LearnerToken};
use crate::content::ExperimentId;
use crate::runs::prediction::Prediction;
use crate::runs::queue::{self, NewRun};
use crate::runs::{RunId, Submission, now_rfc3339};

const COLUMNS: &str = "demo_id, class_id, experiment, phase, runner_id, run_id, opened_at, \
                       run_at, measured_at, ended_at";

/// The learner whose name the class's demo runs go under: made once per class, never a member
/// (so never on the roster) and holding no cookie anyone has.
async fn runner_of(tx: &mut Tx, class_id: i64) -> sqlx::Result<i64> {
    let existing: Option<i64> = on_tx!(&mut *tx, c => sqlx::query_scalar(
        "select runner_id from class_demo where class_id = $1 order by demo_id desc limit 1",
    )
    .bind(class_id)
    .fetch_optional(&mut *c).await)?;
    match existing {
        Some(id) => Ok(id),
        None => learner::create(tx, &LearnerToken::mint()).await,
    }
}

/// Opens a demo of `experiment` for the class; one at a time per class.
#[tracing::instrument(skip(pool))]
pub async fn open(
    pool: &Pool,
    class_id: i64,
    experiment: &ExperimentId,
) -> Result<Demo, DemoError> {
    let mut tx = pool.begin_write().await?;
    let runner_id = runner_of(&mut tx, class_id).await?;
    let inserted = on_tx!(&mut tx, c => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "insert into class_demo (class_id, experiment, runner_id, opened_at) values ($1, $2, $3, $4) \
         returning {COLUMNS}"
    )))
    .bind(class_id)
    .bind(experiment.as_str())
    .bind(runner_id)
    .bind(now_rfc3339())
    .fetch_one(&mut *c).await);
    let demo = match inserted {
        Ok(demo) => demo,
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(DemoError::AlreadyInProgress);
        }
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok(demo)
}

/// A running demo whose run has ended becomes measured: the worker knows nothing of demos, so
/// whoever reads the class's demos first after the end moves it.
async fn catch_up(pool: &Pool, class_id: i64) -> sqlx::Result<()> {
    on_pool!(pool, c => sqlx::query(
        "update class_demo set phase = 'measured', \
           measured_at = (select r.finished_at from run r where r.run_id = class_demo.run_id) \
         where class_id = $1 and phase = 'running' and exists (select 1 from run r \
           where r.run_id = class_demo.run_id and r.status not in ('queued', 'running'))",
    )
    .bind(class_id)
    .execute(c).await.map(drop))?;
    Ok(())
}

/// The class's latest demo that was not closed (in progress, or opened for everyone).
pub async fn latest(pool: &Pool, class_id: i64) -> sqlx::Result<Option<Demo>> {
    catch_up(pool, class_id).await?;
    on_pool!(pool, c => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from class_demo where class_id = $1 and phase <> 'closed' \
         order by demo_id desc limit 1"
    )))
    .bind(class_id)
    .fetch_optional(c).await)
}

/// The demo the learner sees: the latest not closed in the open classes they belong to.
pub async fn latest_for_learner(pool: &Pool, learner_id: i64) -> sqlx::Result<Option<Demo>> {
    let class_id: Option<i64> = on_pool!(pool, c => sqlx::query_scalar(
        "select d.class_id from class_demo d join class_member m using (class_id) \
         join class c using (class_id) where m.learner_id = $1 and c.archived_at is null \
         and d.phase <> 'closed' order by d.demo_id desc limit 1",
    )
    .bind(learner_id)
    .fetch_optional(c).await)?;
    match class_id {
        Some(class_id) => latest(pool, class_id).await,
        None => Ok(None),
    }
}

/// One demo of the class by id (an unknown or foreign id is `None`).
pub async fn get(pool: &Pool, class_id: i64, demo_id: i64) -> sqlx::Result<Option<Demo>> {
    catch_up(pool, class_id).await?;
    on_pool!(pool, c => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from class_demo where class_id = $1 and demo_id = $2"
    )))
    .bind(class_id)
    .bind(demo_id)
    .fetch_optional(c).await)
}

/// Records (or replaces) the learner's prediction, while the demo takes predictions.
#[tracing::instrument(skip(pool, prediction))]
pub async fn predict(
    pool: &Pool,
    demo_id: i64,
    learner_id: i64,
    prediction: &Prediction,
) -> Result<(), DemoError> {
    let done = on_pool!(pool, c => sqlx::query(
        "insert into demo_prediction (demo_id, learner_id, prediction, predicted_at) \
         select $1, $2, $3, $4 where exists \
           (select 1 from class_demo where demo_id = $1 and phase = 'predicting') \
         on conflict (demo_id, learner_id) do update \
           set prediction = excluded.prediction, predicted_at = excluded.predicted_at",
    )
    .bind(demo_id)
    .bind(learner_id)
    .bind(Json(prediction))
    .bind(now_rfc3339())
    .execute(c).await.map(|done| done.rows_affected()))?;
    if done == 0 { Err(DemoError::PredictionsClosed) } else { Ok(()) }
}

/// Locks the predictions and enqueues the demo run, in one transaction: the demo never says
/// running without its run in the queue. A demo whose run failed, or was measured while
/// other programs took its cores, may run again.
#[tracing::instrument(skip(pool, submission), fields(demo_id = demo.demo_id))]
pub async fn start_run(
    pool: &Pool,
    demo: &Demo,
    submission: &Submission,
    address: &str,
) -> Result<RunId, DemoError> {
    let mut tx = pool.begin_write().await?;
    let id = RunId::new();
    let run = NewRun {
        id: &id,
        learner_id: demo.runner_id,
        experiment: submission.experiment.as_str(),
        params: Json(&submission.params),
        code: &submission.code,
        code_edited: submission.code_edited,
        prediction: None,
        submitted_from: address,
        size: submission.size,
    };
    // The run row first: the demo points at it (a foreign key, checked per statement). A
    // refusal below drops the transaction, and the run with it.
    queue::enqueue(&mut tx, &run).await?;
    let contended = tx.dialect().json_is_true("r.result", &["environment", "contended"]);
    let sql = format!(
        "update class_demo set phase = 'running', run_id = $1, run_at = $2, measured_at = null \
         where demo_id = $3 and (phase = 'predicting' or (phase = 'measured' and exists \
           (select 1 from run r where r.run_id = class_demo.run_id and (r.status <> 'succeeded' \
              or {contended}))))"
    );
    let moved = on_tx!(&mut tx, c => sqlx::query(sqlx::AssertSqlSafe(sql))
    .bind(id.as_str())
    .bind(now_rfc3339())
    .bind(demo.demo_id)
    .execute(&mut *c).await.map(|done| done.rows_affected()))?;
    if moved == 0 {
        return Err(DemoError::CannotRun);
    }
    tx.commit().await?;
    Ok(id)
}

/// Ends the demo: `Opened` once measured, `Closed` from any phase in progress.
#[tracing::instrument(skip(pool))]
pub async fn end(pool: &Pool, demo: &Demo, to: Phase) -> Result<(), DemoError> {
    let (from, refusal): (&[Phase], _) = match to {
        Phase::Opened => (&[Phase::Measured], DemoError::NotMeasured),
        _ => (&[Phase::Predicting, Phase::Running, Phase::Measured], DemoError::Ended),
    };
    if !from.contains(&demo.phase) {
        return Err(if demo.phase.in_progress() { refusal } else { DemoError::Ended });
    }
    let moved = on_pool!(pool, c => sqlx::query(
        "update class_demo set phase = $1, ended_at = $2 where demo_id = $3 and phase = $4",
    )
    .bind(to.as_str())
    .bind(now_rfc3339())
    .bind(demo.demo_id)
    .bind(demo.phase.as_str())
    .execute(c).await.map(|done| done.rows_affected()))?;
    // Someone else moved it meanwhile (a second tab): say so rather than pretend.
    if moved == 0 { Err(refusal) } else { Ok(()) }
}

/// The demo's predictions, by the learners' names in the class.
pub async fn predictions(pool: &Pool, demo: &Demo) -> sqlx::Result<Vec<DemoPrediction>> {
    on_pool!(pool, c => sqlx::query_as(
        "select p.learner_id, m.display_name, p.prediction, p.predicted_at \
         from demo_prediction p join class_member m \
           on m.learner_id = p.learner_id and m.class_id = $1 \
         where p.demo_id = $2 order by m.display_name",
    )
    .bind(demo.class_id)
    .bind(demo.demo_id)
    .fetch_all(c).await)
}

/// The learner's own prediction for the demo, if they gave one.
pub async fn prediction_of(
    pool: &Pool,
    demo_id: i64,
    learner_id: i64,
) -> sqlx::Result<Option<Prediction>> {
    let found: Option<Json<Prediction>> = on_pool!(pool, c => sqlx::query_scalar(
        "select prediction from demo_prediction where demo_id = $1 and learner_id = $2",
    )
    .bind(demo_id)
    .bind(learner_id)
    .fetch_optional(c).await)?;
    Ok(found.map(|Json(p)| p))
}

/// The class's demos of one experiment that got a run, newest first (at most `limit`).
pub async fn of_experiment(
    pool: &Pool,
    class_id: i64,
    experiment: &str,
    limit: i64,
) -> sqlx::Result<Vec<Demo>> {
    catch_up(pool, class_id).await?;
    on_pool!(pool, c => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from class_demo where class_id = $1 and experiment = $2 \
         and run_id is not null order by demo_id desc limit $3"
    )))
    .bind(class_id)
    .bind(experiment)
    .bind(limit)
    .fetch_all(c).await)
}

/// Every demo of the class that got a run, oldest first, for the CSV.
pub async fn all_run(pool: &Pool, class_id: i64) -> sqlx::Result<Vec<Demo>> {
    catch_up(pool, class_id).await?;
    on_pool!(pool, c => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from class_demo where class_id = $1 and run_id is not null \
         order by demo_id"
    )))
    .bind(class_id)
    .fetch_all(c).await)
}

/// How many learners the class has, to say how many of them predicted.
pub async fn member_count(pool: &Pool, class_id: i64) -> sqlx::Result<i64> {
    on_pool!(pool, c => sqlx::query_scalar("select count(*) from class_member where class_id = $1")
        .bind(class_id)
        .fetch_one(c).await)
}

/// A demo of a class the learner belongs to, by id; any other id is `None`.
pub async fn get_for_learner(
    pool: &Pool,
    demo_id: i64,
    learner_id: i64,
) -> sqlx::Result<Option<Demo>> {
    let class_id: Option<i64> = on_pool!(pool, c => sqlx::query_scalar(
        "select d.class_id from class_demo d join class_member m using (class_id) \
         join class c using (class_id) \
         where d.demo_id = $1 and m.learner_id = $2 and c.archived_at is null",
    )
    .bind(demo_id)
    .bind(learner_id)
    .fetch_optional(c).await)?;
    match class_id {
        Some(class_id) => get(pool, class_id, demo_id).await,
        None => Ok(None),
    }
}
