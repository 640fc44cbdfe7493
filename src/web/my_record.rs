//! `/me`: a learner's own record: every run with what they predicted, what was measured and
//! what they explained, and where that record lives (this browser, or a class).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;

use super::learner_cookie::Visitor;
use super::pages::render;
use super::run_pages::{RunListItem, experiment_of, list_item};
use crate::accounts::class_insight::title_of;
use crate::accounts::membership::{self, Membership};
use crate::app::AppState;
use crate::runs::prediction;
use crate::runs::store::{self, RunRow};
use crate::web::error::Result;

pub fn router() -> Router<AppState> {
    Router::new().route("/me", get(show_my_runs))
}

/// The runs `/me` lists, newest first.
const MY_RUNS: i64 = 200;

/// One run with the learner's prediction and explanation beside the measurement.
pub struct MyRun {
    pub item: RunListItem,
    pub predicted: Option<String>,
    /// The number the experiment's question is about, as measured, and what it is.
    pub measured: Option<String>,
    pub what: Option<String>,
    /// Whether the prediction was right, where both are there.
    pub correct: Option<bool>,
    pub explanation: Option<String>,
}

#[derive(Template)]
#[template(path = "me.html")]
struct MyRunsPage {
    runs: Vec<MyRun>,
    /// The classes the learner belongs to: their record is kept there, not only in a cookie.
    classes: Vec<Membership>,
}

async fn show_my_runs(State(state): State<AppState>, visitor: Visitor) -> Result<Html<String>> {
    let learner = visitor.learner_id(&state.db).await?;
    let (rows, classes) = match learner {
        Some(id) => (
            store::list_for_learner(&state.db, id, MY_RUNS).await?,
            membership::memberships(&state.db, id).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let runs = rows.iter().map(|run| my_run(&state, run)).collect();
    render(&MyRunsPage { runs, classes })
}

fn my_run(state: &AppState, run: &RunRow) -> MyRun {
    let experiment = experiment_of(&state.content, run);
    let result = run.result();
    let judgement = match (experiment, run.prediction(), &result) {
        (Some(e), Some(p), Some(r)) => prediction::judge(e, p, r),
        _ => None,
    };
    let measured = match (&judgement, experiment, &result) {
        (Some(j), _, _) => Some(j.measured.clone()),
        (None, Some(e), Some(r)) => prediction::measured(e, r).map(|m| m.shown),
        _ => None,
    };
    let what = experiment.and_then(|e| {
        let spec = e.prediction.as_ref()?;
        Some(title_of(&spec.measure, &e.labels, &e.metric_labels))
    });
    MyRun {
        what,
        item: list_item(&state.content, run),
        predicted: judgement
            .as_ref()
            .map(|j| j.predicted.clone())
            .or_else(|| run.prediction().map(|p| p.to_string())),
        measured,
        correct: judgement.map(|j| j.correct),
        explanation: run
            .explanation
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned),
    }
}
