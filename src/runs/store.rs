//! SQL for runs: the `run` table is both the record of every run and the queue.

use sqlx::FromRow;
use sqlx::types::Json;

use super::prediction::Prediction;
pub use super::queue::{claim_next, queue_position};
use super::result::{RunResult, Timelines};
use super::{RunId, RunStatus, now_rfc3339};
use crate::content::ParamValues;
use crate::db::{Pool, Tx};
use crate::{on_pool, on_tx};

/// A run as stored.
#[derive(Debug, Clone, FromRow)]
pub struct RunRow {
    #[sqlx(try_from = "String")]
    pub run_id: RunId,
    pub learner_id: i64,
    pub experiment: String,
    pub params: Json<ParamValues>,
    pub code: String,
    pub code_edited: bool,
    pub prediction: Option<Json<Prediction>>,
    pub explanation: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: RunStatus,
    pub reason: Option<String>,
    pub exit_code: Option<i64>,
    pub stdout: String,
    pub stderr: String,
    result: Option<Json<RunResult>>,
    timelines: Option<Json<Timelines>>,
    pub runtime: Option<String>,
    pub submitted_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub attempts: i64,
    /// Where the run was (or is being) executed: the worker's host and pinned CPUs.
    pub worker_host: Option<String>,
    pub worker_cpus: Option<String>,
}

impl RunRow {
    pub fn id(&self) -> RunId {
        self.run_id.clone()
    }

    pub fn status(&self) -> RunStatus {
        self.status
    }

    /// The whole result, its timelines put back in.
    pub fn result(&self) -> Option<RunResult> {
        let result = self.result.as_ref()?.0.clone();
        Some(match &self.timelines {
            Some(Json(timelines)) => result.with_timelines(timelines.clone()),
            None => result,
        })
    }

    pub fn prediction(&self) -> Option<&Prediction> {
        self.prediction.as_ref().map(|p| &p.0)
    }
}

pub(super) const COLUMNS: &str = "run_id, learner_id, experiment, params, code, code_edited, prediction, \
    explanation, status, reason, exit_code, stdout, stderr, result, timelines, runtime, \
    submitted_at, started_at, finished_at, attempts, worker_host, worker_cpus";

/// How many of the learner's runs wait in the queue, and how many they submitted since `since`.
pub async fn learner_load(tx: &mut Tx, learner_id: i64, since: &str) -> sqlx::Result<(i64, i64)> {
    on_tx!(tx, c => sqlx::query_as(
        "select count(*) filter (where status in ('queued', 'running')), \
                count(*) filter (where submitted_at >= $1) \
         from run where learner_id = $2",
    )
    .bind(since)
    .bind(learner_id)
    .fetch_one(c)
    .await)
}

pub async fn get(pool: &Pool, id: &RunId) -> sqlx::Result<Option<RunRow>> {
    let sql = format!("select {COLUMNS} from run where run_id = $1");
    on_pool!(pool, p => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.as_str()).fetch_optional(p).await
    })
}

pub async fn list_for_learner(
    pool: &Pool,
    learner_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<RunRow>> {
    on_pool!(pool, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from run where learner_id = $1 order by submitted_at desc, rowid desc limit $2"
    )))
    .bind(learner_id)
    .bind(limit)
    .fetch_all(p)
    .await)
}

/// What a finished run leaves behind.
pub struct Finish<'a> {
    pub status: RunStatus,
    pub reason: Option<&'a str>,
    pub exit_code: Option<i64>,
    pub stdout: &'a str,
    pub stderr: &'a str,
    pub result: Option<&'a RunResult>,
    pub runtime: Option<&'a str>,
}

