//! The JSON API of runs (DESIGN §6): the catalogue, submit, read, cancel, and live events.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::extract::ApiPath;
use super::learner_cookie::Visitor;
use crate::accounts::access::{own_run, visible_run};
use crate::accounts::learner;
use crate::app::AppState;
use crate::error::{ApiError, AppError};
use crate::runs::store::{self, RunRow};
use crate::runs::submit::SubmitRequest;
use crate::runs::{RunEvent, RunStatus, Submission, submit};
use crate::runtimes::availability;

/// Twice the largest program, so an oversized one gets our Korean 413 rather than axum's.
const MAX_BODY_BYTES: usize = 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/experiments", get(list_experiments))
        .route("/api/runs", post(submit_run).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)))
        .route("/api/runs/{id}", get(show_run))
        .route("/api/runs/{id}/cancel", post(cancel_run))
        .route("/api/runs/{id}/explanation", post(explain_run))
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
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let request: SubmitRequest = parse_json(body)?;
    let limits = state.config.submit_limits();
    let submission = Submission::parse(request, &state.content, &limits)?;
    let experiment = state.content.experiment(&submission.experiment);
    if let Some(Err(reason)) = experiment.map(|e| availability(e, state.runtimes)) {
        return Err(AppError::Unprocessable(reason).into());
    }
    let learner_id = learner::ensure(&state.db, &visitor.learner_or_mint()?).await?;
    let id = submit(&state.db, learner_id, &submission, &limits).await?;
    state.runner.wake();
    let body = json!({ "id": id, "status": "queued", "url": format!("/runs/{id}") });
    Ok((StatusCode::ACCEPTED, Json(body)))
}

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
    visitor: Visitor,
    ApiPath(id): ApiPath,
) -> Result<Json<Value>, ApiError> {
    let viewer = visitor.viewer(&state.db).await?;
    let run = visible_run(&state.db, &viewer, &id).await?;
    Ok(Json(run_json(&run)))
}

/// The run as the API contract describes it.
pub fn run_json(run: &RunRow) -> Value {
    json!({
        "id": run.run_id,
        "experiment": run.experiment,
        "status": run.status(),
        "params": run.params_json(),
        "code_edited": run.code_edited,
        "prediction": run.prediction_json(),
        "explanation": run.explanation,
        "submitted_at": run.submitted_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "exit_code": run.exit_code,
        "reason": run.reason,
        "stdout": run.stdout,
        "stderr": run.stderr,
        "result": run.result_json(),
    })
}

async fn cancel_run(
    State(state): State<AppState>,
    visitor: Visitor,
    ApiPath(id): ApiPath,
) -> Result<Json<Value>, ApiError> {
    let viewer = visitor.viewer(&state.db).await?;
    // Only the learner who ran it may stop it; their instructor only watches.
    let run = own_run(&state.db, &viewer, &id).await?;
    let id = run.id();
    let status = match store::request_cancel(&state.db, &id).await? {
        Some(RunStatus::Cancelled) => {
            let reason = Some(store::CANCELLED_REASON.to_owned());
            state
                .runner
                .hub()
                .publish(&id, RunEvent::Done { status: RunStatus::Cancelled, reason });
            RunStatus::Cancelled
        }
        Some(status) => {
            state.runner.cancel(&id);
            status
        }
        None => return Err(AppError::Conflict("이미 끝난 실행입니다.".to_owned()).into()),
    };
    Ok(Json(json!({ "id": id, "status": status })))
}

const MAX_EXPLANATION_CHARS: usize = 2000;

/// `{"text": "…"}`: the learner's answer to "왜 그럴까요?", kept with the run.
async fn explain_run(
    State(state): State<AppState>,
    visitor: Visitor,
    ApiPath(id): ApiPath,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let viewer = visitor.viewer(&state.db).await?;
    let run = own_run(&state.db, &viewer, &id).await?;
    let value: Value = parse_json(body)?;
    let text = value["text"].as_str().map(str::trim).unwrap_or_default();
    if text.is_empty() || text.chars().count() > MAX_EXPLANATION_CHARS {
        let message = format!("설명은 1자 이상 {MAX_EXPLANATION_CHARS}자 이하로 적어 주세요.");
        return Err(AppError::Unprocessable(message).into());
    }
    store::save_explanation(&state.db, &run.id(), text).await?;
    Ok(Json(json!({ "id": run.run_id, "explanation": text })))
}

