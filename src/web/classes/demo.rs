//! The instructor's side of a class demo (peer instruction): open an experiment "for the class"
//! (`POST /classes/{id}/demos`), show it on the projector (`/classes/{id}/demo`, its live part
//! at `/classes/{id}/demo/live`), run it once, then open it for everyone or close it. Each
//! action names the demo it was pressed on, so a stale second tab cannot move another one.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::accounts::access::Viewer;
use crate::accounts::class::ClassRow;
use crate::accounts::demo::{DemoError, Phase, store};
use crate::accounts::instructor::Instructor;
use crate::app::AppState;
use crate::content::{Experiment, ExperimentId};
use crate::runs::Submission;
use crate::runs::submit::SubmitRequest;
use crate::web::auth::ClientAddress;
use crate::web::demo_view::{DemoView, demo_view};
use crate::web::error::{AppError, Result};
use crate::web::forms::FormBody;
use crate::web::pages::render;
use crate::web::resource::TaughtClass;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/classes/{id}/demos", post(open_demo))
        .route("/classes/{id}/demo", get(show_demo))
        .route("/classes/{id}/demo/live", get(show_demo_live))
        .route("/classes/{id}/demo/run", post(run_demo))
        .route("/classes/{id}/demo/open", post(open_demo_for_everyone))
        .route("/classes/{id}/demo/close", post(close_demo))
}

/// The experiments a class can be shown: runnable ones that ask a question.
pub fn demo_choices(state: &AppState) -> Vec<(String, String)> {
    let mut choices: Vec<&Experiment> = state
        .content
        .experiments()
        .filter(|e| e.code.is_some() && e.prediction.is_some())
        .collect();
    let lessons = state.content.lessons();
    choices.sort_by_key(|e| (lessons.iter().position(|l| l.slug == e.lesson), e.id.clone()));
    choices.into_iter().map(|e| (e.id.to_string(), e.title.clone())).collect()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OpenForm {
    experiment: String,
}

async fn open_demo(
    State(state): State<AppState>,
    TaughtClass { class, .. }: TaughtClass,
    FormBody(form): FormBody<OpenForm>,
) -> Result<Response> {
    let id = ExperimentId::parse(form.experiment.trim()).ok_or_else(unknown_experiment)?;
    let experiment = state.content.experiment(&id).ok_or_else(unknown_experiment)?;
    if experiment.prediction.is_none() {
        return Err(DemoError::NoQuestion.into());
    }
    if experiment.code.is_none() {
        return Err(AppError::Unprocessable("이 실험은 아직 실행할 수 없습니다.".to_owned()));
    }
    store::open(&state.db, class.class_id, &id).await?;
    Ok(back_to_demo(&class))
}

fn unknown_experiment() -> AppError {
    AppError::Unprocessable("알 수 없는 실험입니다. 목록에서 실험을 골라 주세요.".to_owned())
}

fn back_to_demo(class: &ClassRow) -> Response {
    Redirect::to(&format!("/classes/{}/demo", class.class_id)).into_response()
}

#[derive(Template)]
#[template(path = "classes/demo.html")]
struct DemoPage<'a> {
    instructor: Instructor,
    class: ClassRow,
    demo: Option<DemoView<'a>>,
    choices: Vec<(String, String)>,
}

impl DemoPage<'_> {
    /// A new demo can be opened once the last one is over.
    fn in_progress(&self) -> bool {
        self.demo.as_ref().is_some_and(|d| d.phase.in_progress())
    }
}

#[derive(Template)]
#[template(path = "classes/demo_live.html")]
struct DemoLive<'a> {
    class: ClassRow,
    demo: Option<DemoView<'a>>,
}

/// The class's latest demo (in progress, or opened for everyone) as the projector shows it.
async fn latest_view<'a>(
    state: &'a AppState,
    class: &ClassRow,
    instructor: &Instructor,
) -> Result<Option<DemoView<'a>>> {
    let viewer = Viewer { learner_id: None, instructor_id: Some(instructor.instructor_id) };
    match store::latest(&state.db, class.class_id).await? {
        Some(demo) => Ok(Some(demo_view(state, &demo, &viewer, None).await?)),
        None => Ok(None),
    }
}

async fn show_demo(
    State(state): State<AppState>,
    TaughtClass { class, instructor }: TaughtClass,
) -> Result<Html<String>> {
    let demo = latest_view(&state, &class, &instructor).await?;
    let choices = demo_choices(&state);
    render(&DemoPage { instructor, class, demo, choices })
}

async fn show_demo_live(
    State(state): State<AppState>,
    TaughtClass { class, instructor }: TaughtClass,
) -> Result<Html<String>> {
    let demo = latest_view(&state, &class, &instructor).await?;
    render(&DemoLive { class, demo })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DemoForm {
    demo: String,
}

/// The demo the form names, if it is this class's; anything else is the 404 of what never was.
async fn named_demo(
    state: &AppState,
    class: &ClassRow,
    form: &DemoForm,
) -> Result<crate::accounts::demo::Demo> {
    let id: i64 = form.demo.trim().parse().map_err(|_| AppError::NotFound)?;
    store::get(&state.db, class.class_id, id).await?.ok_or(AppError::NotFound)
}

/// Runs the experiment once, with its defaults and original code, as the class's demo run.
async fn run_demo(
    State(state): State<AppState>,
    TaughtClass { class, .. }: TaughtClass,
    client: ClientAddress,
    FormBody(form): FormBody<DemoForm>,
) -> Result<Response> {
    let demo = named_demo(&state, &class, &form).await?;
    let request = SubmitRequest {
        experiment: demo.experiment.clone(),
        params: Default::default(),
        code: None,
        prediction: None,
    };
    let limits = state.config.submit_limits();
    let submission = Submission::parse(request, &state.content, &limits)?;
    if let Some(Err(reason)) = state
        .content
        .experiment(&submission.experiment)
        .map(|e| crate::runtimes::availability(e, state.runtimes))
    {
        return Err(AppError::Unprocessable(reason));
    }
    store::start_run(&state.db, &demo, &submission, &client.network()).await?;
    state.runner.wake();
    Ok(back_to_demo(&class))
}

async fn open_demo_for_everyone(
    state: State<AppState>,
    taught: TaughtClass,
    form: FormBody<DemoForm>,
) -> Result<Response> {
    end_demo(state, taught, form, Phase::Opened).await
}

async fn close_demo(
    state: State<AppState>,
    taught: TaughtClass,
    form: FormBody<DemoForm>,
) -> Result<Response> {
    end_demo(state, taught, form, Phase::Closed).await
}

async fn end_demo(
    State(state): State<AppState>,
    TaughtClass { class, .. }: TaughtClass,
    FormBody(form): FormBody<DemoForm>,
    to: Phase,
) -> Result<Response> {
    let demo = named_demo(&state, &class, &form).await?;
    store::end(&state.db, &demo, to).await?;
    Ok(back_to_demo(&class))
}
