//! What a class is doing, for its dashboard: totals, the roster with each learner's activity,
//! and runs per experiment. Every query starts from `class_member`, so it reads only the runs of
//! the class's learners (the class itself comes from `access::taught_class`).

use sqlx::FromRow;

use crate::db::Pool;
use crate::on_pool;

#[derive(Debug, Clone, Default, FromRow)]
pub struct ClassTotals {
    pub members: i64,
    pub runs: i64,
    /// Learners who submitted a run since the `since` given.
    pub active_learners: i64,
    /// Runs queued or running now.
    pub in_progress: i64,
}

#[tracing::instrument(skip(pool))]
pub async fn totals(pool: &Pool, class_id: i64, since: &str) -> sqlx::Result<ClassTotals> {
    on_pool!(pool, c => sqlx::query_as(
        "select (select count(*) from class_member where class_id = $1) as members, \
                count(r.learner_id) as runs, \
                count(distinct case when r.submitted_at > $2 then r.learner_id end) \
                    as active_learners, \
                count(r.run_id) filter (where r.status in ('queued', 'running')) as in_progress \
         from class_member m join run r on r.learner_id = m.learner_id where m.class_id = $1",
    )
    .bind(class_id)
    .bind(since)
    .fetch_one(c).await)
}

/// Every member of the class: `(learner_id, display_name)`.
pub async fn members(pool: &Pool, class_id: i64) -> sqlx::Result<Vec<(i64, String)>> {
    on_pool!(pool, c => sqlx::query_as("select learner_id, display_name from class_member where class_id = $1")
        .bind(class_id)
        .fetch_all(c).await)
}

/// One learner on the roster.
#[derive(Debug, Clone, FromRow)]
pub struct RosterRow {
    pub learner_id: i64,
    pub display_name: String,
    pub joined_at: String,
    pub runs: i64,
    /// Distinct experiments with at least one successful run.
    pub experiments_done: i64,
    pub in_progress: i64,
    pub last_run_at: Option<String>,
}

/// One page of the roster, by name; only that page's runs are counted.
#[tracing::instrument(skip(pool))]
pub async fn roster(
    pool: &Pool,
    class_id: i64,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<RosterRow>> {
    on_pool!(pool, c => sqlx::query_as(
        "select m.learner_id, m.display_name, m.joined_at, count(r.learner_id) as runs, \
                count(distinct case when r.status = 'succeeded' then r.experiment end) \
                    as experiments_done, \
                count(r.run_id) filter (where r.status in ('queued', 'running')) as in_progress, \
                max(r.submitted_at) as last_run_at \
         from (select learner_id, display_name, joined_at from class_member where class_id = $1 \
               order by display_name, learner_id limit $2 offset $3) m \
         left join run r on r.learner_id = m.learner_id \
         group by m.learner_id, m.display_name, m.joined_at order by m.display_name, m.learner_id",
    )
    .bind(class_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(c).await)
}

/// Runs of one experiment in the class.
#[derive(Debug, Clone, FromRow)]
pub struct ExperimentActivity {
    pub experiment: String,
    pub runs: i64,
    pub learners: i64,
    pub succeeded: i64,
    pub last_run_at: String,
}

#[tracing::instrument(skip(pool))]
pub async fn experiment_activity(
    pool: &Pool,
    class_id: i64,
) -> sqlx::Result<Vec<ExperimentActivity>> {
    on_pool!(pool, c => sqlx::query_as(
        "select r.experiment, count(*) as runs, count(distinct r.learner_id) as learners, \
                count(r.run_id) filter (where r.status = 'succeeded') as succeeded, \
                max(r.submitted_at) as last_run_at \
         from class_member m join run r on r.learner_id = m.learner_id \
         where m.class_id = $1 group by r.experiment",
    )
    .bind(class_id)
    .fetch_all(c).await)
}
