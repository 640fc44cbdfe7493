//! What a class demo changes for everyone else: who may watch its run (the class), and whose
//! own runs of its experiment wait until it is opened for everyone (the class's learners).

use crate::db::Pool;
use crate::on_pool;

/// Whether the run is a class demo's that this instructor teaches or this learner belongs to.
pub async fn sees_demo_run(
    pool: &Pool,
    run_id: &str,
    learner_id: Option<i64>,
    instructor_id: Option<i64>,
) -> sqlx::Result<bool> {
    on_pool!(pool, c => sqlx::query_scalar(
        "select exists (select 1 from class_demo d join class c using (class_id) \
         where d.run_id = $1 and (c.instructor_id = $2 or exists (select 1 from class_member m \
           where m.class_id = d.class_id and m.learner_id = $3)))",
    )
    .bind(run_id)
    .bind(instructor_id)
    .bind(learner_id)
    .fetch_one(c).await)
}

/// Whether a class the learner belongs to is demoing `experiment` right now: their own runs of
/// it wait until the instructor opens it for everyone.
pub async fn held_back(pool: &Pool, learner_id: i64, experiment: &str) -> sqlx::Result<bool> {
    on_pool!(pool, c => sqlx::query_scalar(
        "select exists (select 1 from class_member m join class c using (class_id) \
         join class_demo d on d.class_id = m.class_id \
         where m.learner_id = $1 and c.archived_at is null and d.experiment = $2 \
           and d.phase in ('predicting', 'running', 'measured'))",
    )
    .bind(learner_id)
    .bind(experiment)
    .fetch_one(c).await)
}
