//! An instructor's classes: the list, creating one, its settings (rename, archive) and the
//! projector view of its join code with a QR code of the join link.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::qr::{QrSvg, qr_svg};
use crate::accounts::class::{self, ClassRow, ClassSummary};
use crate::accounts::fields::ClassName;
use crate::accounts::instructor::Instructor;
use crate::app::AppState;
use crate::config::Config;
use crate::web::auth::SignedIn;
use crate::web::error::Result;
use crate::web::forms::{FieldErrors, FormBody, page_with_status};
use crate::web::pages::render;
use crate::web::resource::TaughtClass;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/classes", get(list_classes).post(create_class))
        .route("/classes/{id}/settings", get(show_settings))
        .route("/classes/{id}/rename", post(rename_class))
        .route("/classes/{id}/archive", post(archive_class))
        .route("/classes/{id}/restore", post(restore_class))
        .route("/classes/{id}/projector", get(show_projector))
}

#[derive(Template)]
#[template(path = "classes/list.html")]
struct ClassesPage {
    instructor: Instructor,
    classes: Vec<ClassSummary>,
    name: String,
    errors: FieldErrors,
}

async fn list_classes(State(state): State<AppState>, SignedIn(me): SignedIn) -> Result<Response> {
    let classes = class::list_for_instructor(&state.db, me.instructor_id).await?;
    let page = ClassesPage {
        instructor: me,
        classes,
        name: String::new(),
        errors: FieldErrors::default(),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NameForm {
    name: String,
}

async fn create_class(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    FormBody(form): FormBody<NameForm>,
) -> Result<Response> {
    let name = match ClassName::parse(&form.name) {
        Ok(name) => name,
        Err(message) => {
            let classes = class::list_for_instructor(&state.db, me.instructor_id).await?;
            let errors = FieldErrors::one("name", message);
            let page = ClassesPage { instructor: me, classes, name: form.name, errors };
            return page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let created = class::create(&state.db, me.instructor_id, &name).await?;
    Ok(Redirect::to(&format!("/classes/{}", created.class_id)).into_response())
}

#[derive(Template)]
#[template(path = "classes/settings.html")]
struct SettingsPage {
    instructor: Instructor,
    class: ClassRow,
    name: String,
    errors: FieldErrors,
}

async fn show_settings(TaughtClass { class, instructor: me }: TaughtClass) -> Result<Response> {
    let name = class.name.clone();
    Ok(render(&SettingsPage { instructor: me, class, name, errors: FieldErrors::default() })?
        .into_response())
}

async fn rename_class(
    State(state): State<AppState>,
    TaughtClass { class, instructor: me }: TaughtClass,
    FormBody(form): FormBody<NameForm>,
) -> Result<Response> {
    match ClassName::parse(&form.name) {
        Ok(name) => {
            class::rename(&state.db, class.class_id, &name).await?;
            Ok(Redirect::to(&format!("/classes/{}", class.class_id)).into_response())
        }
        Err(message) => {
            let errors = FieldErrors::one("name", message);
            let page = SettingsPage { instructor: me, class, name: form.name, errors };
            page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

async fn archive_class(state: State<AppState>, taught: TaughtClass) -> Result<Response> {
    set_archived(state, taught, true).await
}

async fn restore_class(state: State<AppState>, taught: TaughtClass) -> Result<Response> {
    set_archived(state, taught, false).await
}

async fn set_archived(
    State(state): State<AppState>,
    TaughtClass { class, .. }: TaughtClass,
    archived: bool,
) -> Result<Response> {
    class::set_archived(&state.db, class.class_id, archived).await?;
    Ok(Redirect::to(&format!("/classes/{}", class.class_id)).into_response())
}

/// The join link as a phone must open it: absolute, on the host the instructor reached us by.
pub fn join_link(headers: &HeaderMap, config: &Config, code: &str) -> String {
    let scheme = if config.secure_cookies { "https" } else { "http" };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let host = host.map_or_else(|| config.addr.to_string(), str::to_owned);
    format!("{scheme}://{host}/join?code={code}")
}

#[derive(Template)]
#[template(path = "classes/projector.html")]
struct ProjectorPage {
    class: ClassRow,
    link: String,
    qr: Option<QrSvg>,
    /// The experiments the class can be shown as a demo.
    choices: Vec<(String, String)>,
}

async fn show_projector(
    State(state): State<AppState>,
    TaughtClass { class, .. }: TaughtClass,
    headers: HeaderMap,
) -> Result<Response> {
    let link = join_link(&headers, &state.config, &class.join_code);
    let qr = qr_svg(&link);
    let choices = super::demo::demo_choices(&state);
    Ok(render(&ProjectorPage { class, link, qr, choices })?.into_response())
}
