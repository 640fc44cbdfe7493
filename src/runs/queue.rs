//! The order runs leave the queue in: class members before anonymous visitors, then turn by
//! turn between learners, then first come first served; and what waits in it, for admission.
//!
//! A run's `turn` is given when it is queued: one past its learner's last waiting run, but never
//! before the round being served (the highest turn that has left the queue). So a learner who
//! queues five runs holds turns 1‥5, and one who comes after with one run gets the round being
//! served and goes before the first learner's second, even when runs finish one at a time.

use sqlx::types::Json;

use super::lease::Lease;
use super::prediction::Prediction;
use super::store::{COLUMNS, RunRow};
use super::{RunId, now_rfc3339};
use crate::content::ParamValues;
use crate::db::{Pool, Tx};
use crate::{on_pool, on_tx};

/// Whether the learner of the run aliased `run` is in no open class: 1 for anonymous, 0 for a
/// member. An archived class no longer vouches for its members (an instructor who finds
/// strangers in a class archives it). A class demo's run (its learner is the class's demo
/// runner) is served like a member's: the whole class waits for it.
fn anonymous(run: &str) -> String {
    format!(
        "(not exists ({MEMBERSHIP} and m.learner_id = {run}.learner_id) \
          and not exists ({DEMO_RUNNER} {run}.learner_id))"
    )
}

/// Probed per learner (through `class_demo_runner`).
const DEMO_RUNNER: &str = "select 1 from class_demo d where d.runner_id =";

/// Probed per learner (through `class_member_learner`), never read whole.
const MEMBERSHIP: &str = "select 1 from class_member m join class c using (class_id) \
     where c.archived_at is null";

/// The claim order of the queued run aliased `run`, as a row value (smaller goes first).
fn order_key(run: &str) -> String {
    format!("({}, {run}.turn, {run}.rowid)", anonymous(run))
}

/// The claim order of queued runs aliased `run`, for an `order by`.
pub(super) fn order_by(run: &str) -> String {
    format!("{}, {run}.turn, {run}.rowid", anonymous(run))
}

/// Takes the first queued run in the claim order and marks it running under `lease`, in one
/// statement. On PostgreSQL, where workers on several hosts claim at once, a run another claim
/// holds is skipped rather than waited for.
pub async fn claim_next(pool: &Pool, lease: &Lease) -> sqlx::Result<Option<RunRow>> {
    let sql = format!(
        "update run set status = 'running', started_at = $1, attempts = attempts + 1, \
           lease_owner = $2, lease_until = $3, worker_host = $4, worker_cpus = $5 \
         where rowid = (select q.rowid from run q where q.status = 'queued' \
                        order by {}, q.turn, q.rowid limit 1{}) \
         returning {COLUMNS}",
        anonymous("q"),
        pool.dialect().skip_locked()
    );
    on_pool!(pool, p => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(now_rfc3339())
            .bind(&lease.owner)
            .bind(lease.until())
            .bind(&lease.host)
            .bind(lease.cpus.as_deref())
            .fetch_optional(p)
            .await
    })
}

/// 1 for the run that executes next; `None` once it is no longer queued. It counts the queued
/// runs at or before this one in the claim order, so it can grow when a class member queues.
pub async fn queue_position(pool: &Pool, id: &RunId) -> sqlx::Result<Option<i64>> {
    on_pool!(pool, p => sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "select (select count(*) from run q where q.status = 'queued' and {} <= {}) \
         from run r where r.run_id = $1 and r.status = 'queued'",
        order_key("q"),
        order_key("r")
    )))
    .bind(id.as_str())
    .fetch_optional(p)
    .await)
}

/// What waits (queued or running) that the admission caps count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLoad {
    /// Bytes of code in queued runs.
    pub queued_code_bytes: i64,
    /// Runs of learners in no class.
    pub anonymous: i64,
    /// Runs of learners in no class, submitted from the given address.
    pub anonymous_from_address: i64,
}

pub async fn load(tx: &mut Tx, address: &str) -> sqlx::Result<QueueLoad> {
    let anonymous = anonymous("run");
    let sql = format!(
        "select cast(coalesce(sum(case when status = 'queued' then code_bytes end), 0) as bigint), \
                count(*) filter (where {anonymous}), \
                count(*) filter (where {anonymous} and submitted_from = $1) \
         from run where status in ('queued', 'running')"
    );
    let (queued_code_bytes, anonymous, anonymous_from_address) = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(address).fetch_one(c).await
    })?;
    Ok(QueueLoad { queued_code_bytes, anonymous, anonymous_from_address })
}

/// Whether the learner is in no class (their runs go after members' and count as anonymous).
pub async fn is_anonymous(tx: &mut Tx, learner_id: i64) -> sqlx::Result<bool> {
    let sql = format!("select not exists ({MEMBERSHIP} and m.learner_id = $1)");
    on_tx!(tx, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(learner_id).fetch_one(c).await)
}

/// A new run, ready to insert: inserting it *is* enqueuing it.
pub struct NewRun<'a> {
    pub id: &'a RunId,
    pub learner_id: i64,
    pub experiment: &'a str,
    pub params: Json<&'a ParamValues>,
    pub code: &'a str,
    pub code_edited: bool,
    pub prediction: Option<Json<&'a Prediction>>,
    /// The client's address, kept while the run waits (for the anonymous caps).
    pub submitted_from: &'a str,
    /// The work asked for against the experiment's defaults, for the queue's estimate.
    pub size: f64,
}

/// Inserts the run with its turn: after the learner's waiting runs, not before the round served.
#[tracing::instrument(skip_all, fields(run_id = %run.id))]
pub async fn enqueue(tx: &mut Tx, run: &NewRun<'_>) -> sqlx::Result<()> {
    let greatest = tx.dialect().greatest();
    let sql = format!(
        "insert into run (run_id, learner_id, experiment, params, code, code_edited, prediction, \
         status, submitted_at, code_bytes, submitted_from, size, turn) \
         values ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $9, $10, $11, {greatest}( \
           (select coalesce(max(turn), 0) + 1 from run \
            where status in ('queued', 'running') and learner_id = $2), \
           coalesce((select turn from run where status <> 'queued' \
                     order by turn desc limit 1), 0)))"
    );
    on_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql))
    .bind(run.id.as_str())
    .bind(run.learner_id)
    .bind(run.experiment)
    .bind(run.params)
    .bind(run.code)
    .bind(run.code_edited)
    .bind(run.prediction)
    .bind(now_rfc3339())
    .bind(run.code.len() as i64)
    .bind(run.submitted_from)
    .bind(run.size)
    .execute(c)
    .await
    .map(drop))
}
