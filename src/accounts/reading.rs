//! Which lessons a learner has opened, so that a lesson with nothing to run still counts as done.

use sqlx::SqlitePool;

use crate::runs::now_rfc3339;

/// Notes that the learner opened the lesson; opening it again changes nothing.
#[tracing::instrument(skip(pool))]
pub async fn mark_read(pool: &SqlitePool, learner_id: i64, lesson: &str) -> sqlx::Result<()> {
    sqlx::query("insert or ignore into lesson_read (learner_id, lesson, read_at) values (?, ?, ?)")
        .bind(learner_id)
        .bind(lesson)
        .bind(now_rfc3339())
        .execute(pool)
        .await?;
    Ok(())
}

/// The slugs of the lessons the learner has opened.
pub async fn lessons_read(pool: &SqlitePool, learner_id: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("select lesson from lesson_read where learner_id = ?")
        .bind(learner_id)
        .fetch_all(pool)
        .await
}
