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
    submitted_at, started_at, finished_at, attempts";

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

#[tracing::instrument(skip_all, fields(run_id = %id, status = finish.status.as_str()))]
pub async fn finish(pool: &Pool, id: &RunId, finish: &Finish<'_>) -> sqlx::Result<()> {
    let (result, timelines) = match finish.result {
        Some(result) => {
            let (numbers, timelines) = result.clone().split_timelines();
            (Some(Json(numbers)), Some(Json(timelines)))
        }
        None => (None, None),
    };
    on_pool!(pool, p => sqlx::query(
        "update run set status = $1, reason = $2, exit_code = $3, stdout = $4, stderr = $5, \
         result = $6, timelines = $7, runtime = $8, finished_at = $9, submitted_from = null \
         where run_id = $10",
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
    .execute(p)
    .await
    .map(drop))
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

/// After a crash or restart: runs left `running` go back to the queue once, then fail.
pub async fn recover_interrupted(pool: &Pool, max_attempts: i64) -> sqlx::Result<(u64, u64)> {
    let failed = on_pool!(pool, p => sqlx::query(
        "update run set status = 'failed', finished_at = $1, \
           reason = '서버가 실행 도중 여러 번 멈춰 이 실행을 끝내지 못했습니다.' \
         where status = 'running' and attempts >= $2",
    )
    .bind(now_rfc3339())
    .bind(max_attempts)
    .execute(p)
    .await
    .map(|done| done.rows_affected()))?;
    let requeued = on_pool!(pool, p => {
        sqlx::query("update run set status = 'queued', started_at = null where status = 'running'")
            .execute(p)
            .await
            .map(|done| done.rows_affected())
    })?;
    Ok((requeued, failed))
}

/// Puts a run interrupted by shutdown back in the queue, keeping its place.
pub async fn requeue(pool: &Pool, id: &RunId) -> sqlx::Result<()> {
    on_pool!(pool, p => sqlx::query("update run set status = 'queued', started_at = null where run_id = $1 and status = 'running'")
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

/// The experiments a learner has run to success at least once.
pub async fn experiments_done(pool: &Pool, learner_id: i64) -> sqlx::Result<Vec<String>> {
    on_pool!(pool, p => sqlx::query_scalar(
        "select distinct experiment from run where learner_id = $1 and status = 'succeeded'",
    )
    .bind(learner_id)
    .fetch_all(p)
    .await)
}
