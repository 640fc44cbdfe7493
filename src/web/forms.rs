//! Form plumbing shared by the instructor and join pages: the body extractor with a Korean
//! refusal, the errors shown beside fields, and pages answered with a chosen status.

use askama::Template;
use axum::extract::{Form, FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::pages::render;
use crate::web::error::{AppError, Result};

/// A urlencoded form body; anything else is a Korean 400 rather than axum's plain text.
pub struct FormBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for FormBody<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Form::<T>::from_request(request, state).await {
            Ok(Form(value)) => Ok(FormBody(value)),
            Err(_) => Err(AppError::BadRequest("양식의 내용을 읽을 수 없습니다.".to_owned())),
        }
    }
}

/// Errors of one submitted form, by field name (`""` for the form as a whole).
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push((field, message.into()));
    }

    pub fn one(field: &'static str, message: impl Into<String>) -> FieldErrors {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        errors
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Records the error of a parse, keeping the value if it parsed.
    pub fn check<T>(&mut self, field: &'static str, parsed: Result<T, &'static str>) -> Option<T> {
        parsed.map_err(|message| self.add(field, message)).ok()
    }
}

/// A page answered with the given status (422 for a form with errors, 401 for a failed login).
pub fn page_with_status(status: StatusCode, page: &impl Template) -> Result<Response> {
    Ok((status, render(page)?).into_response())
}

/// Percent-encodes a query-string value.
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A path on this site to go to after logging in; anything else (another site, `//host`,
/// `/\host`) becomes the class list, so the login form is no open redirect.
pub fn local_path(raw: Option<&str>) -> String {
    match raw {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/classes".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(local_path(Some("/classes/3?page=2")), "/classes/3?page=2");
        for bad in ["https://evil.example", "//evil.example", "/\\evil.example", "classes"] {
            assert_eq!(local_path(Some(bad)), "/classes", "{bad}");
        }
        assert_eq!(local_path(None), "/classes");
    }

    #[test]
    fn a_query_value_is_percent_encoded() {
        assert_eq!(
            encode_component("/classes/3?page=2&x=한"),
            "/classes/3%3Fpage%3D2%26x%3D%ED%95%9C"
        );
    }
}
