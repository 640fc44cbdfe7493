//! The learner's side of a class demo (`/class/demo`): the question their instructor opened, a
//! prediction form that takes changes until the run starts, then the run live and its
//! measurement against the class's predictions. Only learners of the class see it; the page
//! keeps itself current through its live part (`/class/demo/live`).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::demo_view::{DemoView, demo_view};
use super::forms::{FormBody, page_with_status};
use super::learner_cookie::Visitor;
use super::pages::render;
use crate::accounts::access::Viewer;
use crate::accounts::class;
use crate::accounts::demo::{Demo, Phase, store};
use crate::accounts::membership;
use crate::app::AppState;
use crate::content::PredictionKind;
use crate::runs::prediction;
use crate::web::error::{AppError, Result};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/class/demo", get(show_class_demo))
        .route("/class/demo/live", get(show_class_demo_live))
        .route("/class/demo/prediction", post(predict_class_demo))
        .layer(super::auth::no_store())
}

const NOT_A_MEMBER: &str = "수업 실험은 반에 참여한 학생만 볼 수 있습니다. 선생님이 알려 준 참여 \
    코드로 먼저 반에 참여해 주세요 (반 참여: /join).";

/// The learner behind this browser, if they belong to a class; anyone else is refused.
async fn member(state: &AppState, visitor: &Visitor) -> Result<i64> {
    let learner_id = visitor.learner_id(&state.db).await?;
    match learner_id {
        Some(id) if !membership::memberships(&state.db, id).await?.is_empty() => Ok(id),
        _ => Err(AppError::Forbidden(NOT_A_MEMBER.to_owned())),
    }
}

#[derive(Template)]
#[template(path = "demo.html")]
struct ClassDemoPage<'a> {
    class_name: String,
    demo: Option<DemoView<'a>>,
    /// What the number field shows: the saved prediction, or what was typed with an error.
    value: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "demo_live.html")]
struct ClassDemoLive<'a> {
    demo: Option<DemoView<'a>>,
}

async fn view_for<'a>(
    state: &'a AppState,
    demo: Option<&Demo>,
    learner_id: i64,
) -> Result<Option<DemoView<'a>>> {
    let viewer = Viewer { learner_id: Some(learner_id), instructor_id: None };
    match demo {
        Some(demo) => Ok(Some(demo_view(state, demo, &viewer, Some(learner_id)).await?)),
        None => Ok(None),
    }
}

async fn page<'a>(
    state: &'a AppState,
    demo: Option<&Demo>,
    learner_id: i64,
    error: Option<(String, String)>,
) -> Result<ClassDemoPage<'a>> {
    let class_name = match demo {
        Some(demo) => class::get(&state.db, demo.class_id).await?.map(|c| c.name),
        None => None,
    };
    let view = view_for(state, demo, learner_id).await?;
    let saved = view.as_ref().map(DemoView::my_value).unwrap_or_default();
    let (value, error) = match error {
        Some((typed, message)) => (typed, Some(message)),
        None => (saved, None),
    };
    Ok(ClassDemoPage { class_name: class_name.unwrap_or_default(), demo: view, value, error })
}

async fn show_class_demo(State(state): State<AppState>, visitor: Visitor) -> Result<Html<String>> {
    let learner_id = member(&state, &visitor).await?;
    let demo = store::latest_for_learner(&state.db, learner_id).await?;
    render(&page(&state, demo.as_ref(), learner_id, None).await?)
}

async fn show_class_demo_live(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Html<String>> {
    let learner_id = member(&state, &visitor).await?;
    let demo = store::latest_for_learner(&state.db, learner_id).await?;
    render(&ClassDemoLive { demo: view_for(&state, demo.as_ref(), learner_id).await? })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PredictionForm {
    demo: String,
    value: String,
    choice: String,
}

async fn predict_class_demo(
    State(state): State<AppState>,
    visitor: Visitor,
    FormBody(form): FormBody<PredictionForm>,
) -> Result<Response> {
    let learner_id = member(&state, &visitor).await?;
    let demo_id: i64 = form.demo.trim().parse().map_err(|_| AppError::NotFound)?;
    let demo = store::get_for_learner(&state.db, demo_id, learner_id).await?;
    let demo = demo.ok_or(AppError::NotFound)?;
    if !demo.phase.takes_predictions() {
        let refusal = crate::accounts::demo::DemoError::PredictionsClosed;
        return Err(if demo.phase == Phase::Closed { AppError::NotFound } else { refusal.into() });
    }
    let (_, question) = super::demo_view::experiment_of(&state, &demo)?;
    let given = match question.kind {
        PredictionKind::Number => {
            let value = form.value.trim().parse::<f64>().ok().map(Value::from);
            json!({ "value": value })
        }
        PredictionKind::Choice => json!({ "choice": form.choice }),
    };
    match prediction::check(question, &given) {
        Ok(prediction) => {
            store::predict(&state.db, demo.demo_id, learner_id, &prediction).await?;
            Ok(Redirect::to("/class/demo").into_response())
        }
        Err(message) => {
            let typed = form.value.chars().take(40).collect();
            let page = page(&state, Some(&demo), learner_id, Some((typed, message))).await?;
            page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
