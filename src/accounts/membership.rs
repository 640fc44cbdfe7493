//! Learners in classes: joining under a display name (their earlier runs come along, since runs
//! belong to the learner), and the personal resume code that brings them back on another device.

use std::fmt;

use sqlx::FromRow;

use crate::db::Pool;
use crate::{on_pool, on_tx};

use super::fields::PersonName;
use super::secret;
use crate::runs::now_rfc3339;

#[derive(Debug, Clone, FromRow)]
pub struct Member {
    pub learner_id: i64,
    pub display_name: String,
    pub joined_at: String,
}

pub enum JoinOutcome {
    Joined(Member),
    AlreadyMember(Member),
    /// Someone in the class already goes by this name.
    NameTaken,
}

pub async fn member(pool: &Pool, class_id: i64, learner_id: i64) -> sqlx::Result<Option<Member>> {
    on_pool!(pool, c => sqlx::query_as(
        "select learner_id, display_name, joined_at from class_member \
         where class_id = $1 and learner_id = $2",
    )
    .bind(class_id)
    .bind(learner_id)
    .fetch_optional(c).await)
}

/// Puts the learner in the class under `name`. A name is unique within a class (ignoring ASCII
/// case): typing someone's name never makes you them, and the roster stays unambiguous.
#[tracing::instrument(skip(pool, name))]
pub async fn join(
    pool: &Pool,
    class_id: i64,
    learner_id: i64,
    name: &PersonName,
) -> sqlx::Result<JoinOutcome> {
    if let Some(existing) = member(pool, class_id, learner_id).await? {
        return Ok(JoinOutcome::AlreadyMember(existing));
    }
    let inserted = on_pool!(pool, c => sqlx::query_as(
        "insert into class_member (class_id, learner_id, display_name, joined_at) \
         values ($1, $2, $3, $4) on conflict (class_id, learner_id) do nothing \
         returning learner_id, display_name, joined_at",
    )
    .bind(class_id)
    .bind(learner_id)
    .bind(name.as_str())
    .bind(now_rfc3339())
    .fetch_optional(c).await);
    match inserted {
        Ok(Some(member)) => Ok(JoinOutcome::Joined(member)),
        // A second submit of the same form raced this one: the learner is in.
        Ok(None) => Ok(member(pool, class_id, learner_id)
            .await?
            .map_or(JoinOutcome::NameTaken, JoinOutcome::AlreadyMember)),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(JoinOutcome::NameTaken),
        Err(e) => Err(e),
    }
}

/// A class the learner belongs to, as the join page lists it.
#[derive(Debug, Clone, FromRow)]
pub struct Membership {
    pub class_name: String,
    pub display_name: String,
}

pub async fn memberships(pool: &Pool, learner_id: i64) -> sqlx::Result<Vec<Membership>> {
    on_pool!(pool, c => sqlx::query_as(
        "select c.name as class_name, m.display_name from class_member m \
         join class c using (class_id) where m.learner_id = $1 order by m.joined_at",
    )
    .bind(learner_id)
    .fetch_all(c).await)
}

const RESUME_CODE_LEN: usize = 12;

/// A learner's personal code for continuing on another device; shown once, stored hashed.
#[derive(Clone, PartialEq, Eq)]
pub struct ResumeCode(String);

/// Never print the code, not even in a debug log.
impl fmt::Debug for ResumeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResumeCode(…)")
    }
}

impl ResumeCode {
    pub fn parse(raw: &str) -> Option<ResumeCode> {
        secret::parse_readable(raw, RESUME_CODE_LEN).map(ResumeCode)
    }

    /// In three groups of four, as the learner writes it down: `KM4P-7XQR-2HDW`.
    pub fn grouped(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
    }
}

/// A new resume code for the learner; any code they had before stops working.
#[tracing::instrument(skip(pool))]
pub async fn issue_resume_code(pool: &Pool, learner_id: i64) -> sqlx::Result<ResumeCode> {
    let code = ResumeCode(secret::readable_code(RESUME_CODE_LEN));
    on_pool!(pool, c => sqlx::query(
        "insert into resume_code (learner_id, code_hash, created_at) values ($1, $2, $3) \
         on conflict (learner_id) do update set code_hash = excluded.code_hash, \
         created_at = excluded.created_at",
    )
    .bind(learner_id)
    .bind(secret::sha256(&code.0))
    .bind(now_rfc3339())
    .execute(c).await.map(drop))?;
    Ok(code)
}

pub async fn has_resume_code(pool: &Pool, learner_id: i64) -> sqlx::Result<bool> {
    on_pool!(pool, c => sqlx::query_scalar("select exists (select 1 from resume_code where learner_id = $1)")
        .bind(learner_id)
        .fetch_one(c).await)
}

/// The learner a resume code belongs to. If this browser was an anonymous learner in no class,
/// its runs move over too, so nothing done before typing the code is lost.
#[tracing::instrument(skip(pool, code))]
pub async fn resume(
    pool: &Pool,
    code: &ResumeCode,
    current: Option<i64>,
) -> sqlx::Result<Option<i64>> {
    let mut tx = pool.begin().await?;
    let target: Option<i64> = on_tx!(&mut tx, c => sqlx::query_scalar("select learner_id from resume_code where code_hash = $1")
            .bind(secret::sha256(&code.0))
            .fetch_optional(&mut *c).await)?;
    if let (Some(target), Some(current)) = (target, current)
        && target != current
    {
        on_tx!(&mut tx, c => sqlx::query(
            "update run set learner_id = $1 where learner_id = $2 \
             and not exists (select 1 from class_member where learner_id = $2)",
        )
        .bind(target)
        .bind(current)
        .execute(&mut *c).await.map(drop))?;
    }
    tx.commit().await?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resume_code_reads_in_groups_of_four_and_is_never_printed() {
        let code = ResumeCode::parse("km4p 7xqr 2hdw").expect("code");
        assert_eq!(code.grouped(), "KM4P-7XQR-2HDW");
        assert_eq!(ResumeCode::parse(&code.grouped()), Some(code.clone()));
        assert!(!format!("{code:?}").contains("KM4P"));
        assert_eq!(ResumeCode::parse("KM4P-7XQR"), None);
    }
}
