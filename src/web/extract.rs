//! Path extractors that turn an undecodable path segment into the 404 it deserves, as a Korean
//! page (the API's are `resource`'s), instead of axum's plain-text 400.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

use crate::web::error::AppError;

/// The `{…}` segment of a page URL.
pub struct PagePath(pub String);

async fn segment<S: Send + Sync>(parts: &mut Parts, state: &S) -> Option<String> {
    Path::<String>::from_request_parts(parts, state).await.ok().map(|Path(s)| s)
}

impl<S: Send + Sync> FromRequestParts<S> for PagePath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        segment(parts, state).await.map(PagePath).ok_or(AppError::NotFound)
    }
}
