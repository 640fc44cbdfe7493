//! gil-lab: a Korean course on CPython's GIL with real, sandboxed experiments.

pub mod accounts;
pub mod app;
pub mod config;
pub mod content;
pub mod db;
pub mod doctor;
pub mod format;
#[cfg(test)]
mod layering;
pub mod runs;
pub mod runtimes;
pub mod sandbox;
pub mod server;
pub mod slots;
pub mod telemetry;
pub mod web;
