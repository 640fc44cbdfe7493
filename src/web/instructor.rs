//! Instructor accounts on the web: sign-up (unless switched off), login with its rate limit,
//! and logout.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::auth::{self, ClientAddress, SignedIn};
use super::forms::{FieldErrors, FormBody, local_path, page_with_status};
use super::pages::{ErrorPage, render};
use crate::accounts::fields::{Email, Password, PersonName};
use crate::accounts::instructor::{self, SignUp};
use crate::accounts::login_limit::{self, Attempt};
use crate::app::AppState;
use crate::web::error::{AppError, Result};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/instructor/signup", get(show_sign_up).post(sign_up))
        .route("/instructor/login", get(show_login).post(log_in))
        .route("/instructor/logout", post(log_out))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SignUpForm {
    email: String,
    name: String,
    password: String,
    password_confirm: String,
}

#[derive(Template, Default)]
#[template(path = "instructor/signup.html")]
struct SignUpPage {
    email: String,
    name: String,
    errors: FieldErrors,
}

fn signup_closed() -> Response {
    let message = "강사 가입이 닫혀 있습니다. 이미 계정이 있다면 로그인해 주세요.".to_owned();
    ErrorPage::new(StatusCode::FORBIDDEN, message).into_response_with(StatusCode::FORBIDDEN)
}

async fn show_sign_up(State(state): State<AppState>) -> Result<Response> {
    if !state.config.allow_signup {
        return Ok(signup_closed());
    }
    Ok(render(&SignUpPage::default())?.into_response())
}

async fn sign_up(
    State(state): State<AppState>,
    FormBody(form): FormBody<SignUpForm>,
) -> Result<Response> {
    if !state.config.allow_signup {
        return Ok(signup_closed());
    }
    let mut errors = FieldErrors::default();
    let email = errors.check("email", Email::parse(&form.email));
    let name = errors.check("name", PersonName::parse(&form.name));
    let password = errors.check("password", Password::parse(&form.password));
    if form.password != form.password_confirm {
        errors.add("password_confirm", "두 비밀번호가 서로 다릅니다.");
    }
    let page = |errors| SignUpPage { email: form.email.clone(), name: form.name.clone(), errors };
    let (Some(email), Some(name), Some(password), true) =
        (email, name, password, errors.is_empty())
    else {
        return page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page(errors));
    };
    // One answer whether or not the email was free: the same redirect, no cookie, after the
    // same argon2 hash, so the form tells no one which emails have accounts.
    let outcome =
        instructor::sign_up(&state.db, &state.passwords, &email, &name, &password).await?;
    if let SignUp::EmailTaken = outcome {
        tracing::debug!("sign-up for an email that already has an account");
    }
    Ok(Redirect::to(SIGNED_UP).into_response())
}

/// Where every accepted sign-up form goes: the login form, with a notice.
const SIGNED_UP: &str = "/instructor/login?signed_up=1";

const SIGNED_UP_NOTICE: &str = "가입 신청을 처리했습니다. 이메일과 비밀번호로 로그인해 주세요. \
    이미 가입한 이메일이었다면 원래 비밀번호를 쓰세요.";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct NextQuery {
    next: Option<String>,
    signed_up: Option<u8>,
}

#[derive(Template)]
#[template(path = "instructor/login.html")]
struct LoginPage {
    email: String,
    next: String,
    signup_open: bool,
    notice: Option<&'static str>,
    errors: FieldErrors,
}

async fn show_login(
    State(state): State<AppState>,
    signed_in: Option<SignedIn>,
    Query(query): Query<NextQuery>,
) -> Result<Response> {
    let next = local_path(query.next.as_deref());
    if signed_in.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let page = LoginPage {
        email: String::new(),
        next,
        signup_open: state.config.allow_signup,
        notice: query.signed_up.map(|_| SIGNED_UP_NOTICE),
        errors: FieldErrors::default(),
    };
    Ok(render(&page)?.into_response())
}

async fn log_in(
    State(state): State<AppState>,
    jar: CookieJar,
    ClientAddress(address): ClientAddress,
    FormBody(form): FormBody<LoginForm>,
) -> Result<Response> {
    let email = Email::parse(&form.email);
    let key =
        email.as_ref().map_or_else(|_| form.email.trim().to_lowercase(), |e| e.as_str().to_owned());
    let attempt = Attempt { email: &key, address: &address };
    let next = local_path(form.next.as_deref());
    let page = |message: &str| LoginPage {
        email: form.email.clone(),
        next: next.clone(),
        signup_open: state.config.allow_signup,
        notice: None,
        errors: FieldErrors::one("", message),
    };
    if let Err(refused) =
        login_limit::check(&state.db, &state.config.login_limits(), &attempt).await
    {
        let error = AppError::from(refused);
        if error.status().is_server_error() {
            return Err(error);
        }
        return page_with_status(error.status(), &page(&error.to_string()));
    }
    let found = match &email {
        Ok(email) => {
            instructor::authenticate(&state.db, &state.passwords, email, &form.password).await?
        }
        Err(_) => None,
    };
    let Some(found) = found else {
        login_limit::record_failure(&state.db, &attempt).await?;
        let wrong = page("이메일 또는 비밀번호가 맞지 않습니다.");
        return page_with_status(StatusCode::UNAUTHORIZED, &wrong);
    };
    login_limit::clear(&state.db, &attempt).await?;
    auth::sign_in(&state, &jar, found.instructor_id, &next).await
}

async fn log_out(State(state): State<AppState>, jar: CookieJar) -> Result<Response> {
    auth::sign_out(&state, &jar).await
}