/// Records how the run ended, if `owner` still holds its lease (one that lost it, to a sweep
/// that queued the run again, must not overwrite what the next worker does). Whether it did.
#[tracing::instrument(skip_all, fields(run_id = %id, status = finish.status.as_str()))]
pub async fn finish(
    pool: &Pool,
    id: &RunId,
    owner: &str,
    finish: &Finish<'_>,
) -> sqlx::Result<bool> {
    let (result, timelines) = match finish.result {
        Some(result) => {
            let (numbers, timelines) = result.clone().split_timelines();
            (Some(Json(numbers)), Some(Json(timelines)))
        }
        None => (None, None),
    };
    on_pool!(pool, p => sqlx::query(
        "update run set status = $1, reason = $2, exit_code = $3, stdout = $4, stderr = $5, \
         result = $6, timelines = $7, runtime = $8, finished_at = $9, submitted_from = null, \
         lease_owner = null, lease_until = null \
         where run_id = $10 and status = 'running' and lease_owner = $11",
    )
    .bind(finish.status.as_str())
    .bind(finish.reason)
    .bind(finish.exit_code)
    .bind(finish.stdout)
    .bind(finish.stderr)
    .bind(result)
    .bind(timelines)
    .bind(finish.runtime)
    .bind(now_rfc3339())
    .bind(id.as_str())
    .bind(owner)
    .execute(p)
    .await
    .map(|done| done.rows_affected() == 1))
}

/// Extends the lease `owner` holds on the run. `None` if it no longer holds it (the run was
/// swept back to the queue); else whether someone asked to cancel the run meanwhile.
pub async fn renew_lease(
    pool: &Pool,
    id: &RunId,
    owner: &str,
    until: &str,
) -> sqlx::Result<Option<bool>> {
    on_pool!(pool, p => {
        sqlx::query_scalar(
            "update run set lease_until = $1 \
             where run_id = $2 and status = 'running' and lease_owner = $3 \
             returning cancel_requested",
        )
        .bind(until)
        .bind(id.as_str())
        .bind(owner)
        .fetch_optional(p)
        .await
    })
}

/// The output so far of a run `owner` executes, stored and announced (PostgreSQL only) for web
/// nodes on other hosts that watch it; SQLite's one process tells its watchers itself.
pub async fn share_output(
    pool: &Pool,
    id: &RunId,
    owner: &str,
    stdout: &str,
    stderr: &str,
) -> sqlx::Result<()> {
    let Pool::Postgres(pool) = pool else { return Ok(()) };
    sqlx::query(
        "with saved as (update run set stdout = $1, stderr = $2 \
           where run_id = $3 and status = 'running' and lease_owner = $4 returning run_id) \
         select pg_notify('run_changed', run_id) from saved",
    )
    .bind(stdout)
    .bind(stderr)
    .bind(id.as_str())
    .bind(owner)
    .execute(pool)
    .await
    .map(drop)
}

pub const LOST_REASON: &str = "서버가 실행 도중 여러 번 멈춰 이 실행을 끝내지 못했습니다.";

/// Runs whose lease ran out before `before` lost their worker: queued again, or failed once
/// they have been started `max_attempts` times. (A run claimed before leases existed has none,
/// and counts as lost.) `(requeued, failed)`.
pub async fn expire_leases(
    pool: &Pool,
    max_attempts: i64,
    before: &str,
) -> sqlx::Result<(u64, u64)> {
    let lost = "status = 'running' and (lease_until is null or lease_until < $1)";
    let fail = format!(
        "update run set status = 'failed', finished_at = $4, reason = $2, submitted_from = null, \
           lease_owner = null, lease_until = null \
         where {lost} and attempts >= $3"
    );
    let failed = on_pool!(pool, p => {
        sqlx::query(sqlx::AssertSqlSafe(fail))
            .bind(before)
            .bind(LOST_REASON)
            .bind(max_attempts)
            .bind(now_rfc3339())
            .execute(p)
            .await
            .map(|done| done.rows_affected())
    })?;
    let requeue = format!(
        "update run set status = 'queued', started_at = null, lease_owner = null, \
           lease_until = null where {lost}"
    );
    let requeued = on_pool!(pool, p => {
        sqlx::query(sqlx::AssertSqlSafe(requeue))
            .bind(before)
            .execute(p)
            .await
            .map(|done| done.rows_affected())
    })?;
    Ok((requeued, failed))
}

