//! The learner identity: a random token in a cookie, stored only as its SHA-256 hash. A learner
//! may have further browsers, bound with their resume code (`learner_device`).

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use sqlx::SqlitePool;

use super::secret;
use super::session::{self, SessionToken};
use crate::runs::now_rfc3339;

pub const COOKIE: &str = "gil_lab_learner";
const MAX_AGE_SECS: u64 = 400 * 24 * 3600;

/// The learner's secret token, from their cookie or made for them on this request. It also
/// carries the instructor's session token when the request has one, so that
/// `access::Viewer::of` sees everyone the request speaks for.
#[derive(Debug, Clone)]
pub struct LearnerToken {
    token: String,
    instructor_session: Option<SessionToken>,
    /// Made on this very request: no learner row can have it yet, so reading pages costs no query.
    fresh: bool,
}

impl LearnerToken {
    fn generate() -> LearnerToken {
        LearnerToken { token: secret::hex_token(), instructor_session: None, fresh: false }
    }

    fn parse(raw: &str) -> Option<LearnerToken> {
        secret::is_hex_token(raw).then(|| LearnerToken {
            token: raw.to_owned(),
            instructor_session: None,
            fresh: false,
        })
    }

    fn hash(&self) -> Vec<u8> {
        secret::sha256(&self.token)
    }

    pub fn instructor_session(&self) -> Option<&SessionToken> {
        self.instructor_session.as_ref()
    }

    /// The `Set-Cookie` value that gives a browser this token.
    pub fn cookie(&self) -> Option<HeaderValue> {
        let token = &self.token;
        let cookie =
            format!("{COOKIE}={token}; Path=/; Max-Age={MAX_AGE_SECS}; HttpOnly; SameSite=Lax");
        HeaderValue::from_str(&cookie).ok()
    }
}

/// Gives every visitor a learner cookie on their first request. No row is written until the
/// learner does something worth keeping, so reading pages never writes to the database.
/// A handler that binds the browser to another learner sets the cookie itself, and wins.
pub async fn ensure_cookie(jar: CookieJar, mut request: Request, next: Next) -> Response {
    let existing = jar.get(COOKIE).and_then(|c| LearnerToken::parse(c.value()));
    let (mut token, is_new) = match existing {
        Some(token) => (token, false),
        None => (LearnerToken { fresh: true, ..LearnerToken::generate() }, true),
    };
    token.instructor_session = session::token_in(&jar);
    request.extensions_mut().insert(token.clone());
    let mut response = next.run(request).await;
    if is_new
        && !sets_learner_cookie(&response)
        && let Some(value) = token.cookie()
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

fn sets_learner_cookie(response: &Response) -> bool {
    let prefix = format!("{COOKIE}=");
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|value| value.to_str().is_ok_and(|v| v.starts_with(&prefix)))
}

impl<S: Send + Sync> FromRequestParts<S> for LearnerToken {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // `ensure_cookie` runs on every route; without it (a misrouted test) make a fresh one.
        Ok(parts.extensions.get::<LearnerToken>().cloned().unwrap_or_else(LearnerToken::generate))
    }
}

/// The learner's id, creating their row on first use.
#[tracing::instrument(skip_all)]
pub async fn ensure(pool: &SqlitePool, token: &LearnerToken) -> sqlx::Result<i64> {
    let now = now_rfc3339();
    if let Some(id) = find(pool, token).await? {
        touch(pool, id, &now).await?;
        return Ok(id);
    }
    sqlx::query_scalar(
        "insert into learner (token_hash, created_at, last_seen_at) values (?, ?, ?) \
         on conflict (token_hash) do update set last_seen_at = excluded.last_seen_at \
         returning learner_id",
    )
    .bind(token.hash())
    .bind(&now)
    .bind(&now)
    .fetch_one(pool)
    .await
}

async fn touch(pool: &SqlitePool, learner_id: i64, now: &str) -> sqlx::Result<()> {
    sqlx::query("update learner set last_seen_at = ? where learner_id = ?")
        .bind(now)
        .bind(learner_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// The learner's id if they have ever done something worth keeping, on this or a bound browser.
pub async fn find(pool: &SqlitePool, token: &LearnerToken) -> sqlx::Result<Option<i64>> {
    if token.fresh {
        return Ok(None);
    }
    sqlx::query_scalar(
        "select learner_id from learner where token_hash = ?1 \
         union all select learner_id from learner_device where token_hash = ?1 limit 1",
    )
    .bind(token.hash())
    .fetch_optional(pool)
    .await
}

/// A fresh token for another browser of this learner (after they gave their resume code).
#[tracing::instrument(skip(pool))]
pub async fn bind_device(pool: &SqlitePool, learner_id: i64) -> sqlx::Result<LearnerToken> {
    let token = LearnerToken::generate();
    sqlx::query("insert into learner_device (token_hash, learner_id, created_at) values (?, ?, ?)")
        .bind(token.hash())
        .bind(learner_id)
        .bind(now_rfc3339())
        .execute(pool)
        .await?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_must_be_64_lowercase_hex_characters() {
        let token = LearnerToken::generate();
        assert!(LearnerToken::parse(&token.token).is_some());
        assert!(LearnerToken::parse(&token.token.to_uppercase()).is_none());
        assert!(LearnerToken::parse("abc").is_none());
        assert!(LearnerToken::parse(&"g".repeat(64)).is_none());
    }

    async fn pool() -> (tempfile::TempDir, SqlitePool) {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("db").display());
        let pool = crate::db::connect(&url).await.expect("db");
        (dir, pool)
    }

    #[tokio::test]
    async fn the_same_token_is_the_same_learner() {
        let (_dir, pool) = pool().await;
        let token = LearnerToken::generate();
        assert_eq!(find(&pool, &token).await.expect("find"), None);
        let id = ensure(&pool, &token).await.expect("ensure");
        assert_eq!(ensure(&pool, &token).await.expect("again"), id);
        assert_eq!(find(&pool, &token).await.expect("find"), Some(id));
        assert_ne!(ensure(&pool, &LearnerToken::generate()).await.expect("other"), id);
    }

    #[tokio::test]
    async fn a_bound_browser_is_the_same_learner_and_makes_no_new_row() {
        let (_dir, pool) = pool().await;
        let id = ensure(&pool, &LearnerToken::generate()).await.expect("ensure");
        let second = bind_device(&pool, id).await.expect("bind");
        assert_eq!(find(&pool, &second).await.expect("find"), Some(id));
        assert_eq!(ensure(&pool, &second).await.expect("ensure"), id);
        let rows: i64 =
            sqlx::query_scalar("select count(*) from learner").fetch_one(&pool).await.expect("n");
        assert_eq!(rows, 1);
    }
}
