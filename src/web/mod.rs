//! HTTP handlers and page structs, one module per feature, merged here.

mod auth;
pub mod charts;
mod class_demo;
mod classes;
mod cookies;
pub mod csrf;
mod demo_view;
mod environment;
pub mod error;
mod extract;
mod forms;
mod instructor;
mod join;
mod learner_cookie;
mod lessons;
pub use lessons::PageCache;
mod my_record;
pub mod pages;
mod paging;
mod python_error;
mod resource;
mod resume;
mod run_api;
mod run_compare;
mod run_pages;
mod run_view;
pub mod site_layer;
mod stream_caps;
pub use stream_caps::{StreamCaps, StreamSlot};

use axum::Json;
use axum::Router;
use axum::handler::HandlerWithoutStateExt;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::get;
use serde_json::json;
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;

use std::path::Path;

use crate::app::AppState;
use crate::web::error::{ApiError, AppError};

pub fn router(state: &AppState) -> Router<AppState> {
    let config = &state.config;
    // Event streams live as long as their run: only ordinary requests get the timeout.
    let timeout =
        TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, config.request_timeout());
    // Only the routers whose handlers record learner state carry the cookie layer; reading the
    // course never passes through it.
    let gives_cookie = middleware::from_fn_with_state(
        learner_cookie::SecureCookies(config.secure_cookies),
        learner_cookie::give_learner_cookie,
    );
    Router::new()
        .merge(lessons::router())
        .merge(environment::router())
        .merge(run_api::router().route_layer(gives_cookie.clone()))
        .merge(run_pages::router())
        .merge(my_record::router())
        .merge(instructor::router())
        .merge(classes::router())
        .merge(class_demo::router())
        .merge(join::router().route_layer(gives_cookie))
        .route("/healthz", get(health))
        .layer(timeout)
        .merge(run_api::streaming_router())
        .nest("/static", static_files(&config.static_dir))
        .fallback(not_found)
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// Unknown API paths answer JSON; everything else the Korean 404 page.
async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError(AppError::NotFound).into_response()
    } else {
        AppError::NotFound.into_response()
    }
}

/// `static/` with cache headers; fonts never change for a given file name, the rest may.
fn static_files(dir: &Path) -> Router<AppState> {
    let files = ServeDir::new(dir).fallback(not_found.into_service());
    Router::new().fallback_service(files).layer(middleware::map_response(cache_static))
}

async fn cache_static(uri: Uri, mut response: Response) -> Response {
    if response.status().is_success() {
        let policy = if uri.path().starts_with("/fonts/") {
            "public, max-age=31536000, immutable"
        } else {
            "public, max-age=3600"
        };
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}
