//! Instructor sessions: a random token the browser keeps, its SHA-256 in `instructor_session`,
//! a new one at every login, gone at logout or after `LIFETIME`.

use std::time::Duration;

use crate::db::Pool;
use crate::{on_pool, on_tx};

use super::instructor::Instructor;
use super::secret;
use crate::runs::now_rfc3339;

pub const LIFETIME: Duration = Duration::from_secs(14 * 24 * 3600);

/// The secret of an instructor's session.
#[derive(Clone)]
pub struct SessionToken(String);

/// Never print the secret, not even in a debug log.
impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(…)")
    }
}

impl SessionToken {
    pub fn parse(raw: &str) -> Option<SessionToken> {
        secret::is_hex_token(raw).then(|| SessionToken(raw.to_owned()))
    }

    fn hash(&self) -> Vec<u8> {
        secret::sha256(&self.0)
    }

    /// The secret itself, to hand to the browser that owns it.
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

fn expiry_from_now() -> String {
    let expires = chrono::Utc::now() + LIFETIME;
    expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Signs an instructor in: a new session, replacing the one this browser had (if any), so a
/// token known before login is worthless after it. Expired sessions are swept on the way.
#[tracing::instrument(skip(pool, previous))]
pub async fn start(
    pool: &Pool,
    instructor_id: i64,
    previous: Option<&SessionToken>,
) -> sqlx::Result<SessionToken> {
    let token = SessionToken(secret::hex_token());
    let now = now_rfc3339();
    let mut tx = pool.begin().await?;
    on_tx!(&mut tx, c => sqlx::query("delete from instructor_session where expires_at <= $1")
        .bind(&now)
        .execute(&mut *c).await.map(drop))?;
    if let Some(previous) = previous {
        on_tx!(&mut tx, c => sqlx::query("delete from instructor_session where token_hash = $1")
            .bind(previous.hash())
            .execute(&mut *c).await.map(drop))?;
    }
    on_tx!(&mut tx, c => sqlx::query(
        "insert into instructor_session (token_hash, instructor_id, created_at, expires_at) \
         values ($1, $2, $3, $4)",
    )
    .bind(token.hash())
    .bind(instructor_id)
    .bind(&now)
    .bind(expiry_from_now())
    .execute(&mut *c).await.map(drop))?;
    tx.commit().await?;
    Ok(token)
}

/// The instructor a live session belongs to.
pub async fn instructor(pool: &Pool, token: &SessionToken) -> sqlx::Result<Option<Instructor>> {
    on_pool!(pool, c => sqlx::query_as(
        "select i.instructor_id, i.email, i.display_name from instructor_session s \
         join instructor i using (instructor_id) where s.token_hash = $1 and s.expires_at > $2",
    )
    .bind(token.hash())
    .bind(now_rfc3339())
    .fetch_optional(c).await)
}

pub async fn end(pool: &Pool, token: &SessionToken) -> sqlx::Result<()> {
    on_pool!(pool, c => sqlx::query("delete from instructor_session where token_hash = $1")
        .bind(token.hash())
        .execute(c).await.map(drop))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_never_printed() {
        let token = SessionToken(secret::hex_token());
        assert!(!format!("{token:?}").contains(token.reveal()));
        assert!(SessionToken::parse(token.reveal()).is_some());
    }
}