type EventStream =
    Sse<axum::response::sse::KeepAliveStream<ReceiverStream<Result<Event, Infallible>>>>;

async fn stream_run_events(
    State(state): State<AppState>,
    visitor: Visitor,
    ApiPath(id): ApiPath,
) -> Result<EventStream, ApiError> {
    let viewer = visitor.viewer(&state.db).await?;
    let run = visible_run(&state.db, &viewer, &id).await?;
    let (sender, receiver) = mpsc::channel(64);
    tokio::spawn(feed_events(state, run, sender));
    Ok(Sse::new(ReceiverStream::new(receiver)).keep_alive(KeepAlive::default()))
}

fn sse(event: &RunEvent) -> Result<Event, Infallible> {
    let mut data = serde_json::to_value(event).unwrap_or(Value::Null);
    if let Some(object) = data.as_object_mut() {
        object.remove("event");
    }
    Ok(Event::default().event(event.name()).data(data.to_string()))
}

/// Replays a finished run; for an unfinished one sends what happened so far, then follows it live.
async fn feed_events(state: AppState, run: RunRow, out: mpsc::Sender<Result<Event, Infallible>>) {
    let id = run.id();
    let (backlog, mut live) = state.runner.hub().subscribe(&id);
    // Re-read after subscribing, so nothing between the two is missed.
    let run = match store::get(&state.db, &id).await {
        Ok(Some(run)) => run,
        _ => return,
    };
    if run.status().is_finished() {
        state.runner.hub().forget(&id);
        for event in replay(&run) {
            if out.send(sse(&event)).await.is_err() {
                return;
            }
        }
        return;
    }
    let position = store::queue_position(&state.db, &id).await.ok().flatten();
    let mut first = vec![RunEvent::Status { status: run.status(), position }];
    first.extend(backlog_events(backlog));
    for event in first {
        if out.send(sse(&event)).await.is_err() {
            return;
        }
    }
    follow(&state, &id, position, &mut live, &out).await;
}

async fn follow(
    state: &AppState,
    id: &crate::runs::RunId,
    mut position: Option<i64>,
    live: &mut tokio::sync::broadcast::Receiver<RunEvent>,
    out: &mpsc::Sender<Result<Event, Infallible>>,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        let event = tokio::select! {
            received = live.recv() => match received {
                Ok(event) => event,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => return,
            },
            _ = tick.tick(), if position.is_some() => {
                let now = store::queue_position(&state.db, id).await.ok().flatten();
                if now == position || now.is_none() {
                    continue;
                }
                position = now;
                RunEvent::Status { status: RunStatus::Queued, position }
            }
            () = state.shutdown.cancelled() => return,
        };
        if matches!(event, RunEvent::Status { status: RunStatus::Running, .. }) {
            position = None;
        }
        let done = matches!(event, RunEvent::Done { .. });
        if out.send(sse(&event)).await.is_err() || done {
            return;
        }
    }
}

fn backlog_events(backlog: crate::runs::Backlog) -> Vec<RunEvent> {
    use crate::runs::Stream;
    let mut events = Vec::new();
    if !backlog.stdout.is_empty() {
        events.push(RunEvent::Output { stream: Stream::Stdout, text: backlog.stdout });
    }
    if !backlog.stderr.is_empty() {
        events.push(RunEvent::Output { stream: Stream::Stderr, text: backlog.stderr });
    }
    if let Some(result) = backlog.result {
        events.push(RunEvent::Result { result });
    }
    events
}

fn replay(run: &RunRow) -> Vec<RunEvent> {
    let backlog = crate::runs::Backlog {
        stdout: run.stdout.clone(),
        stderr: run.stderr.clone(),
        result: run.result_json(),
    };
    let mut events = vec![RunEvent::Status { status: run.status(), position: None }];
    events.extend(backlog_events(backlog));
    events.push(RunEvent::Done { status: run.status(), reason: run.reason.clone() });
    events
}
