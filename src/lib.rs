//! gil-lab: a Korean course on CPython's GIL with real, sandboxed experiments.

pub mod app;
pub mod config;
pub mod content;
pub mod db;
pub mod error;
pub mod telemetry;
pub mod web;
