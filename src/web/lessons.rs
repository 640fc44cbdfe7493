//! The course pages: the index of lessons and one lesson with its experiment cards.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;

use std::collections::HashMap;

use super::extract::PagePath;
use super::learner_cookie::Visitor;
use super::pages::render;
use super::run_pages::{RunListItem, list_item};
use crate::accounts::reading;
use crate::app::AppState;
use crate::content::{Content, Experiment, ExperimentId, Lesson, Segment};
use crate::runs::store;
use crate::runtimes::{Runtimes, availability};
use crate::web::error::{AppError, Result};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(show_index))
        .route("/lessons/{slug}", get(show_lesson))
        .route("/experiments/{id}/history", get(show_card_history))
}

/// How many runs of one experiment the learner made, and the latest few.
#[derive(Default)]
pub struct CardHistory {
    pub total: i64,
    pub runs: Vec<RunListItem>,
}

/// The runs a card lists under it.
const CARD_HISTORY: usize = 3;

/// A lesson in the index, with the learner's progress through its experiments.
struct LessonEntry<'a> {
    lesson: &'a Lesson,
    experiments: usize,
    done: usize,
    /// Opened: what counts for a lesson with nothing to run.
    read: bool,
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage<'a> {
    lessons: Vec<LessonEntry<'a>>,
}

/// A lesson segment as the template shows it.
enum Block<'a> {
    Html(&'a str),
    /// An experiment, why it cannot run here if it cannot, and the learner's latest runs of it.
    Card(&'a Experiment, Option<String>, CardHistory),
}

#[derive(Template)]
#[template(path = "lesson.html")]
struct LessonPage<'a> {
    lesson: &'a Lesson,
    blocks: Vec<Block<'a>>,
    previous: Option<&'a Lesson>,
    next: Option<&'a Lesson>,
}

/// The course as a reader with no history sees it — the same bytes for everyone, so rendered
/// once at start (a template error stops the server there, not a reader later) and served as is.
pub struct PageCache {
    index: Bytes,
    lessons: HashMap<String, Bytes>,
}

impl PageCache {
    pub fn render(content: &Content, runtimes: &Runtimes) -> Result<PageCache> {
        let Html(index) = render_index(content, &[], &[])?;
        let mut lessons = HashMap::new();
        for lesson in content.lessons() {
            let Html(page) = render_lesson(content, runtimes, lesson, HashMap::new())?;
            lessons.insert(lesson.slug.clone(), Bytes::from(page));
        }
        Ok(PageCache { index: Bytes::from(index), lessons })
    }
}

async fn show_index(State(state): State<AppState>, visitor: Visitor) -> Result<Html<Bytes>> {
    let (done, read) = match visitor.learner_id(&state.db).await? {
        Some(id) => (
            store::experiments_done(&state.db, id).await?,
            reading::lessons_read(&state.db, id).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    if done.is_empty() && read.is_empty() {
        return Ok(Html(state.pages.index.clone()));
    }
    render_index(&state.content, &done, &read).map(|Html(page)| Html(Bytes::from(page)))
}

fn render_index(content: &Content, done: &[String], read: &[String]) -> Result<Html<String>> {
    let lessons = content
        .lessons()
        .iter()
        .map(|lesson| LessonEntry {
            lesson,
            experiments: lesson.experiment_ids().count(),
            done: lesson
                .experiment_ids()
                .filter(|id| done.iter().any(|d| d == id.as_str()))
                .count(),
            read: read.contains(&lesson.slug),
        })
        .collect();
    render(&IndexPage { lessons })
}

/// A reader without history (every cookie-less one) gets the bytes rendered at start: no query,
/// no template, no cookie.
async fn show_lesson(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(slug): PagePath,
) -> Result<Html<Bytes>> {
    let lesson = state.content.lesson(&slug).ok_or(AppError::NotFound)?;
    // A lesson with nothing to run is done once read; a visitor who never acted has no record.
    if lesson.experiment_ids().next().is_none()
        && let Some(learner) = visitor.learner_id(&state.db).await?
    {
        reading::mark_read(&state.db, learner, &lesson.slug).await?;
    }
    let history = history(&state, &visitor, lesson).await?;
    if history.is_empty()
        && let Some(page) = state.pages.lessons.get(&lesson.slug)
    {
        return Ok(Html(page.clone()));
    }
    let Html(page) = render_lesson(&state.content, state.runtimes, lesson, history)?;
    Ok(Html(Bytes::from(page)))
}

fn render_lesson(
    content: &Content,
    runtimes: &Runtimes,
    lesson: &Lesson,
    mut history: HashMap<String, CardHistory>,
) -> Result<Html<String>> {
    let blocks = lesson
        .segments
        .iter()
        .filter_map(|segment| match segment {
            Segment::Html(html) => Some(Block::Html(html)),
            // Content validation guarantees the id exists; a miss would only drop the card.
            Segment::Experiment(id) => content.experiment(id).map(|experiment| {
                let unavailable = availability(experiment, runtimes).err();
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
    visitor: &Visitor,
    lesson: &Lesson,
) -> Result<HashMap<String, CardHistory>> {
    let Some(learner) = visitor.learner_id(&state.db).await? else {
        return Ok(HashMap::new());
    };
    let mut history = HashMap::new();
    for id in lesson.experiment_ids() {
        let card = card_history(state, learner, id.as_str()).await?;
        if card.total > 0 {
            history.insert(id.as_str().to_owned(), card);
        }
    }
    Ok(history)
}

async fn card_history(state: &AppState, learner: i64, experiment: &str) -> Result<CardHistory> {
    let total = store::count_of_experiment(&state.db, learner, experiment).await?;
    if total == 0 {
        return Ok(CardHistory::default());
    }
    let rows =
        store::recent_of_experiments(&state.db, learner, &[experiment], CARD_HISTORY).await?;
    let runs = rows.iter().map(|row| list_item(&state.content, row)).collect();
    Ok(CardHistory { total, runs })
}

#[derive(Template)]
#[template(path = "partials/run_history.html")]
struct HistoryFragment {
    history: CardHistory,
    open: bool,
}

/// A card's "내 이전 실행" list alone, for the card to swap in when a run ends.
async fn show_card_history(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(id): PagePath,
    Query(query): Query<HistoryQuery>,
) -> Result<Html<String>> {
    let id = ExperimentId::parse(&id).ok_or(AppError::NotFound)?;
    let experiment = state.content.experiment(&id).ok_or(AppError::NotFound)?;
    let history = match visitor.learner_id(&state.db).await? {
        Some(learner) => card_history(&state, learner, experiment.id.as_str()).await?,
        None => CardHistory::default(),
    };
    render(&HistoryFragment { history, open: query.open.is_some() })
}

/// `?open` keeps the list unfolded if the learner had it open.
#[derive(serde::Deserialize)]
struct HistoryQuery {
    open: Option<String>,
}
