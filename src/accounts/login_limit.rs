//! The login throttles, counted over the failures of the last `WINDOW`: one email from one
//! address (`MAX_PER_PAIR`, then refused), one address across all emails (a spray, then
//! refused), and one email across all addresses (then slowed, never locked: one address alone
//! can never reach it, and any attempt after a pause of quiet goes through). Kept in SQLite so
//! they hold across restarts and across server processes sharing the database.

use std::time::Duration;

use crate::db::Pool;
use crate::on_pool;

use crate::runs::now_rfc3339;

pub const MAX_PER_PAIR: i64 = 5;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// The configurable limits (see `Config::login_limits`).
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    /// Failures from one address, whatever the emails, before it is refused.
    pub per_address: i64,
    /// Failures for one email, from anywhere, before each attempt must wait `pause`.
    pub per_email: i64,
    pub pause: Duration,
}

/// Who is trying: the email as typed (normalized when it parses) and the client address.
pub struct Attempt<'a> {
    pub email: &'a str,
    pub address: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum LoginRefused {
    #[error("로그인 시도가 너무 많습니다. 15분 뒤에 다시 시도해 주세요.")]
    TooManyForThisEmail,
    #[error("이 주소에서 로그인 실패가 너무 많습니다. 15분 뒤에 다시 시도해 주세요.")]
    TooManyFromThisAddress,
    #[error("이 계정에 로그인 실패가 잦아 잠시 늦춥니다. {retry_secs}초 뒤에 다시 시도해 주세요.")]
    EmailSlowed { retry_secs: u64 },
    #[error("login limit: {0}")]
    Database(#[from] sqlx::Error),
}

fn window_start() -> String {
    let start = chrono::Utc::now() - WINDOW;
    start.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[derive(sqlx::FromRow)]
struct Counts {
    pair: i64,
    address: i64,
    email: i64,
    last_email_failure: Option<String>,
}

/// Refuses the attempt if any throttle says so; checked before the password is hashed.
#[tracing::instrument(skip_all)]
pub async fn check(
    pool: &Pool,
    limits: &LoginLimits,
    attempt: &Attempt<'_>,
) -> Result<(), LoginRefused> {
    let counts: Counts = on_pool!(pool, c => sqlx::query_as(
        "select count(*) filter (where email = $1 and address = $2) as pair, \
         count(*) filter (where address = $2) as address, \
         count(*) filter (where email = $1) as email, \
         max(case when email = $1 then failed_at end) as last_email_failure \
         from login_failure where failed_at > $3 and (email = $1 or address = $2)",
    )
    .bind(attempt.email)
    .bind(attempt.address)
    .bind(window_start())
    .fetch_one(c).await)?;
    if counts.pair >= MAX_PER_PAIR {
        return Err(LoginRefused::TooManyForThisEmail);
    }
    if counts.address >= limits.per_address {
        return Err(LoginRefused::TooManyFromThisAddress);
    }
    if counts.email >= limits.per_email {
        let wait = counts.last_email_failure.as_deref().map_or(Duration::ZERO, |last| {
            let since = chrono::DateTime::parse_from_rfc3339(last)
                .map_or(chrono::TimeDelta::zero(), |t| chrono::Utc::now() - t.to_utc());
            limits.pause.saturating_sub(since.to_std().unwrap_or(Duration::ZERO))
        });
        if !wait.is_zero() {
            return Err(LoginRefused::EmailSlowed { retry_secs: wait.as_secs().max(1) });
        }
    }
    Ok(())
}

/// Counts a failure, and forgets failures older than the window on the way.
#[tracing::instrument(skip_all)]
pub async fn record_failure(pool: &Pool, attempt: &Attempt<'_>) -> sqlx::Result<()> {
    on_pool!(pool, c => sqlx::query("delete from login_failure where failed_at <= $1")
        .bind(window_start())
        .execute(c).await.map(drop))?;
    on_pool!(pool, c => sqlx::query("insert into login_failure (email, address, failed_at) values ($1, $2, $3)")
        .bind(attempt.email)
        .bind(attempt.address)
        .bind(now_rfc3339())
        .execute(c).await.map(drop))?;
    Ok(())
}

/// After a successful login this email's count from this address starts again.
pub async fn clear(pool: &Pool, attempt: &Attempt<'_>) -> sqlx::Result<()> {
    on_pool!(pool, c => sqlx::query("delete from login_failure where email = $1 and address = $2")
        .bind(attempt.email)
        .bind(attempt.address)
        .execute(c).await.map(drop))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: LoginLimits =
        LoginLimits { per_address: 8, per_email: 7, pause: Duration::from_secs(60) };

    async fn fails(pool: &Pool, email: &str, address: &str, times: usize) {
        for _ in 0..times {
            record_failure(pool, &Attempt { email, address }).await.expect("record");
        }
    }

    async fn verdict(pool: &Pool, email: &str, address: &str) -> Result<(), LoginRefused> {
        check(pool, &LIMITS, &Attempt { email, address }).await
    }

    #[tokio::test]
    async fn five_failures_lock_one_email_from_one_address_and_nothing_else() {
        for (_dir, pool) in crate::db::test_stores().await {
            fails(&pool, "t@school.kr", "10.0.0.1", 5).await;
            let locked = verdict(&pool, "t@school.kr", "10.0.0.1").await;
            assert!(matches!(locked, Err(LoginRefused::TooManyForThisEmail)));
            assert!(verdict(&pool, "t@school.kr", "10.0.0.2").await.is_ok(), "one address alone");
            assert!(verdict(&pool, "u@school.kr", "10.0.0.1").await.is_ok());
            clear(&pool, &Attempt { email: "t@school.kr", address: "10.0.0.1" }).await.expect("c");
            assert!(verdict(&pool, "t@school.kr", "10.0.0.1").await.is_ok());
        }
    }

    #[tokio::test]
    async fn a_spray_of_one_guess_per_email_stops_at_the_address_limit() {
        for (_dir, pool) in crate::db::test_stores().await {
            for n in 0..8 {
                fails(&pool, &format!("t{n}@school.kr"), "10.0.0.1", 1).await;
            }
            let refused = verdict(&pool, "new@school.kr", "10.0.0.1").await;
            assert!(matches!(refused, Err(LoginRefused::TooManyFromThisAddress)));
            assert!(verdict(&pool, "new@school.kr", "10.0.0.2").await.is_ok());
        }
    }

    #[tokio::test]
    async fn many_addresses_against_one_email_slow_it_for_everyone_but_lock_no_one() {
        for (_dir, pool) in crate::db::test_stores().await {
            fails(&pool, "t@school.kr", "10.0.0.1", 4).await;
            fails(&pool, "t@school.kr", "10.0.0.2", 3).await;
            let slowed = verdict(&pool, "t@school.kr", "10.0.0.9").await;
            assert!(matches!(slowed, Err(LoginRefused::EmailSlowed { retry_secs: 55..=60 })));
            let quiet = LoginLimits { pause: Duration::ZERO, ..LIMITS };
            let attempt = Attempt { email: "t@school.kr", address: "10.0.0.9" };
            assert!(
                check(&pool, &quiet, &attempt).await.is_ok(),
                "after the pause it goes through"
            );
        }
    }
}
