//! Which lessons a learner has opened, so that a lesson with nothing to run still counts as done.

use crate::db::Pool;
use crate::on_pool;
use crate::runs::now_rfc3339;

/// Notes that the learner opened the lesson; opening it again changes nothing.
#[tracing::instrument(skip(pool))]
pub async fn mark_read(pool: &Pool, learner_id: i64, lesson: &str) -> sqlx::Result<()> {
    on_pool!(pool, p => sqlx::query(
        "insert into lesson_read (learner_id, lesson, read_at) values ($1, $2, $3) \
         on conflict do nothing",
    )
    .bind(learner_id)
    .bind(lesson)
    .bind(now_rfc3339())
    .execute(p)
    .await
    .map(drop))
}

/// The slugs of the lessons the learner has opened.
pub async fn lessons_read(pool: &Pool, learner_id: i64) -> sqlx::Result<Vec<String>> {
    on_pool!(pool, p => sqlx::query_scalar("select lesson from lesson_read where learner_id = $1")
        .bind(learner_id)
        .fetch_all(p)
        .await)
}
