//! The few SQL phrases that SQLite and PostgreSQL spell differently, for queries otherwise
//! written once (see `db`): time arithmetic on RFC 3339 text, and reading a flag out of JSON.

/// Which store a query goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// Seconds from the RFC 3339 text `start` to the RFC 3339 text `end`, as a float.
    pub fn seconds_between(self, start: &str, end: &str) -> String {
        match self {
            Dialect::Sqlite => format!("((julianday({end}) - julianday({start})) * 86400.0)"),
            Dialect::Postgres => format!(
                "cast(extract(epoch from (cast({end} as timestamptz) - cast({start} as timestamptz))) \
                 as double precision)"
            ),
        }
    }

    /// Seconds from the RFC 3339 text `start` until now, as a float.
    pub fn seconds_since(self, start: &str) -> String {
        match self {
            Dialect::Sqlite => format!("((julianday('now') - julianday({start})) * 86400.0)"),
            Dialect::Postgres => format!(
                "cast(extract(epoch from (now() - cast({start} as timestamptz))) as double precision)"
            ),
        }
    }

    /// Whether the JSON in `column` holds `true` at the path of object keys `keys`.
    pub fn json_is_true(self, column: &str, keys: &[&str]) -> String {
        match self {
            Dialect::Sqlite => format!("(json_extract({column}, '$.{}') = 1)", keys.join(".")),
            Dialect::Postgres => {
                let path: Vec<String> = keys.iter().map(|k| format!("'{k}'")).collect();
                format!("(({column} #>> array[{}]) = 'true')", path.join(", "))
            }
        }
    }

    /// The function that takes the largest of its arguments.
    pub fn greatest(self) -> &'static str {
        match self {
            Dialect::Sqlite => "max",
            Dialect::Postgres => "greatest",
        }
    }

    /// What ends a claim's `select` of a row to take: on PostgreSQL a row another transaction
    /// holds is passed over (SQLite has one writer at a time, so nothing to pass over).
    pub fn skip_locked(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " for update skip locked",
        }
    }
}
