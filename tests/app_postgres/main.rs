//! The integration tests of `tests/app` again, every one on a fresh PostgreSQL database of a
//! server this process starts (`helpers::store_url` knows this binary by its crate name).

include!("../app/modules.rs");

/// Only here: the roles as separate processes, which need PostgreSQL whatever the suite runs on.
mod hosts;
