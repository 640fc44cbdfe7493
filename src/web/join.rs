//! Learners joining a class (`/join?code=…`, prefilled from the link or QR code) under a display
//! name, and coming back on another device with their personal resume code.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::auth::ClientAddress;
use super::forms::{FieldErrors, FormBody, page_with_status};
use super::learner_cookie::Visitor;
use super::pages::render;
use crate::accounts::class::{self, ClassRow, JoinCode};
use crate::accounts::fields::PersonName;
use crate::accounts::learner;
use crate::accounts::membership::{self, JoinOutcome, Membership, ResumeCode};
use crate::accounts::newcomer::{self, Arrival};
use crate::app::AppState;
use crate::web::error::Result;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/join", get(show_join).post(join_class))
        .route("/join/resume", post(resume_learner))
        .route("/join/new-code", post(renew_resume_code))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct JoinForm {
    code: String,
    name: String,
    resume_code: String,
}

#[derive(Template, Default)]
#[template(path = "join.html")]
struct JoinPage {
    code: String,
    name: String,
    memberships: Vec<Membership>,
    errors: FieldErrors,
    signup_open: bool,
}

async fn join_page(
    state: &AppState,
    visitor: &Visitor,
    form: JoinForm,
    errors: FieldErrors,
) -> Result<JoinPage> {
    let memberships = match visitor.learner_id(&state.db).await? {
        Some(id) => membership::memberships(&state.db, id).await?,
        None => Vec::new(),
    };
    let signup_open = state.config.allow_signup;
    Ok(JoinPage { code: form.code, name: form.name, memberships, errors, signup_open })
}

async fn show_join(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(form): Query<JoinForm>,
) -> Result<Response> {
    Ok(render(&join_page(&state, &visitor, form, FieldErrors::default()).await?)?.into_response())
}

/// Shown right after joining: the resume code appears here once and never again.
#[derive(Template)]
#[template(path = "joined.html")]
struct JoinedPage {
    class_name: String,
    display_name: String,
    already: bool,
    resume_code: Option<String>,
}

fn private(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn join_class(
    State(state): State<AppState>,
    visitor: Visitor,
    client: ClientAddress,
    FormBody(form): FormBody<JoinForm>,
) -> Result<Response> {
    let address = client.network();
    state.code_guesses.check(&address)?;
    let mut errors = FieldErrors::default();
    let class = open_class(&state, &form.code).await?;
    if class.is_none() {
        state.code_guesses.record_failure(&address);
        errors.add("code", "이 참여 코드의 반이 없습니다. 선생님이 알려 준 코드를 확인해 주세요.");
    }
    let name = errors.check("name", PersonName::parse(&form.name));
    let (Some(class), Some(name)) = (class, name) else {
        return join_form_again(&state, &visitor, form, errors).await;
    };
    let token = visitor.learner_or_mint(&state.db).await?;
    let limits = state.config.newcomer_limits();
    let learner_id =
        newcomer::admit(&state.db, &token, &address, Arrival::ClassJoin, &limits).await?;
    let (member, already) =
        match membership::join(&state.db, class.class_id, learner_id, &name).await? {
            JoinOutcome::Joined(member) => (member, false),
            JoinOutcome::AlreadyMember(member) => (member, true),
            JoinOutcome::NameTaken => {
                let taken = FieldErrors::one("name", NAME_TAKEN);
                return join_form_again(&state, &visitor, form, taken).await;
            }
        };
    visitor.rotate(&state.db, &token).await?;
    let resume_code = first_resume_code(&state, learner_id).await?;
    let page = JoinedPage {
        class_name: class.name,
        display_name: member.display_name,
        already,
        resume_code,
    };
    Ok(private(render(&page)?.into_response()))
}

async fn open_class(state: &AppState, raw_code: &str) -> Result<Option<ClassRow>> {
    match JoinCode::parse(raw_code) {
        Some(code) => Ok(class::by_join_code(&state.db, &code).await?),
        None => Ok(None),
    }
}

const NAME_TAKEN: &str = "이 반에 같은 이름이 이미 있습니다. 성이나 번호를 붙여 구별해 주세요. \
    다른 기기에서 이어 하려면 아래의 재개 코드를 쓰세요.";

async fn join_form_again(
    state: &AppState,
    visitor: &Visitor,
    form: JoinForm,
    errors: FieldErrors,
) -> Result<Response> {
    let page = join_page(state, visitor, form, errors).await?;
    page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// The learner's resume code the first time they join a class; later joins show none.
async fn first_resume_code(state: &AppState, learner_id: i64) -> Result<Option<String>> {
    if membership::has_resume_code(&state.db, learner_id).await? {
        return Ok(None);
    }
    Ok(Some(membership::issue_resume_code(&state.db, learner_id).await?.grouped()))
}

async fn resume_learner(
    State(state): State<AppState>,
    visitor: Visitor,
    client: ClientAddress,
    FormBody(form): FormBody<JoinForm>,
) -> Result<Response> {
    let address = client.network();
    state.code_guesses.check(&address)?;
    let current = visitor.learner_id(&state.db).await?;
    let target = match ResumeCode::parse(&form.resume_code) {
        Some(code) => membership::resume(&state.db, &code, current).await?,
        None => None,
    };
    let Some(target) = target else {
        state.code_guesses.record_failure(&address);
        let wrong = FieldErrors::one(
            "resume_code",
            "재개 코드가 맞지 않습니다. 열두 글자를 다시 확인해 주세요.",
        );
        let page = join_page(&state, &visitor, form, wrong).await?;
        return page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    // Either way the browser leaves with a token issued now, never one it came with.
    match (current == Some(target), visitor.learner()) {
        (true, Some(token)) => visitor.rotate(&state.db, token).await?,
        _ => visitor.give(learner::bind_device(&state.db, target).await?)?,
    }
    Ok(Redirect::to("/me").into_response())
}

/// A lost resume code is replaced; the old one stops working.
async fn renew_resume_code(State(state): State<AppState>, visitor: Visitor) -> Result<Response> {
    let learner_id = visitor.learner_id(&state.db).await?;
    let memberships = match learner_id {
        Some(id) => membership::memberships(&state.db, id).await?,
        None => Vec::new(),
    };
    let (Some(learner_id), Some(first)) = (learner_id, memberships.first()) else {
        return Ok(Redirect::to("/join").into_response());
    };
    let code = membership::issue_resume_code(&state.db, learner_id).await?;
    let page = JoinedPage {
        class_name: first.class_name.clone(),
        display_name: first.display_name.clone(),
        already: true,
        resume_code: Some(code.grouped()),
    };
    Ok(private(render(&page)?.into_response()))
}
