//! The course pages: the index of lessons and one lesson with its experiment cards.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;

use super::extract::PagePath;
use super::pages::render;
use super::run_pages::{RunListItem, list_item};
use crate::accounts::access::Viewer;
use crate::accounts::learner::LearnerToken;
use crate::app::AppState;
use crate::content::{Experiment, Lesson, Segment};
use crate::error::{AppError, Result};
use crate::runs::store;
use crate::runtimes::availability;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(show_index)).route("/lessons/{slug}", get(show_lesson))
}

/// A lesson in the index, with the learner's progress through its experiments.
struct LessonEntry<'a> {
    lesson: &'a Lesson,
    experiments: usize,
    done: usize,
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage<'a> {
    lessons: Vec<LessonEntry<'a>>,
}

async fn show_index(State(state): State<AppState>, token: LearnerToken) -> Result<Html<String>> {
    let done = match Viewer::of(&state.db, &token).await?.learner_id {
        Some(id) => store::experiments_done(&state.db, id).await?,
        None => Vec::new(),
    };
    let lessons = state
        .content
        .lessons()
        .iter()
        .map(|lesson| LessonEntry {
            lesson,
            experiments: lesson.experiment_ids().count(),
            done: lesson
                .experiment_ids()
                .filter(|id| done.iter().any(|d| d == id.as_str()))
                .count(),
        })
        .collect();
    render(&IndexPage { lessons })
}

/// A lesson segment as the template shows it.
enum Block<'a> {
    Html(&'a str),
    /// An experiment, why it cannot run here if it cannot, and the learner's latest runs of it.
    Card(&'a Experiment, Option<String>, Vec<RunListItem>),
}

#[derive(Template)]
#[template(path = "lesson.html")]
struct LessonPage<'a> {
    lesson: &'a Lesson,
    blocks: Vec<Block<'a>>,
    previous: Option<&'a Lesson>,
    next: Option<&'a Lesson>,
}

/// Lesson pages without a learner's history are the same for everyone: rendered once, kept.
#[derive(Default)]
pub struct PageCache(Mutex<HashMap<String, Bytes>>);

async fn show_lesson(
    State(state): State<AppState>,
    token: LearnerToken,
    PagePath(slug): PagePath,
) -> Result<Html<Bytes>> {
    let lesson = state.content.lesson(&slug).ok_or(AppError::NotFound)?;
    let history = history(&state, &token, lesson).await?;
    if !history.is_empty() {
        return render_lesson(&state, lesson, history).map(|Html(page)| Html(Bytes::from(page)));
    }
    let cached = state.lesson_pages.0.lock().unwrap_or_else(|p| p.into_inner()).get(&slug).cloned();
    if let Some(page) = cached {
        return Ok(Html(page));
    }
    let Html(page) = render_lesson(&state, lesson, history)?;
    let page = Bytes::from(page);
    state.lesson_pages.0.lock().unwrap_or_else(|p| p.into_inner()).insert(slug, page.clone());
    Ok(Html(page))
}

fn render_lesson(
    state: &AppState,
    lesson: &Lesson,
    mut history: HashMap<String, Vec<RunListItem>>,
) -> Result<Html<String>> {
    let content = &state.content;
    let blocks = lesson
        .segments
        .iter()
        .filter_map(|segment| match segment {
            Segment::Html(html) => Some(Block::Html(html)),
            // Content validation guarantees the id exists; a miss would only drop the card.
            Segment::Experiment(id) => content.experiment(id).map(|experiment| {
                let unavailable = availability(experiment, state.runtimes).err();
                let runs = history.remove(experiment.id.as_str()).unwrap_or_default();
                Block::Card(experiment, unavailable, runs)
            }),
        })
        .collect();
    let (previous, next) = content.neighbours(&lesson.slug);
    render(&LessonPage { lesson, blocks, previous, next })
}

/// The learner's latest runs of each experiment of the lesson; nothing for a first visit.
async fn history(
    state: &AppState,
    token: &LearnerToken,
    lesson: &Lesson,
) -> Result<HashMap<String, Vec<RunListItem>>> {
    let Some(learner) = Viewer::of(&state.db, token).await?.learner_id else {
        return Ok(HashMap::new());
    };
    let ids: Vec<&str> = lesson.experiment_ids().map(|id| id.as_str()).collect();
    let rows = store::recent_of_experiments(&state.db, learner, &ids, 3).await?;
    let mut history: HashMap<String, Vec<RunListItem>> = HashMap::new();
    for row in &rows {
        history.entry(row.experiment.clone()).or_default().push(list_item(&state.content, row));
    }
    Ok(history)
}
