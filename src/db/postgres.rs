//! The PostgreSQL pool: reached within a few seconds or refused with the fix, then migrated.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// Connects to the database at `url` and brings its schema up to date.
pub async fn connect(url: &str) -> anyhow::Result<PgPool> {
    let options = PgConnectOptions::from_str(url)
        .with_context(|| format!("invalid database URL `{}`", redacted(url)))?;
    let pool = PgPoolOptions::new()
        .max_connections(16)
        // An unreachable server fails the start in seconds, not after the default 30.
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot reach PostgreSQL at {} ({e}): start it, or fix --database-url",
                redacted(url)
            )
        })?;
    super::migrate(sqlx::migrate!("migrations/postgres"), &pool).await?;
    Ok(pool)
}

/// The URL without its password, for messages and logs.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{}{user}:…{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_never_reaches_a_message() {
        assert_eq!(redacted("postgres://gil:secret@db:5432/gil"), "postgres://gil:…@db:5432/gil");
        assert_eq!(redacted("postgres://localhost/gil"), "postgres://localhost/gil");
    }

    #[tokio::test]
    async fn an_unreachable_server_is_refused_with_the_fix() {
        // Port 1 on loopback: nothing listens there.
        let error = connect("postgres://gil:pw@127.0.0.1:1/gil").await.expect_err("refused");
        let line = error.to_string();
        assert!(
            line.contains("cannot reach PostgreSQL at postgres://gil:…@127.0.0.1:1/gil"),
            "{line}"
        );
        assert!(line.contains("fix --database-url") && !line.contains("pw"), "{line}");
    }
}
