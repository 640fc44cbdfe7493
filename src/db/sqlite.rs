//! The SQLite pool: file and folder created on start, WAL, busy timeout, foreign keys, migrations.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// Opens (creating if needed) the database at `url` and brings its schema up to date.
pub async fn connect(url: &str) -> anyhow::Result<SqlitePool> {
    let pool = open(url).await?;
    super::migrate(sqlx::migrate!("migrations/sqlite"), &pool).await?;
    Ok(pool)
}

/// Opens (creating if needed) the database at `url`, leaving its schema as it is.
pub async fn open(url: &str) -> anyhow::Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str(url)
        .with_context(|| format!("invalid database URL `{url}`"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    if let Some(folder) = options.get_filename().parent()
        && !folder.as_os_str().is_empty()
    {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create the database folder {}", folder.display()))?;
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open the database {url}"))?;
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn migrations_run_on_an_empty_file_in_a_missing_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nested/folder/gil-lab.db");
        let pool =
            connect(&format!("sqlite://{}", path.display())).await.expect("connect and migrate");
        assert!(path.exists());
        let mode: String =
            sqlx::query_scalar("pragma journal_mode").fetch_one(&pool).await.expect("journal mode");
        assert_eq!(mode, "wal");
        let applied: i64 =
            sqlx::query_scalar("select count(*) from _sqlx_migrations where success")
                .fetch_one(&pool)
                .await
                .expect("migrations table");
        assert_eq!(applied as usize, sqlx::migrate!("migrations/sqlite").iter().count());
        let fk: i64 =
            sqlx::query_scalar("pragma foreign_keys").fetch_one(&pool).await.expect("foreign keys");
        assert_eq!(fk, 1);
    }

    #[tokio::test]
    async fn connecting_twice_applies_nothing_new() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("db.sqlite").display());
        connect(&url).await.expect("first");
        connect(&url).await.expect("second start on the same file");
    }

    #[tokio::test]
    async fn a_schema_newer_than_the_binary_is_refused_in_one_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("db.sqlite").display());
        let pool = connect(&url).await.expect("first");
        sqlx::query(
            "insert into _sqlx_migrations (version, description, success, checksum, \
             execution_time) values (9999, 'from the future', true, x'00', 0)",
        )
        .execute(&pool)
        .await
        .expect("a migration this binary lacks");
        pool.close().await;
        let line = connect(&url).await.expect_err("refused").to_string();
        assert!(line.contains("migration 9999") && line.contains("newer"), "{line}");
        assert!(!line.contains('\n'), "{line}");
    }
}
