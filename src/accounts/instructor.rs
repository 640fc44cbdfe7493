//! Instructor accounts: sign-up and password checks, hashed through `Passwords` (bounded, off
//! the async threads).

use sqlx::FromRow;

use crate::db::Pool;
use crate::on_pool;

use super::fields::{Email, Password, PersonName};
use super::password::Passwords;
/// Signing up and in fail only for internal reasons (the database, the hasher); refusals are
/// values (`SignUp::EmailTaken`, `None`), not errors.
type Result<T> = anyhow::Result<T>;
use crate::runs::now_rfc3339;

#[derive(Debug, Clone, FromRow)]
pub struct Instructor {
    pub instructor_id: i64,
    pub email: String,
    pub display_name: String,
}

pub enum SignUp {
    Created(Instructor),
    EmailTaken,
}

#[tracing::instrument(skip_all)]
pub async fn sign_up(
    pool: &Pool,
    passwords: &Passwords,
    email: &Email,
    name: &PersonName,
    password: &Password,
) -> Result<SignUp> {
    let password_hash = passwords.hash(password.as_str()).await?;
    let created = on_pool!(pool, c => sqlx::query_as(
        "insert into instructor (email, display_name, password_hash, created_at) \
         values ($1, $2, $3, $4) on conflict (email) do nothing \
         returning instructor_id, email, display_name",
    )
    .bind(email.as_str())
    .bind(name.as_str())
    .bind(password_hash)
    .bind(now_rfc3339())
    .fetch_optional(c).await)?;
    Ok(created.map_or(SignUp::EmailTaken, SignUp::Created))
}

#[derive(FromRow)]
struct Credentials {
    instructor_id: i64,
    email: String,
    display_name: String,
    password_hash: String,
}

/// The instructor if the email and password match; `None` for any mismatch.
#[tracing::instrument(skip_all)]
pub async fn authenticate(
    pool: &Pool,
    passwords: &Passwords,
    email: &Email,
    password: &str,
) -> Result<Option<Instructor>> {
    let found: Option<Credentials> = on_pool!(pool, c => sqlx::query_as(
        "select instructor_id, email, display_name, password_hash from instructor where email = $1",
    )
    .bind(email.as_str())
    .fetch_optional(c).await)?;
    let stored = found.as_ref().map(|c| c.password_hash.clone());
    let matches = passwords.verify(password, stored).await?;
    Ok(found.filter(|_| matches).map(|c| Instructor {
        instructor_id: c.instructor_id,
        email: c.email,
        display_name: c.display_name,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_instructor_signs_up_once_and_logs_in_only_with_the_right_password() {
        for (_dir, pool) in crate::db::test_stores().await {
            let passwords = Passwords::new(1);
            let email = Email::parse("Teacher@School.kr").expect("email");
            let name = PersonName::parse("김 선생").expect("name");
            let password = Password::parse("correct horse").expect("password");
            let SignUp::Created(created) =
                sign_up(&pool, &passwords, &email, &name, &password).await.expect("up")
            else {
                panic!("first sign-up must succeed");
            };
            let again = sign_up(&pool, &passwords, &email, &name, &password).await.expect("again");
            assert!(matches!(again, SignUp::EmailTaken));
            let hash: String =
                on_pool!(pool, c => sqlx::query_scalar("select password_hash from instructor")
                .fetch_one(c).await)
                .expect("hash");
            assert!(hash.starts_with("$argon2id$"), "{hash}");
            let found =
                authenticate(&pool, &passwords, &email, "correct horse").await.expect("login");
            assert_eq!(found.map(|i| i.instructor_id), Some(created.instructor_id));
            assert!(
                authenticate(&pool, &passwords, &email, "wrong horse")
                    .await
                    .expect("login")
                    .is_none()
            );
            let stranger = Email::parse("nobody@school.kr").expect("email");
            assert!(
                authenticate(&pool, &passwords, &stranger, "correct horse")
                    .await
                    .expect("login")
                    .is_none()
            );
        }
    }
}
