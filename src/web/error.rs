//! The web's one error: domain errors become statuses here; user errors show their Korean
//! message, internal ones are logged and hidden.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::accounts::access::AccessError;
use crate::accounts::demo::DemoError;
use crate::accounts::guess_limit::TooManyGuesses;
use crate::accounts::login_limit::LoginRefused;
use crate::accounts::newcomer::NewcomerError;
use crate::runs::CancelError;
use crate::runs::submit::SubmitError;
use crate::web::pages::ErrorPage;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("찾으시는 페이지가 없습니다.")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a user may see: internal details go to the log only.
    fn public_message(&self) -> String {
        if self.status().is_server_error() {
            tracing::error!(error = %self, "request failed");
            "서버에서 문제가 생겼습니다. 잠시 후 다시 시도해 주세요.".to_owned()
        } else {
            self.to_string()
        }
    }
}

impl From<SubmitError> for AppError {
    fn from(error: SubmitError) -> Self {
        let message = error.to_string();
        match error {
            SubmitError::Database(e) => AppError::Database(e),
            SubmitError::CodeTooLong { .. } => AppError::PayloadTooLarge(message),
            SubmitError::TooManyWaiting { .. }
            | SubmitError::TooFrequent
            | SubmitError::TooManyAnonymousFromAddress { .. }
            | SubmitError::AnonymousQueueFull
            | SubmitError::QueueStorageFull => AppError::TooManyRequests(message),
            SubmitError::UnknownExperiment
            | SubmitError::NotRunnable
            | SubmitError::Invalid(_)
            | SubmitError::PredictionNotAsked => AppError::Unprocessable(message),
        }
    }
}

impl From<DemoError> for AppError {
    fn from(error: DemoError) -> Self {
        let message = error.to_string();
        match error {
            DemoError::NotFound => AppError::NotFound,
            DemoError::Database(e) => AppError::Database(e),
            DemoError::Submit(e) => e.into(),
            DemoError::NoQuestion => AppError::Unprocessable(message),
            DemoError::AlreadyInProgress
            | DemoError::PredictionsClosed
            | DemoError::CannotRun
            | DemoError::NotMeasured
            | DemoError::Ended => AppError::Conflict(message),
        }
    }
}

impl From<NewcomerError> for AppError {
    fn from(error: NewcomerError) -> Self {
        match error {
            NewcomerError::TooMany => AppError::TooManyRequests(error.to_string()),
            NewcomerError::Database(e) => AppError::Database(e),
        }
    }
}

impl From<CancelError> for AppError {
    fn from(error: CancelError) -> Self {
        match error {
            CancelError::Finished => AppError::Conflict(error.to_string()),
            CancelError::Database(e) => AppError::Database(e),
        }
    }
}

impl From<AccessError> for AppError {
    fn from(error: AccessError) -> Self {
        match error {
            AccessError::NotFound => AppError::NotFound,
            AccessError::Database(e) => AppError::Database(e),
        }
    }
}

impl From<LoginRefused> for AppError {
    fn from(error: LoginRefused) -> Self {
        match error {
            LoginRefused::Database(e) => AppError::Database(e),
            LoginRefused::TooManyForThisEmail
            | LoginRefused::TooManyFromThisAddress
            | LoginRefused::EmailSlowed { .. } => AppError::TooManyRequests(error.to_string()),
        }
    }
}

impl From<TooManyGuesses> for AppError {
    fn from(error: TooManyGuesses) -> Self {
        AppError::TooManyRequests(error.to_string())
    }
}

/// Pages answer with a Korean HTML error page.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        ErrorPage::new(status, self.public_message()).into_response_with(status)
    }
}

/// The JSON API answers `{"error": "<Korean message>"}` with the same statuses.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(error: E) -> Self {
        ApiError(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        (status, Json(json!({ "error": self.0.public_message() }))).into_response()
    }
}
