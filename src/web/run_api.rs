//! The JSON API of runs (DESIGN §6): the catalogue, submit, read, cancel, and live events.

use std::convert::Infallible;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::{Stream, StreamExt};
use serde_json::{Value, json};

use super::auth::ClientAddress;
use super::learner_cookie::Visitor;
use super::resource::{OwnRun, VisibleRun};
use super::resume::Resume;
use super::run_pages::Fragments;
use crate::accounts::demo;
use crate::accounts::newcomer::{self, Arrival};
use crate::app::AppState;
use crate::content::ExperimentId;
use crate::runs::store::{self, RunRow};
use crate::runs::submit::SubmitRequest;
use crate::runs::{RunEvent, Submission, submit};
use crate::runtimes::availability;
use crate::web::error::{ApiError, AppError};

/// Twice the largest program, so an oversized one gets our Korean 413 rather than axum's.
const MAX_BODY_BYTES: usize = 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/experiments", get(list_experiments))
        .route("/api/runs", post(submit_run).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)))
        .route("/api/runs/{id}", get(show_run))
        .route("/api/runs/{id}/cancel", post(cancel_run))
        .route("/api/runs/{id}/explanation", post(explain_run))
        .route("/api/runs/{id}/rerun", post(rerun_run))
}

pub fn streaming_router() -> Router<AppState> {
    Router::new().route("/api/runs/{id}/events", get(stream_run_events))
}

async fn list_experiments(State(state): State<AppState>) -> Json<Value> {
    let experiments: Vec<Value> = state
        .content
        .experiments()
        .map(|e| {
            let params: Vec<Value> = e
                .params
                .iter()
                .map(|p| {
                    json!({
                        "name": p.name, "label": p.label, "type": p.kind, "default": p.default_json(),
                        "min": p.min, "max": p.max, "choices": p.choices,
                    })
                })
                .collect();
            let available = availability(e, state.runtimes);
            json!({
                "id": e.id, "lesson": e.lesson, "title": e.title, "params": params,
                "variants": e.variants, "needs": e.needs, "available": available.is_ok(),
                "reason": available.err(),
            })
        })
        .collect();
    Json(Value::Array(experiments))
}

async fn submit_run(
    State(state): State<AppState>,
    visitor: Visitor,
    client: ClientAddress,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let request: SubmitRequest = parse_json(body)?;
    enqueue(&state, &visitor, &client, request).await
}

/// The same experiment, parameters and code again (no prediction: it was made once), for a run
/// measured while other programs took its cores. Only the learner who ran it may.
async fn rerun_run(
    State(state): State<AppState>,
    visitor: Visitor,
    client: ClientAddress,
    OwnRun(run): OwnRun,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let request = SubmitRequest {
        experiment: run.experiment.clone(),
        params: run.params.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        code: run.code_edited.then(|| run.code.clone()),
        prediction: None,
    };
    enqueue(&state, &visitor, &client, request).await
}

/// Checks a request against the catalogue and the learner's limits, and queues it.
async fn enqueue(
    state: &AppState,
    visitor: &Visitor,
    client: &ClientAddress,
    request: SubmitRequest,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let limits = state.config.submit_limits();
    let submission = Submission::parse(request, &state.content, &limits)?;
    let experiment = state.content.experiment(&submission.experiment);
    if let Some(Err(reason)) = experiment.map(|e| availability(e, state.runtimes)) {
        return Err(AppError::Unprocessable(reason).into());
    }
    let address = client.network();
    let token = visitor.learner_or_mint(&state.db).await?;
    let newcomers = state.config.newcomer_limits();
    let learner_id = newcomer::admit(&state.db, &token, &address, Arrival::Run, &newcomers).await?;
    let experiment_id = submission.experiment.as_str();
    if demo::rules::held_back(&state.db, learner_id, experiment_id).await? {
        return Err(AppError::Conflict(HELD_BACK.to_owned()).into());
    }
    let id = submit(&state.db, learner_id, &address, &submission, &limits).await?;
    state.runner.wake();
    let body = json!({ "id": id, "status": "queued", "url": format!("/runs/{id}") });
    Ok((StatusCode::ACCEPTED, Json(body)))
}

const HELD_BACK: &str = "선생님이 이 실험을 수업 실험으로 보여 주는 중입니다. 수업 실험 화면(/class/demo)에서 \
    예측해 주세요. 선생님이 모두에게 열면 여기서 직접 실행할 수 있습니다.";

