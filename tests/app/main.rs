//! The integration tests: one binary, shared helpers, the router driven with `oneshot`.

mod content;
mod helpers;
#[path = "../support/http.rs"]
mod http;
mod lifecycle;
mod pages;
mod run_pages;
mod runs;
