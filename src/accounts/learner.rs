//! The learner identity: a random token the browser keeps, stored only as its SHA-256 hash. A
//! learner may have further browsers, bound with their resume code (`learner_device`).

use crate::db::Pool;
use crate::{on_pool, on_tx};

use super::secret;
use crate::runs::now_rfc3339;

/// The learner's secret token. The browser holds it (how is the web layer's business); the
/// database only its hash. A browser that has never acted has none.
#[derive(Clone, PartialEq, Eq)]
pub struct LearnerToken(String);

/// Never print the secret, not even in a debug log.
impl std::fmt::Debug for LearnerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LearnerToken(…)")
    }
}

impl LearnerToken {
    /// A new random token, for a browser about to do its first thing worth keeping.
    pub fn mint() -> LearnerToken {
        LearnerToken(secret::hex_token())
    }

    pub fn parse(raw: &str) -> Option<LearnerToken> {
        secret::is_hex_token(raw).then(|| LearnerToken(raw.to_owned()))
    }

    /// The secret itself, to hand to the browser that owns it.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    fn hash(&self) -> Vec<u8> {
        secret::sha256(&self.0)
    }
}

/// The learner's id, creating their row on first use. Only for a token the server issued: one
/// already known, or one minted on this request (`Visitor::learner_or_mint` sees to it), so a
/// browser can never choose its own identity.
#[tracing::instrument(skip_all)]
pub async fn ensure(pool: &Pool, token: &LearnerToken) -> sqlx::Result<i64> {
    let now = now_rfc3339();
    if let Some(id) = find(pool, token).await? {
        touch(pool, id, &now).await?;
        return Ok(id);
    }
    let mut tx = pool.begin().await?;
    let id = create(&mut tx, token).await?;
    tx.commit().await?;
    Ok(id)
}

/// The learner's row for this token, made now unless it was made a moment ago.
pub(super) async fn create(tx: &mut crate::db::Tx, token: &LearnerToken) -> sqlx::Result<i64> {
    let now = now_rfc3339();
    on_tx!(&mut *tx, c => sqlx::query_scalar(
        "insert into learner (token_hash, created_at, last_seen_at) values ($1, $2, $3) \
         on conflict (token_hash) do update set last_seen_at = excluded.last_seen_at \
         returning learner_id",
    )
    .bind(token.hash())
    .bind(&now)
    .bind(&now)
    .fetch_one(&mut *c).await)
}

async fn touch(pool: &Pool, learner_id: i64, now: &str) -> sqlx::Result<()> {
    on_pool!(pool, c => sqlx::query("update learner set last_seen_at = $1 where learner_id = $2")
        .bind(now)
        .bind(learner_id)
        .execute(c).await.map(drop))?;
    Ok(())
}

/// The learner's id if they have ever done something worth keeping, on this or a bound browser.
pub async fn find(pool: &Pool, token: &LearnerToken) -> sqlx::Result<Option<i64>> {
    on_pool!(pool, c => sqlx::query_scalar(
        "select learner_id from learner where token_hash = $1 \
         union all select learner_id from learner_device where token_hash = $1 limit 1",
    )
    .bind(token.hash())
    .fetch_optional(c).await)
}

/// A fresh token for another browser of this learner (after they gave their resume code).
#[tracing::instrument(skip(pool))]
pub async fn bind_device(pool: &Pool, learner_id: i64) -> sqlx::Result<LearnerToken> {
    let token = LearnerToken::mint();
    on_pool!(pool, c => sqlx::query("insert into learner_device (token_hash, learner_id, created_at) values ($1, $2, $3)")
        .bind(token.hash())
        .bind(learner_id)
        .bind(now_rfc3339())
        .execute(c).await.map(drop))?;
    Ok(token)
}

/// A fresh token replaces `old` (the learner's first browser's or a bound one's): whoever held
/// `old` before a join or a resume, e.g. someone who planted it in this browser, is left out.
/// `None` if `old` belongs to no learner.
#[tracing::instrument(skip_all)]
pub async fn rotate(pool: &Pool, old: &LearnerToken) -> sqlx::Result<Option<LearnerToken>> {
    let token = LearnerToken::mint();
    let mut tx = pool.begin().await?;
    let mut replaced = 0;
    for table in ["learner", "learner_device"] {
        let sql = format!("update {table} set token_hash = $1 where token_hash = $2");
        replaced += on_tx!(&mut tx, c => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token.hash())
            .bind(old.hash())
            .execute(&mut *c).await.map(|done| done.rows_affected()))?;
    }
    tx.commit().await?;
    Ok((replaced > 0).then_some(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_must_be_64_lowercase_hex_characters() {
        let token = LearnerToken::mint();
        assert!(LearnerToken::parse(token.reveal()).is_some());
        assert!(LearnerToken::parse(&token.reveal().to_uppercase()).is_none());
        assert!(LearnerToken::parse("abc").is_none());
        assert!(LearnerToken::parse(&"g".repeat(64)).is_none());
        assert!(!format!("{token:?}").contains(token.reveal()), "the secret is never printed");
    }

    #[tokio::test]
    async fn the_same_token_is_the_same_learner() {
        for (_dir, pool) in crate::db::test_stores().await {
            let token = LearnerToken::mint();
            assert_eq!(find(&pool, &token).await.expect("find"), None);
            let id = ensure(&pool, &token).await.expect("ensure");
            assert_eq!(ensure(&pool, &token).await.expect("again"), id);
            assert_eq!(find(&pool, &token).await.expect("find"), Some(id));
            assert_ne!(ensure(&pool, &LearnerToken::mint()).await.expect("other"), id);
        }
    }

    #[tokio::test]
    async fn a_bound_browser_is_the_same_learner_and_makes_no_new_row() {
        for (_dir, pool) in crate::db::test_stores().await {
            let id = ensure(&pool, &LearnerToken::mint()).await.expect("ensure");
            let second = bind_device(&pool, id).await.expect("bind");
            assert_eq!(find(&pool, &second).await.expect("find"), Some(id));
            assert_eq!(ensure(&pool, &second).await.expect("ensure"), id);
            let rows: i64 =
                on_pool!(pool, c => sqlx::query_scalar("select count(*) from learner").fetch_one(c).await).expect("n");
            assert_eq!(rows, 1);
        }
    }

    #[tokio::test]
    async fn a_rotated_token_replaces_the_old_one_on_either_kind_of_browser() {
        for (_dir, pool) in crate::db::test_stores().await {
            let first = LearnerToken::mint();
            let id = ensure(&pool, &first).await.expect("ensure");
            let second = bind_device(&pool, id).await.expect("bind");
            for old in [first, second] {
                let new = rotate(&pool, &old).await.expect("rotate").expect("a known token");
                assert_eq!(find(&pool, &old).await.expect("find"), None, "the old token is gone");
                assert_eq!(find(&pool, &new).await.expect("find"), Some(id));
            }
            assert!(rotate(&pool, &LearnerToken::mint()).await.expect("rotate").is_none());
        }
    }
}
