//! An instructor's classes, one feature: the list and settings (`manage`), a class's dashboard
//! (`view`) with its waiting runs (`queue`), one experiment across the class (`experiment`), one
//! learner's runs and code (`learner`), the CSV export (`csv`), and what they share (the join
//! QR code, code diffs, the `/classes/{id}/…/{item}` path). The class's analytics are `accounts::class_insight`.
//! Nothing here is cached: every page is for one signed-in instructor.

mod code_diff;
mod csv;
mod demo;
mod experiment;
mod learner;
mod manage;
mod path;
mod qr;
mod queue;
mod view;

use axum::Router;

use crate::app::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(manage::router())
        .merge(view::router())
        .merge(experiment::router())
        .merge(learner::router())
        .merge(csv::router())
        .merge(demo::router())
        .layer(crate::web::auth::no_store())
}
