// The app suite's modules, included by `tests/app/main.rs` (on SQLite) and
// `tests/app_postgres/main.rs` (the same tests on PostgreSQL): paths from either folder.

#[path = "../app/access.rs"]
mod access;
#[path = "../app/browser.rs"]
mod browser;
#[path = "../app/claims.rs"]
mod claims;
#[path = "../app/class_filter.rs"]
mod class_filter;
#[path = "../app/classes.rs"]
mod classes;
#[path = "../app/classroom.rs"]
mod classroom;
#[path = "../app/connections.rs"]
mod connections;
#[path = "../app/content.rs"]
mod content;
#[path = "../app/demo.rs"]
mod demo;
#[path = "../app/flood.rs"]
mod flood;
#[path = "../app/helpers.rs"]
mod helpers;
#[path = "../support/http.rs"]
mod http;
#[path = "../app/identity.rs"]
mod identity;
#[path = "../support/install_script.rs"]
mod install_script;
#[path = "../app/instructors.rs"]
mod instructors;
#[path = "../app/leases.rs"]
mod leases;
#[path = "../app/learner_cookie.rs"]
mod learner_cookie;
#[path = "../app/lifecycle.rs"]
mod lifecycle;
#[path = "../app/my_record.rs"]
mod my_record;
#[path = "../app/pages.rs"]
mod pages;
#[path = "../support/postgres.rs"]
mod postgres;
#[path = "../app/postgres_store.rs"]
mod postgres_store;
#[path = "../app/roles.rs"]
mod roles;
#[path = "../app/run_pages.rs"]
mod run_pages;
#[path = "../app/runs.rs"]
mod runs;
#[path = "../app/streams.rs"]
mod streams;
#[path = "../app/throttles.rs"]
mod throttles;
#[path = "../app/waits.rs"]
mod waits;
