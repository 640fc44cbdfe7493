//! What waits in the queue and when each waiting run is expected to start: the queue in claim
//! order, the executing runs and recent durations, read together and put through `estimate`.

use crate::db::Pool;
use crate::on_pool;

use super::RunId;
use super::estimate::{Durations, starts};
use super::queue::order_by;

/// How many of the latest finished runs are read to learn durations from.
const RECENT: i64 = 400;

/// A queued run with its place and estimated start.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiting {
    pub run_id: RunId,
    pub learner_id: i64,
    pub experiment: String,
    pub submitted_at: String,
    /// Seconds since it was submitted.
    pub waited_s: f64,
    /// 1 for the run that executes next.
    pub position: i64,
    /// Seconds until it is expected to start.
    pub eta_s: f64,
}

#[derive(sqlx::FromRow)]
struct QueuedRow {
    #[sqlx(try_from = "String")]
    run_id: RunId,
    learner_id: i64,
    experiment: String,
    submitted_at: String,
    waited_s: f64,
    size: f64,
}

/// Every queued run in claim order, with its estimate for `workers` parallel workers.
pub async fn waiting(db: &Pool, workers: usize) -> sqlx::Result<Vec<Waiting>> {
    let sql = format!(
        "select q.run_id, q.learner_id, q.experiment, q.submitted_at, {} as waited_s, q.size \
         from run q where q.status = 'queued' order by {}",
        db.dialect().seconds_since("q.submitted_at"),
        order_by("q")
    );
    let queued: Vec<QueuedRow> =
        on_pool!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await)?;
    if queued.is_empty() {
        return Ok(Vec::new());
    }
    let durations = Durations::from_recent(&recent_durations(db).await?);
    let running_left: Vec<f64> = running_elapsed(db)
        .await?
        .into_iter()
        .map(|(experiment, size, elapsed)| durations.expected(&experiment) * size - elapsed)
        .collect();
    // A run that asked for five times the work is expected to take five times as long.
    let expected: Vec<f64> =
        queued.iter().map(|q| durations.expected(&q.experiment) * q.size).collect();
    let etas = starts(&running_left, &expected, workers);
    Ok(queued
        .into_iter()
        .zip(etas)
        .zip(1..)
        .map(|((q, eta_s), position)| Waiting {
            run_id: q.run_id,
            learner_id: q.learner_id,
            experiment: q.experiment,
            submitted_at: q.submitted_at,
            waited_s: q.waited_s.max(0.0),
            position,
            eta_s,
        })
        .collect())
}

/// `(experiment, seconds per unit of size)` of the latest finished runs, newest first: a run of
/// twice the defaults' work counts half its duration. Cancelled runs are left out: they end
/// when someone gives up, not when the work is done. Walking the table back by rowid stops
/// after `RECENT` rows, where ordering by `finished_at` would sort all of them.
async fn recent_durations(db: &Pool) -> sqlx::Result<Vec<(String, f64)>> {
    let sql = format!(
        "select experiment, {} / size \
         from run where status in ('succeeded', 'failed', 'timed_out') \
           and started_at is not null and finished_at is not null \
         order by rowid desc limit $1",
        db.dialect().seconds_between("started_at", "finished_at")
    );
    on_pool!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(RECENT).fetch_all(p).await)
}

/// `(experiment, size, seconds since it started)` of each executing run.
async fn running_elapsed(db: &Pool) -> sqlx::Result<Vec<(String, f64, f64)>> {
    let sql = format!(
        "select experiment, size, {} from run where status = 'running' and started_at is not null",
        db.dialect().seconds_since("started_at")
    );
    on_pool!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await)
}
