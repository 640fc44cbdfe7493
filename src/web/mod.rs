//! HTTP handlers and page structs, one module per feature, merged here.

mod lessons;
pub mod pages;

use axum::Json;
use axum::Router;
use axum::handler::HandlerWithoutStateExt;
use axum::http::{HeaderValue, Uri, header};
use axum::middleware;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::get;
use serde_json::json;
use tower_http::services::ServeDir;

use std::path::Path;

use crate::app::AppState;
use crate::config::Config;
use crate::error::{ApiError, AppError};

pub fn router(config: &Config) -> Router<AppState> {
    Router::new()
        .merge(lessons::router())
        .route("/healthz", get(health))
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
    Router::new()
        .fallback_service(files)
        .layer(middleware::map_response(cache_static))
}

async fn cache_static(uri: Uri, mut response: Response) -> Response {
    if response.status().is_success() {
        let policy = if uri.path().starts_with("/fonts/") {
            "public, max-age=31536000, immutable"
        } else {
            "public, max-age=3600"
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}