/// Cancels a queued run at once; marks a running one so its worker stops it.
/// Returns the status after the request, or `None` if the run is already finished.
pub async fn request_cancel(pool: &Pool, id: &RunId) -> sqlx::Result<Option<RunStatus>> {
    let status: Option<String> = on_pool!(pool, p => sqlx::query_scalar(
        "update run set \
           status = case when status = 'queued' then 'cancelled' else status end, \
           cancel_requested = true, \
           reason = case when status = 'queued' then $1 else reason end, \
           finished_at = case when status = 'queued' then $2 else finished_at end, \
           submitted_from = case when status = 'queued' then null else submitted_from end \
         where run_id = $3 and status in ('queued', 'running') returning status",
    )
    .bind(CANCELLED_REASON)
    .bind(now_rfc3339())
    .bind(id.as_str())
    .fetch_optional(p)
    .await)?;
    Ok(status.as_deref().and_then(RunStatus::parse))
}

pub const CANCELLED_REASON: &str = "실행을 취소했습니다.";

/// After a crash or restart of the one process using a SQLite store: every run left `running`
/// was its own, so every one counts as lost, whatever its lease says.
pub async fn recover_interrupted(pool: &Pool, max_attempts: i64) -> sqlx::Result<(u64, u64)> {
    expire_leases(pool, max_attempts, "9999-12-31T23:59:59.999Z").await
}

/// Puts a run interrupted by shutdown back in the queue, keeping its place.
pub async fn requeue(pool: &Pool, id: &RunId) -> sqlx::Result<()> {
    on_pool!(pool, p => sqlx::query("update run set status = 'queued', started_at = null, lease_owner = null, lease_until = null where run_id = $1 and status = 'running'")
        .bind(id.as_str())
        .execute(p)
        .await
        .map(drop))
}

pub async fn cancel_requested(pool: &Pool, id: &RunId) -> sqlx::Result<bool> {
    let flag: Option<bool> = on_pool!(pool, p => {
        sqlx::query_scalar("select cancel_requested from run where run_id = $1")
            .bind(id.as_str())
            .fetch_optional(p)
            .await
    })?;
    Ok(flag.unwrap_or(false))
}

/// Saves the learner's "why?" answer.
pub async fn save_explanation(pool: &Pool, id: &RunId, text: &str) -> sqlx::Result<()> {
    on_pool!(pool, p => {
        sqlx::query("update run set explanation = $1 where run_id = $2")
            .bind(text)
            .bind(id.as_str())
            .execute(p)
            .await
            .map(drop)
    })
}

/// A learner's latest runs of the given experiments, newest first (for the cards of a lesson).
pub async fn recent_of_experiments(
    pool: &Pool,
    learner_id: i64,
    experiments: &[&str],
    per_experiment: usize,
) -> sqlx::Result<Vec<RunRow>> {
    let mut runs = Vec::new();
    for experiment in experiments {
        let rows: Vec<RunRow> = on_pool!(pool, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} from run where learner_id = $1 and experiment = $2 \
             order by submitted_at desc, rowid desc limit $3"
        )))
        .bind(learner_id)
        .bind(experiment)
        .bind(per_experiment as i64)
        .fetch_all(p)
        .await)?;
        runs.extend(rows);
    }
    Ok(runs)
}

/// The learner's latest successful run of the same experiment before `run`: what to compare
/// it with.
pub async fn previous_of(pool: &Pool, run: &RunRow) -> sqlx::Result<Option<RunRow>> {
    on_pool!(pool, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from run where learner_id = $1 and experiment = $2 \
         and status = 'succeeded' and run_id <> $3 and submitted_at <= $4 \
         order by submitted_at desc, rowid desc limit 1"
    )))
    .bind(run.learner_id)
    .bind(&run.experiment)
    .bind(run.run_id.as_str())
    .bind(&run.submitted_at)
    .fetch_optional(p)
    .await)
}

/// How many runs of `experiment` a learner has made, however they ended.
pub async fn count_of_experiment(
    pool: &Pool,
    learner_id: i64,
    experiment: &str,
) -> sqlx::Result<i64> {
    on_pool!(pool, p => sqlx::query_scalar(
        "select count(*) from run where learner_id = $1 and experiment = $2",
    )
    .bind(learner_id)
    .bind(experiment)
    .fetch_one(p)
    .await)
}

/// The experiments a learner has run to success at least once.
pub async fn experiments_done(pool: &Pool, learner_id: i64) -> sqlx::Result<Vec<String>> {
    on_pool!(pool, p => sqlx::query_scalar(
        "select distinct experiment from run where learner_id = $1 and status = 'succeeded'",
    )
    .bind(learner_id)
    .fetch_all(p)
    .await)
}
