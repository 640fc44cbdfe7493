//! The item of a page inside a class, `/classes/{id}/{kind}/{item}` (the class itself is a
//! `TaughtClass`): the segment as text, and an undecodable one the Korean 404 like every other
//! page.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

use crate::web::error::AppError;

pub struct ClassItemPath {
    pub item: String,
}

impl<S: Send + Sync> FromRequestParts<S> for ClassItemPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path((_class, item)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        Ok(ClassItemPath { item })
    }
}
