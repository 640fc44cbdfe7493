//! The runs of a class's learners as its instructor reads them: per experiment, per learner, and
//! all of them for the CSV export. Every query starts from `class_member` of one class (handed out
//! by `access::taught_class`), so nothing outside the class is ever read.

use futures_util::TryStreamExt;
use sqlx::FromRow;
use sqlx::types::Json;

use crate::db::Pool;
use crate::on_pool;

use crate::content::ParamValues;
use crate::runs::prediction::Prediction;
use crate::runs::result::RunResult;

/// A run with its learner's name in the class.
#[derive(Debug, Clone, FromRow)]
pub struct ClassRun {
    pub run_id: String,
    pub learner_id: i64,
    pub display_name: String,
    pub experiment: String,
    pub status: String,
    pub params: Json<ParamValues>,
    pub code_edited: bool,
    pub prediction: Option<Json<Prediction>>,
    pub explanation: Option<String>,
    /// The numbers of the result; its timelines are in another column, never read here.
    pub result: Option<Json<RunResult>>,
    pub submitted_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// Only the per-learner query reads the code.
    #[sqlx(default)]
    pub code: Option<String>,
}

impl ClassRun {
    pub fn result(&self) -> Option<&RunResult> {
        self.result.as_ref().map(|r| &r.0)
    }

    pub fn prediction(&self) -> Option<&Prediction> {
        self.prediction.as_ref().map(|p| &p.0)
    }

    pub fn explanation(&self) -> Option<&str> {
        self.explanation.as_deref().map(str::trim).filter(|e| !e.is_empty())
    }
}

const COLUMNS: &str = "r.run_id, r.learner_id, m.display_name, r.experiment, r.status, r.params, \
    r.code_edited, r.prediction, r.explanation, r.result, r.submitted_at, r.started_at, \
    r.finished_at";

const FROM_CLASS: &str = "from class_member m join run r on r.learner_id = m.learner_id \
                          where m.class_id = $1";

/// Every successful run of the experiment in the class, newest first: what the class measured.
/// One read, from which the page takes each learner's latest, the predicted and the contended.
#[tracing::instrument(skip(pool))]
pub async fn succeeded_runs(
    pool: &Pool,
    class_id: i64,
    experiment: &str,
) -> sqlx::Result<Vec<ClassRun>> {
    let sql = format!(
        "select {COLUMNS} {FROM_CLASS} and r.experiment = $2 and r.status = 'succeeded' \
         order by r.submitted_at desc, r.rowid desc"
    );
    on_pool!(pool, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(class_id).bind(experiment).fetch_all(c).await)
}

/// `%` and `_` typed by the instructor are searched for, not wildcards.
fn like_pattern(query: &str) -> String {
    let escaped = query.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// One page of the learners' explanations, newest first, optionally only those (or whose
/// learner's name) containing `query`; and how many there are in all.
#[tracing::instrument(skip(pool))]
pub async fn explanations(
    pool: &Pool,
    class_id: i64,
    experiment: &str,
    query: &str,
    page: (i64, i64),
) -> sqlx::Result<(Vec<ClassRun>, i64)> {
    // `lower` on both sides: SQLite's `like` ignores ASCII case, PostgreSQL's does not.
    let filter = "and r.experiment = $2 and trim(coalesce(r.explanation, '')) <> '' \
                  and (lower(r.explanation) like lower($3) escape '\\' \
                       or lower(m.display_name) like lower($3) escape '\\')";
    let from = FROM_CLASS;
    let pattern = like_pattern(query);
    let sql =
        format!("select {COLUMNS} {from} {filter} order by r.submitted_at desc limit $4 offset $5");
    let runs = on_pool!(pool, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(class_id)
        .bind(experiment)
        .bind(&pattern)
        .bind(page.0)
        .bind(page.1)
        .fetch_all(c).await)?;
    let total = on_pool!(pool, c => sqlx::query_scalar(sqlx::AssertSqlSafe(format!("select count(*) {from} {filter}")))
        .bind(class_id)
        .bind(experiment)
        .bind(&pattern)
        .fetch_one(c).await)?;
    Ok((runs, total))
}

/// One page of a class member's runs, newest first, with their code; and how many in all.
#[tracing::instrument(skip(pool))]
pub async fn learner_runs(
    pool: &Pool,
    class_id: i64,
    learner_id: i64,
    page: (i64, i64),
) -> sqlx::Result<(Vec<ClassRun>, i64)> {
    let sql = format!(
        "select {COLUMNS}, r.code {FROM_CLASS} and m.learner_id = $2 \
         order by r.submitted_at desc, r.rowid desc limit $3 offset $4"
    );
    let runs = on_pool!(pool, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(class_id)
        .bind(learner_id)
        .bind(page.0)
        .bind(page.1)
        .fetch_all(c).await)?;
    let total = on_pool!(pool, c => sqlx::query_scalar("select count(*) from run where learner_id = $1")
        .bind(learner_id)
        .fetch_one(c).await)?;
    Ok((runs, total))
}

/// Every run of the class, by learner and time, handed to `each` one at a time (the CSV export
/// of a large class never holds all its results at once).
#[tracing::instrument(skip(pool, each))]
pub async fn each_run(
    pool: &Pool,
    class_id: i64,
    mut each: impl FnMut(ClassRun),
) -> sqlx::Result<()> {
    let sql = format!(
        "select {COLUMNS} {FROM_CLASS} order by m.display_name, m.learner_id, r.submitted_at, r.rowid"
    );
    on_pool!(pool, c => {
        let mut rows = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(class_id).fetch(c);
        while let Some(run) = rows.try_next().await? {
            each(run);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_wildcards_typed_by_the_instructor_are_literal() {
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
        assert_eq!(like_pattern(""), "%%");
    }
}
