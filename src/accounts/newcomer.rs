//! New learners per client address: a browser without a learner cookie (or with a made-up one)
//! becomes a new learner, so how many one address may create in an hour is capped.

use crate::db::Pool;
use crate::on_tx;

use super::learner::{self, LearnerToken};
use crate::runs::now_rfc3339;

/// What a new learner is created for: joining a class needs a code an instructor handed out, so
/// it has its own, more generous cap (a whole class joins at once from one school address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// A first run, as an anonymous visitor.
    Run,
    /// Joining a class with a valid join code.
    ClassJoin,
}

/// New learners one address may create per hour, for each kind of arrival.
#[derive(Debug, Clone, Copy)]
pub struct NewcomerLimits {
    pub per_address_per_hour: i64,
    pub joins_per_address_per_hour: i64,
}

impl NewcomerLimits {
    fn cap(&self, arrival: Arrival) -> i64 {
        match arrival {
            Arrival::Run => self.per_address_per_hour,
            Arrival::ClassJoin => self.joins_per_address_per_hour,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NewcomerError {
    #[error(
        "이 주소에서 한 시간 동안 새 학습자가 너무 많이 만들어졌습니다. \
         잠시 뒤에 다시 시도해 주세요. 브라우저가 쿠키를 지우고 있지 않은지도 확인해 주세요."
    )]
    TooMany,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// The learner's id: an existing learner as `learner::ensure` finds them; a new one only while
/// `address` has created fewer than its cap in the last hour.
#[tracing::instrument(skip(pool, token, limits))]
pub async fn admit(
    pool: &Pool,
    token: &LearnerToken,
    address: &str,
    arrival: Arrival,
    limits: &NewcomerLimits,
) -> Result<i64, NewcomerError> {
    if learner::find(pool, token).await?.is_some() {
        return Ok(learner::ensure(pool, token).await?);
    }
    let mut tx = pool.begin_write().await?;
    let hour_ago = (chrono::Utc::now() - chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let via_join = arrival == Arrival::ClassJoin;
    // Only the last hour counts; older rows would only grow the table.
    on_tx!(&mut tx, c => sqlx::query("delete from learner_mint where minted_at < $1")
        .bind(&hour_ago)
        .execute(&mut *c).await.map(drop))?;
    let minted: i64 = on_tx!(&mut tx, c => sqlx::query_scalar(
        "select count(*) from learner_mint where address = $1 and via_join = $2 and minted_at >= $3",
    )
    .bind(address)
    .bind(via_join)
    .bind(&hour_ago)
    .fetch_one(&mut *c).await)?;
    if minted >= limits.cap(arrival) {
        // Debug, not warn: a flood past the cap must not become a flood of log lines.
        tracing::debug!(minted, "new learners capped for this address");
        return Err(NewcomerError::TooMany);
    }
    let id = learner::create(&mut tx, token).await?;
    on_tx!(&mut tx, c => sqlx::query("insert into learner_mint (address, via_join, minted_at) values ($1, $2, $3)")
        .bind(address)
        .bind(via_join)
        .bind(now_rfc3339())
        .execute(&mut *c).await.map(drop))?;
    tx.commit().await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: NewcomerLimits =
        NewcomerLimits { per_address_per_hour: 2, joins_per_address_per_hour: 3 };

    #[tokio::test]
    async fn an_address_creates_learners_up_to_its_cap_and_each_kind_has_its_own() {
        for (_dir, pool) in crate::db::test_stores().await {
            let admit_new = |arrival| {
                let pool = pool.clone();
                async move { admit(&pool, &LearnerToken::mint(), "10.0.0.1", arrival, &LIMITS).await }
            };
            for _ in 0..2 {
                admit_new(Arrival::Run).await.expect("under the cap");
            }
            assert!(matches!(admit_new(Arrival::Run).await, Err(NewcomerError::TooMany)));
            for _ in 0..3 {
                admit_new(Arrival::ClassJoin).await.expect("joins have their own cap");
            }
            assert!(matches!(admit_new(Arrival::ClassJoin).await, Err(NewcomerError::TooMany)));
            let other =
                admit(&pool, &LearnerToken::mint(), "10.0.0.2", Arrival::Run, &LIMITS).await;
            assert!(other.is_ok(), "another address has its own count");
        }
    }

    #[tokio::test]
    async fn a_known_learner_is_never_capped() {
        for (_dir, pool) in crate::db::test_stores().await {
            let token = LearnerToken::mint();
            let id = admit(&pool, &token, "10.0.0.1", Arrival::Run, &LIMITS).await.expect("new");
            admit(&pool, &LearnerToken::mint(), "10.0.0.1", Arrival::Run, &LIMITS)
                .await
                .expect("2");
            let again =
                admit(&pool, &token, "10.0.0.1", Arrival::Run, &LIMITS).await.expect("known");
            assert_eq!(again, id);
        }
    }
}