/// Bytes → UTF-8 → JSON → the request shape, each failure with its own Korean message.
fn parse_json<T: serde::de::DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
) -> Result<T, AppError> {
    let bytes = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::PayloadTooLarge("요청이 너무 큽니다.".to_owned())
        }
        _ => AppError::BadRequest("요청 본문을 읽을 수 없습니다.".to_owned()),
    })?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| AppError::BadRequest("요청 본문이 올바른 UTF-8이 아닙니다.".to_owned()))?;
    serde_json::from_str(text).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => {
            AppError::Unprocessable(format!("요청의 형식이 맞지 않습니다: {}", english_detail(&e)))
        }
        _ => AppError::BadRequest("JSON 문법이 올바르지 않습니다.".to_owned()),
    })
}

/// serde's own words name the field at fault; keep them short.
fn english_detail(error: &serde_json::Error) -> String {
    error.to_string().chars().take(160).collect()
}

async fn show_run(
    State(state): State<AppState>,
    VisibleRun { run, .. }: VisibleRun,
) -> Json<Value> {
    let mut json = run_json(&run);
    // The wall limit the run is (or was) stopped at, as its status events tell it while it runs.
    let experiment =
        ExperimentId::parse(&run.experiment).and_then(|id| state.content.experiment(&id));
    if let (Some(experiment), Some(object)) = (experiment, json.as_object_mut()) {
        let limits =
            crate::runs::job::wall_limit(experiment, &run.params, state.config.run_limits());
        object.insert("limit_s".to_owned(), json!(limits.as_secs_f64().round()));
    }
    Json(json)
}

/// The run as the API contract describes it.
pub fn run_json(run: &RunRow) -> Value {
    json!({
        "id": run.run_id,
        "experiment": run.experiment,
        "status": run.status(),
        "params": run.params,
        "code_edited": run.code_edited,
        "prediction": run.prediction(),
        "explanation": run.explanation,
        "submitted_at": run.submitted_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "exit_code": run.exit_code,
        "reason": run.reason,
        "stdout": run.stdout,
        "stderr": run.stderr,
        "result": run.result(),
    })
}

/// Only the learner who ran it may stop it; their instructor only watches.
async fn cancel_run(
    State(state): State<AppState>,
    OwnRun(run): OwnRun,
) -> Result<Json<Value>, ApiError> {
    let status = state.runner.cancel(&run.run_id).await?;
    Ok(Json(json!({ "id": run.run_id, "status": status })))
}

const MAX_EXPLANATION_CHARS: usize = 2000;

/// `{"text": "…"}`: the learner's answer to "왜 그럴까요?", kept with the run.
async fn explain_run(
    State(state): State<AppState>,
    OwnRun(run): OwnRun,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let value: Value = parse_json(body)?;
    let text = value["text"].as_str().map(str::trim).unwrap_or_default();
    if text.is_empty() || text.chars().count() > MAX_EXPLANATION_CHARS {
        let message = format!("설명은 1자 이상 {MAX_EXPLANATION_CHARS}자 이하로 적어 주세요.");
        return Err(AppError::Unprocessable(message).into());
    }
    store::save_explanation(&state.db, &run.id(), text).await?;
    Ok(Json(json!({ "id": run.run_id, "explanation": text })))
}

/// One stream per open card; its slots are held by the stream, so they are given back the
/// moment the client goes away and the server drops it.
async fn stream_run_events(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    VisibleRun { run, viewer }: VisibleRun,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let slot = state.streams.open(&run.run_id, &address)?;
    let mut resume = Resume::from_headers(&headers);
    let events = state.runner.watch(run.run_id.clone());
    let events = events.filter_map(move |e| std::future::ready(resume.pass(e)));
    let fragments = Fragments { state, run, viewer };
    let stream = events.then(move |(event, id)| {
        let fragments = fragments.clone();
        let _held = &slot;
        async move {
            let sse = sse(&event, fragments.html(&event).await);
            Ok(match id {
                Some(id) => sse.id(id),
                None => sse,
            })
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// An event as SSE: its fields as JSON, with the HTML the card shows for it where there is some.
fn sse(event: &RunEvent, html: Option<String>) -> Event {
    let mut data = serde_json::to_value(event).unwrap_or(Value::Null);
    if let Some(object) = data.as_object_mut() {
        object.remove("event");
        if let Some(html) = html {
            object.insert("html".to_owned(), Value::String(html));
        }
    }
    Event::default().event(event.name()).data(data.to_string())
}
