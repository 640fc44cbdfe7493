//! The login rate limit: after `MAX_FAILURES` failed logins for one email from one address
//! within `WINDOW`, further attempts are refused until the window has passed. Kept in SQLite so
//! it holds across restarts and across server processes sharing the database.

use std::time::Duration;

use sqlx::SqlitePool;

use crate::runs::now_rfc3339;

pub const MAX_FAILURES: i64 = 5;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Who is trying: the email as typed (normalized when it parses) and the client address.
pub struct Attempt<'a> {
    pub email: &'a str,
    pub address: &'a str,
}

fn window_start() -> String {
    let start = chrono::Utc::now() - WINDOW;
    start.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub async fn is_locked(pool: &SqlitePool, attempt: &Attempt<'_>) -> sqlx::Result<bool> {
    let failures: i64 = sqlx::query_scalar(
        "select count(*) from login_failure where email = ? and address = ? and failed_at > ?",
    )
    .bind(attempt.email)
    .bind(attempt.address)
    .bind(window_start())
    .fetch_one(pool)
    .await?;
    Ok(failures >= MAX_FAILURES)
}

/// Counts a failure, and forgets failures older than the window on the way.
#[tracing::instrument(skip_all)]
pub async fn record_failure(pool: &SqlitePool, attempt: &Attempt<'_>) -> sqlx::Result<()> {
    sqlx::query("delete from login_failure where failed_at <= ?")
        .bind(window_start())
        .execute(pool)
        .await?;
    sqlx::query("insert into login_failure (email, address, failed_at) values (?, ?, ?)")
        .bind(attempt.email)
        .bind(attempt.address)
        .bind(now_rfc3339())
        .execute(pool)
        .await?;
    Ok(())
}

/// After a successful login the count starts again.
pub async fn clear(pool: &SqlitePool, attempt: &Attempt<'_>) -> sqlx::Result<()> {
    sqlx::query("delete from login_failure where email = ? and address = ?")
        .bind(attempt.email)
        .bind(attempt.address)
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn five_failures_lock_one_email_from_one_address_and_nothing_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("db").display());
        let pool = crate::db::connect(&url).await.expect("db");
        let attempt = Attempt { email: "t@school.kr", address: "10.0.0.1" };
        for _ in 0..MAX_FAILURES {
            assert!(!is_locked(&pool, &attempt).await.expect("check"));
            record_failure(&pool, &attempt).await.expect("record");
        }
        assert!(is_locked(&pool, &attempt).await.expect("check"));
        let elsewhere = Attempt { email: "t@school.kr", address: "10.0.0.2" };
        assert!(!is_locked(&pool, &elsewhere).await.expect("check"));
        let other = Attempt { email: "u@school.kr", address: "10.0.0.1" };
        assert!(!is_locked(&pool, &other).await.expect("check"));
        clear(&pool, &attempt).await.expect("clear");
        assert!(!is_locked(&pool, &attempt).await.expect("check"));
    }
}
