//! The integration tests: one binary, shared helpers, the router driven with `oneshot`. On
//! SQLite; `tests/app_postgres` runs the same modules on PostgreSQL.

include!("modules.rs");
