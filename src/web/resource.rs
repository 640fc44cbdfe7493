//! The resources a path names, already authorised: `VisibleRun` and `OwnRun` for `/…/runs/{id}`,
//! `TaughtClass` for `/classes/{id}/…`. A handler that takes one never loads first and checks
//! later; anything it may not see is the 404 of what never was, as a Korean page for pages and
//! as JSON under `/api/`.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::auth::SignedIn;
use super::error::{ApiError, AppError};
use super::learner_cookie::Visitor;
use crate::accounts::access::{self, Viewer};
use crate::accounts::class::ClassRow;
use crate::accounts::instructor::Instructor;
use crate::app::AppState;
use crate::runs::store::RunRow;

/// A run the visitor may see (its learner, or their instructor), with who is looking.
pub struct VisibleRun {
    pub run: RunRow,
    pub viewer: Viewer,
}

/// A run the visitor made: only they may change it (cancel it, explain it).
pub struct OwnRun(pub RunRow);

/// A class the signed-in instructor teaches, with the instructor.
pub struct TaughtClass {
    pub class: ClassRow,
    pub instructor: Instructor,
}

/// Why a resource is not handed out, answered as the path's kind of client expects.
pub struct Refused {
    error: AppError,
    api: bool,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        if self.api { ApiError(self.error).into_response() } else { self.error.into_response() }
    }
}

fn refused(parts: &Parts, error: impl Into<AppError>) -> Refused {
    Refused { error: error.into(), api: parts.uri.path().starts_with("/api/") }
}

/// The `{id}` segment; an undecodable one is a 404 like an unknown id.
async fn id_of(parts: &mut Parts, state: &AppState) -> Result<String, Refused> {
    let Path(mut segments) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .map_err(|_| refused(parts, AppError::NotFound))?;
    segments.remove("id").ok_or_else(|| refused(parts, AppError::NotFound))
}

async fn viewer_and_id(parts: &mut Parts, state: &AppState) -> Result<(Viewer, String), Refused> {
    let Ok(visitor) = Visitor::from_request_parts(parts, state).await;
    let viewer = visitor.viewer(&state.db).await.map_err(|e| refused(parts, e))?;
    Ok((viewer, id_of(parts, state).await?))
}

impl FromRequestParts<AppState> for VisibleRun {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Refused> {
        let (viewer, id) = viewer_and_id(parts, state).await?;
        let run = access::visible_run(&state.db, &viewer, &id).await;
        Ok(VisibleRun { run: run.map_err(|e| refused(parts, e))?, viewer })
    }
}

impl FromRequestParts<AppState> for OwnRun {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Refused> {
        let (viewer, id) = viewer_and_id(parts, state).await?;
        let run = access::own_run(&state.db, &viewer, &id).await;
        Ok(OwnRun(run.map_err(|e| refused(parts, e))?))
    }
}

impl FromRequestParts<AppState> for TaughtClass {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let SignedIn(instructor) = SignedIn::from_request_parts(parts, state).await?;
        let id = id_of(parts, state).await.map_err(IntoResponse::into_response)?;
        let class = access::taught_class(&state.db, &instructor, &id).await;
        let class = class.map_err(|e| refused(parts, e).into_response())?;
        Ok(TaughtClass { class, instructor })
    }
}
