//! Classes: created, renamed and archived by their instructor, found by their join code.

use std::fmt;

use sqlx::FromRow;

use crate::db::Pool;
use crate::on_pool;

use super::fields::ClassName;
use super::secret;
use crate::runs::now_rfc3339;

/// New codes: 31¹⁰ ≈ 8·10¹⁴ of them, so even unthrottled guessing finds no class in a lifetime.
const JOIN_CODE_LEN: usize = 10;
/// Codes made before they grew; they keep working.
const OLD_JOIN_CODE_LEN: usize = 6;

/// A class's join code: ten characters easy to read aloud and type (no 0/O, no 1/I/L), or six
/// for a class made before codes grew.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinCode(String);

impl JoinCode {
    fn generate() -> JoinCode {
        JoinCode(secret::readable_code(JOIN_CODE_LEN))
    }

    /// Accepts what a person types: any case, grouped with spaces or dashes, or not at all.
    pub fn parse(raw: &str) -> Option<JoinCode> {
        secret::parse_readable(raw, JOIN_CODE_LEN)
            .or_else(|| secret::parse_readable(raw, OLD_JOIN_CODE_LEN))
            .map(JoinCode)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// In two groups, for reading aloud: `KM4PQ-7XRZB` (an old code: `KM4 7XP`).
    pub fn grouped(&self) -> String {
        let (a, b) = self.0.split_at(self.0.len() / 2);
        if self.0.len() == OLD_JOIN_CODE_LEN { format!("{a} {b}") } else { format!("{a}-{b}") }
    }
}

impl fmt::Display for JoinCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct ClassRow {
    pub class_id: i64,
    pub instructor_id: i64,
    pub name: String,
    pub join_code: String,
    pub created_at: String,
    pub archived_at: Option<String>,
}

impl ClassRow {
    pub fn code(&self) -> JoinCode {
        JoinCode(self.join_code.clone())
    }

    pub fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// A class on its instructor's list, with how many learners joined.
#[derive(Debug, Clone, FromRow)]
pub struct ClassSummary {
    #[sqlx(flatten)]
    pub class: ClassRow,
    pub members: i64,
}

const COLUMNS: &str = "class_id, instructor_id, name, join_code, created_at, archived_at";

/// A new class with a fresh join code (drawn again in the unlikely case it is taken).
#[tracing::instrument(skip(pool, name))]
pub async fn create(pool: &Pool, instructor_id: i64, name: &ClassName) -> sqlx::Result<ClassRow> {
    let mut attempts = 0;
    loop {
        let inserted = on_pool!(pool, c => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "insert into class (instructor_id, name, join_code, created_at) values ($1, $2, $3, $4) \
             on conflict (join_code) do nothing returning {COLUMNS}"
        )))
        .bind(instructor_id)
        .bind(name.as_str())
        .bind(JoinCode::generate().as_str())
        .bind(now_rfc3339())
        .fetch_optional(c).await)?;
        attempts += 1;
        match inserted {
            Some(class) => return Ok(class),
            None if attempts < 20 => continue,
            None => return Err(sqlx::Error::Protocol("no free join code".to_owned())),
        }
    }
}

pub async fn get(pool: &Pool, class_id: i64) -> sqlx::Result<Option<ClassRow>> {
    on_pool!(pool, c => sqlx::query_as(sqlx::AssertSqlSafe(format!("select {COLUMNS} from class where class_id = $1")))
        .bind(class_id)
        .fetch_optional(c).await)
}

/// The open class with this code; archived classes take no one new.
pub async fn by_join_code(pool: &Pool, code: &JoinCode) -> sqlx::Result<Option<ClassRow>> {
    on_pool!(pool, c => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from class where join_code = $1 and archived_at is null"
    )))
    .bind(code.as_str())
    .fetch_optional(c).await)
}

/// The instructor's classes, open ones first, newest first.
pub async fn list_for_instructor(
    pool: &Pool,
    instructor_id: i64,
) -> sqlx::Result<Vec<ClassSummary>> {
    on_pool!(pool, c => sqlx::query_as(
        "select c.class_id, c.instructor_id, c.name, c.join_code, c.created_at, c.archived_at, \
                (select count(*) from class_member m where m.class_id = c.class_id) as members \
         from class c where c.instructor_id = $1 \
         order by c.archived_at is not null, c.created_at desc, c.class_id desc",
    )
    .bind(instructor_id)
    .fetch_all(c).await)
}

/// Whether the learner belongs to a class of this instructor (archived classes included).
pub async fn teaches_learner(
    pool: &Pool,
    instructor_id: i64,
    learner_id: i64,
) -> sqlx::Result<bool> {
    on_pool!(pool, c => sqlx::query_scalar(
        "select exists (select 1 from class_member m join class c using (class_id) \
         where m.learner_id = $1 and c.instructor_id = $2)",
    )
    .bind(learner_id)
    .bind(instructor_id)
    .fetch_one(c).await)
}

#[tracing::instrument(skip(pool, name))]
pub async fn rename(pool: &Pool, class_id: i64, name: &ClassName) -> sqlx::Result<()> {
    on_pool!(pool, c => sqlx::query("update class set name = $1 where class_id = $2")
        .bind(name.as_str())
        .bind(class_id)
        .execute(c).await.map(drop))?;
    Ok(())
}

/// Archives (or reopens) a class: archived classes keep their data but take no one new.
#[tracing::instrument(skip(pool))]
pub async fn set_archived(pool: &Pool, class_id: i64, archived: bool) -> sqlx::Result<()> {
    on_pool!(pool, c => sqlx::query(
        "update class set archived_at = case when $1 then coalesce(archived_at, $2) end \
         where class_id = $3",
    )
    .bind(archived)
    .bind(now_rfc3339())
    .bind(class_id)
    .execute(c).await.map(drop))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_join_code_is_ten_readable_characters_read_in_two_groups_of_five() {
        let code = JoinCode::generate();
        assert_eq!(code.as_str().len(), 10);
        assert_eq!(JoinCode::parse(&code.as_str().to_lowercase()), Some(code.clone()));
        assert_eq!(JoinCode::parse(&code.grouped()), Some(code.clone()));
        assert_eq!(code.grouped().len(), 11);
        let typed = JoinCode::parse("km4pq-7xrzb").map(|c| c.grouped());
        assert_eq!(typed.as_deref(), Some("KM4PQ-7XRZB"));
        assert_eq!(JoinCode::parse("KM4PQ7XRZ0"), None);
        assert_eq!(JoinCode::parse("KM4PQ7XR"), None, "neither length");
    }

    #[test]
    fn an_old_six_character_code_still_parses_and_reads_as_before() {
        assert_eq!(JoinCode::parse("km4-7xp").map(|c| c.grouped()), Some("KM4 7XP".to_owned()));
        assert_eq!(JoinCode::parse("KM4 7X0"), None);
    }
}
