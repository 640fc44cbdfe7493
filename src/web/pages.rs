//! Pages shared by every feature: the error page and the panic response.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// The Korean error page for 4xx and 5xx answers.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub heading: &'static str,
    pub message: String,
}

impl ErrorPage {
    pub fn new(status: StatusCode, message: String) -> ErrorPage {
        let heading = match status {
            StatusCode::NOT_FOUND => "페이지를 찾을 수 없습니다",
            StatusCode::TOO_MANY_REQUESTS => "요청이 너무 많습니다",
            s if s.is_server_error() => "서버 오류",
            _ => "요청을 처리할 수 없습니다",
        };
        ErrorPage { status: status.as_u16(), heading, message }
    }

    /// Renders with the given status; if even this fails, a plain Korean line is sent.
    pub fn into_response_with(self, status: StatusCode) -> Response {
        match self.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(error) => {
                tracing::error!(%error, "error page failed to render");
                (status, "오류가 발생했습니다.").into_response()
            }
        }
    }
}

/// A panic in a handler becomes the Korean 500 page; the details go to the log only.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = detail, "handler panicked");
    let status = StatusCode::INTERNAL_SERVER_ERROR;
    let message = "서버에서 문제가 생겼습니다. 잠시 후 다시 시도해 주세요.".to_owned();
    ErrorPage::new(status, message).into_response_with(status)
}

/// Renders a page; a template failure is an internal error (logged, generic page shown).
pub fn render(page: &impl Template) -> crate::web::error::Result<Html<String>> {
    page.render().map(Html).map_err(|e| anyhow::anyhow!("template failed: {e}").into())
}

/// An RFC 3339 timestamp shown in Korean time, e.g. `2026-11-25 17:40`.
pub fn korean_time(rfc3339: &str) -> String {
    let seoul = chrono::FixedOffset::east_opt(9 * 3600).expect("UTC+9 is a valid offset");
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.with_timezone(&seoul).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| rfc3339.to_owned())
}
