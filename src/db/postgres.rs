//! The PostgreSQL pool: reached within a few seconds or refused with the fix, then migrated.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// Connects to the database at `url` and brings its schema up to date.
pub async fn connect(url: &str) -> anyhow::Result<PgPool> {
    let pool = open(url).await?;
    super::migrate(sqlx::migrate!("migrations/postgres"), &pool).await?;
    Ok(pool)
}

/// Connects to the database at `url`, leaving its schema as it is.
pub async fn open(url: &str) -> anyhow::Result<PgPool> {
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

    /// Every table and column of each store, but PostgreSQL's explicit `rowid` (SQLite's is
    /// implicit) and the migrations' own table.
    async fn columns(pool: &crate::db::Pool) -> std::collections::BTreeSet<(String, String)> {
        let rows: Vec<(String, String)> = match pool {
            crate::db::Pool::Sqlite(p) => sqlx::query_as(
                "select m.name, c.name from sqlite_master m join pragma_table_info(m.name) c \
                 where m.type = 'table' and m.name not like 'sqlite_%'",
            )
            .fetch_all(p)
            .await
            .expect("SQLite columns"),
            crate::db::Pool::Postgres(p) => sqlx::query_as(
                "select cast(table_name as text), cast(column_name as text) \
                 from information_schema.columns where table_schema = 'public'",
            )
            .fetch_all(p)
            .await
            .expect("PostgreSQL columns"),
        };
        rows.into_iter()
            .filter(|(table, column)| table != "_sqlx_migrations" && column != "rowid")
            .collect()
    }

    #[tokio::test]
    async fn both_dialects_migrate_to_the_same_tables_and_columns() {
        assert_eq!(
            sqlx::migrate!("migrations/postgres").iter().count(),
            sqlx::migrate!("migrations/sqlite").iter().count(),
            "each migration has its twin"
        );
        let stores = crate::db::test_stores().await;
        let sqlite = columns(&stores[0].1).await;
        let postgres = columns(&stores[1].1).await;
        assert!(sqlite.len() > 50, "{sqlite:?}");
        assert_eq!(sqlite, postgres);
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
