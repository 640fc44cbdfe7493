//! The store, chosen by the database URL: SQLite (the embedded default) or PostgreSQL (shared by
//! web nodes and workers on several hosts).
//!
//! Why an enum with one query text run on either pool, not sqlx's `Any` driver: `Any` decodes
//! neither `bool` from SQLite's integers nor `Json<T>`, and converts every row, so each store
//! would trade its typed rows for hand parsing. With the enum each pool keeps its own types
//! (`Json<T>`, `bool`, `i64`), a store function's signature does not change for its callers, and
//! the SQL is written once: `$1` placeholders, `true`/`false`, `count(*) filter (where …)` and a
//! `rowid` column (a real one in PostgreSQL) mean the same in both; the few phrases that differ
//! (time arithmetic, JSON paths) come from [`Dialect`].

mod dialect;
mod postgres;
mod sqlite;

pub use dialect::Dialect;

use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

/// A pool of either store. Cloning is cheap (both pools are reference-counted).
#[derive(Debug, Clone)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open transaction on either store.
#[derive(Debug)]
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$p` bound to the pool inside, typed for its store: the same text is
/// compiled for each, so the SQL in it must mean the same in both dialects.
#[macro_export]
macro_rules! on_pool {
    ($pool:expr, $p:ident => $body:expr) => {
        match &$pool {
            $crate::db::Pool::Sqlite($p) => $body,
            $crate::db::Pool::Postgres($p) => $body,
        }
    };
}

/// As [`on_pool!`], with `$c` bound to the transaction's connection (`&mut *$c` to reuse it).
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(tx) => {
                let $c = &mut **tx;
                $body
            }
            $crate::db::Tx::Postgres(tx) => {
                let $c = &mut **tx;
                $body
            }
        }
    };
}

/// Opens the store named by `url` (`sqlite://…` or `postgres://…`) and brings its schema up to
/// date.
pub async fn connect(url: &str) -> anyhow::Result<Pool> {
    if is_postgres(url) {
        Ok(Pool::Postgres(postgres::connect(url).await?))
    } else {
        Ok(Pool::Sqlite(sqlite::connect(url).await?))
    }
}

/// Opens the store named by `url` without migrating it, refusing a schema older (or newer)
/// than this binary's in one line: for `gil-lab worker`, which must not change the schema that
/// running web nodes use; the web node of the same version migrates.
pub async fn connect_current(url: &str) -> anyhow::Result<Pool> {
    let (pool, migrator) = if is_postgres(url) {
        (Pool::Postgres(postgres::open(url).await?), sqlx::migrate!("migrations/postgres"))
    } else {
        (Pool::Sqlite(sqlite::open(url).await?), sqlx::migrate!("migrations/sqlite"))
    };
    let applied: Vec<i64> = on_pool!(pool, p => {
        sqlx::query_scalar("select version from _sqlx_migrations where success order by version")
            .fetch_all(p)
            .await
    })
    .unwrap_or_default();
    let known: Vec<i64> = migrator.iter().map(|m| m.version).collect();
    if let Some(missing) = known.iter().find(|v| !applied.contains(v)) {
        anyhow::bail!(
            "the database schema is older than this gil-lab (it lacks migration {missing}): \
             start `gil-lab serve` of this version once (it migrates), then the workers"
        );
    }
    if let Some(unknown) = applied.iter().find(|v| !known.contains(v)) {
        anyhow::bail!(
            "the database has migration {unknown}, which this gil-lab does not know: a newer \
             version wrote it; run that version (or a newer one) against this database"
        );
    }
    Ok(pool)
}

/// Whether `url` names a PostgreSQL store (else it is SQLite's).
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Applies the migrations the schema lacks; a schema newer than the binary is refused in one line.
async fn migrate<'a, A>(migrator: sqlx::migrate::Migrator, pool: A) -> anyhow::Result<()>
where
    A: sqlx::Acquire<'a>,
    <A::Connection as std::ops::Deref>::Target: sqlx::migrate::Migrate,
{
    match migrator.run(pool).await {
        Ok(()) => Ok(()),
        Err(sqlx::migrate::MigrateError::VersionMissing(version)) => anyhow::bail!(
            "the database has migration {version}, which this gil-lab does not know: a newer \
             version wrote it; run that version (or a newer one) against this database"
        ),
        Err(e) => Err(anyhow::Error::new(e).context("database migrations failed")),
    }
}

impl Pool {
    pub fn dialect(&self) -> Dialect {
        match self {
            Pool::Sqlite(_) => Dialect::Sqlite,
            Pool::Postgres(_) => Dialect::Postgres,
        }
    }

    /// A transaction that reads and then writes: checks (a rate, a cap, a phase) and the write
    /// they allow must not interleave with another's. SQLite takes its write lock at `begin
    /// immediate`; PostgreSQL, whose default isolation would let two such transactions both
    /// pass a check, takes one transaction-scoped advisory lock shared by all of them.
    pub async fn begin_write(&self) -> sqlx::Result<Tx> {
        match self {
            Pool::Sqlite(pool) => Ok(Tx::Sqlite(pool.begin_with("begin immediate").await?)),
            Pool::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("select pg_advisory_xact_lock($1)")
                    .bind(WRITE_LOCK)
                    .execute(&mut *tx)
                    .await?;
                Ok(Tx::Postgres(tx))
            }
        }
    }

    /// A plain transaction (writes that check nothing first).
    pub async fn begin(&self) -> sqlx::Result<Tx> {
        match self {
            Pool::Sqlite(pool) => Ok(Tx::Sqlite(pool.begin().await?)),
            Pool::Postgres(pool) => Ok(Tx::Postgres(pool.begin().await?)),
        }
    }

    /// The SQLite pool, for tests that read SQLite's own tables; `None` on PostgreSQL.
    pub fn as_sqlite(&self) -> Option<&SqlitePool> {
        match self {
            Pool::Sqlite(pool) => Some(pool),
            Pool::Postgres(_) => None,
        }
    }

    pub async fn close(&self) {
        on_pool!(self, p => p.close().await)
    }
}

/// The advisory lock key of [`Pool::begin_write`] ("gil-lab" in ASCII, to stay clear of others').
const WRITE_LOCK: i64 = 0x0067_696c_2d6c_6162;

impl Tx {
    pub fn dialect(&self) -> Dialect {
        match self {
            Tx::Sqlite(_) => Dialect::Sqlite,
            Tx::Postgres(_) => Dialect::Postgres,
        }
    }

    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }
}

#[cfg(test)]
#[path = "../../tests/support/install_script.rs"]
mod install_script;
#[cfg(test)]
#[path = "../../tests/support/postgres.rs"]
mod test_postgres;

/// The stores a store test runs on, each fresh: a SQLite file (in the folder kept beside it)
/// and a database of the test process's PostgreSQL server.
#[cfg(test)]
pub(crate) async fn test_stores() -> Vec<(Option<tempfile::TempDir>, Pool)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("db").display());
    let sqlite = connect(&url).await.expect("SQLite store");
    let postgres = connect(&test_postgres::fresh_database_url().await).await;
    vec![(Some(dir), sqlite), (None, postgres.expect("PostgreSQL store"))]
}
