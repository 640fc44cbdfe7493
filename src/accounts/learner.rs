//! The learner identity: a random token in a cookie, stored only as its SHA-256 hash.

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

use crate::runs::now_rfc3339;

pub const COOKIE: &str = "gil_lab_learner";
const MAX_AGE_SECS: u64 = 400 * 24 * 3600;

/// The learner's secret token, from their cookie or made for them on this request.
#[derive(Debug, Clone)]
pub struct LearnerToken(String);

impl LearnerToken {
    fn generate() -> LearnerToken {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the OS random source works");
        LearnerToken(hex::encode(bytes))
    }

    fn parse(raw: &str) -> Option<LearnerToken> {
        (raw.len() == 64 && raw.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
            .then(|| LearnerToken(raw.to_owned()))
    }

    fn hash(&self) -> Vec<u8> {
        Sha256::digest(self.0.as_bytes()).to_vec()
    }
}

/// Gives every visitor a learner cookie on their first request. No row is written until the
/// learner does something worth keeping, so reading pages never writes to the database.
pub async fn ensure_cookie(jar: CookieJar, mut request: Request, next: Next) -> Response {
    let existing = jar.get(COOKIE).and_then(|c| LearnerToken::parse(c.value()));
    let (token, is_new) = match existing {
        Some(token) => (token, false),
        None => (LearnerToken::generate(), true),
    };
    request.extensions_mut().insert(token.clone());
    let mut response = next.run(request).await;
    if is_new {
        let cookie =
            format!("{COOKIE}={}; Path=/; Max-Age={MAX_AGE_SECS}; HttpOnly; SameSite=Lax", token.0);
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
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

/// The learner's id if they have ever done something worth keeping.
pub async fn find(pool: &SqlitePool, token: &LearnerToken) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("select learner_id from learner where token_hash = ?")
        .bind(token.hash())
        .fetch_optional(pool)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_must_be_64_lowercase_hex_characters() {
        let token = LearnerToken::generate();
        assert!(LearnerToken::parse(&token.0).is_some());
        assert!(LearnerToken::parse(&token.0.to_uppercase()).is_none());
        assert!(LearnerToken::parse("abc").is_none());
        assert!(LearnerToken::parse(&"g".repeat(64)).is_none());
    }

    #[tokio::test]
    async fn the_same_token_is_the_same_learner() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("db").display());
        let pool = crate::db::connect(&url).await.expect("db");
        let token = LearnerToken::generate();
        assert_eq!(find(&pool, &token).await.expect("find"), None);
        let id = ensure(&pool, &token).await.expect("ensure");
        assert_eq!(ensure(&pool, &token).await.expect("again"), id);
        assert_eq!(find(&pool, &token).await.expect("find"), Some(id));
        assert_ne!(ensure(&pool, &LearnerToken::generate()).await.expect("other"), id);
    }
}
