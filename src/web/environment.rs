//! The "실행 환경" page and `GET /api/runtimes`: which interpreters and modules this server offers
//! to experiments, and which experiments wait for something missing.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use axum::{Json, Router};

use super::pages::render;
use crate::app::AppState;
use crate::runtimes::{Module, RuntimeEntry, availability};
use crate::web::error::Result;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/environment", get(show_environment))
        .route("/api/runtimes", get(list_runtimes))
}

/// `GET /api/runtimes`: what was detected, and what is missing with its install line.
async fn list_runtimes(State(state): State<AppState>) -> Json<Vec<RuntimeEntry>> {
    Json(state.runtimes.entries())
}

#[derive(Template)]
#[template(path = "environment.html")]
struct EnvironmentPage<'a> {
    runtimes: Vec<RuntimeEntry>,
    modules: &'a [Module],
    /// (experiment title, lesson link, why it cannot run)
    waiting: Vec<(String, String, String)>,
    cores: usize,
}

async fn show_environment(State(state): State<AppState>) -> Result<Html<String>> {
    let waiting = state
        .content
        .experiments()
        .filter_map(|e| {
            let reason = availability(e, state.runtimes).err()?;
            Some((e.title.clone(), format!("/lessons/{}#exp-{}", e.lesson, e.id), reason))
        })
        .collect();
    render(&EnvironmentPage {
        runtimes: state.runtimes.entries(),
        modules: &state.runtimes.modules,
        waiting,
        cores: std::thread::available_parallelism().map_or(1, usize::from),
    })
}
