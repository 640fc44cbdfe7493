//! The integration tests: one binary, shared helpers, the router driven with `oneshot`.

mod access;
mod browser;
mod claims;
mod class_filter;
mod classes;
mod classroom;
mod connections;
mod content;
mod demo;
mod flood;
mod helpers;
#[path = "../support/http.rs"]
mod http;
mod identity;
mod instructors;
mod learner_cookie;
mod lifecycle;
mod my_record;
mod pages;
mod run_pages;
mod runs;
mod streams;
mod throttles;
mod waits;
