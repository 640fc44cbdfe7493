//! The integration tests: one binary, shared helpers, the router driven with `oneshot`.

mod content;
mod helpers;
mod pages;
mod run_pages;
mod runs;
