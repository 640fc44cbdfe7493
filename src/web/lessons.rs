//! The course pages: the index of lessons and one lesson with its experiment cards.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;

use super::extract::PagePath;
use super::pages::render;
use crate::app::AppState;
use crate::content::{Experiment, Lesson, Segment};
use crate::error::{AppError, Result};
use crate::runtimes::availability;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(show_index)).route("/lessons/{slug}", get(show_lesson))
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage<'a> {
    lessons: &'a [Lesson],
}

async fn show_index(State(state): State<AppState>) -> Result<Html<String>> {
    render(&IndexPage { lessons: state.content.lessons() })
}

/// A lesson segment as the template shows it.
enum Block<'a> {
    Html(&'a str),
    /// An experiment, and why it cannot run here if it cannot.
    Card(&'a Experiment, Option<String>),
}

#[derive(Template)]
#[template(path = "lesson.html")]
struct LessonPage<'a> {
    lesson: &'a Lesson,
    blocks: Vec<Block<'a>>,
    previous: Option<&'a Lesson>,
    next: Option<&'a Lesson>,
}

async fn show_lesson(
    State(state): State<AppState>,
    PagePath(slug): PagePath,
) -> Result<Html<String>> {
    let content = &state.content;
    let lesson = content.lesson(&slug).ok_or(AppError::NotFound)?;
    let blocks = lesson
        .segments
        .iter()
        .filter_map(|segment| match segment {
            Segment::Html(html) => Some(Block::Html(html)),
            // Content validation guarantees the id exists; a miss would only drop the card.
            Segment::Experiment(id) => content.experiment(id).map(|experiment| {
                let unavailable = availability(experiment, state.runtimes).err();
                Block::Card(experiment, unavailable)
            }),
        })
        .collect();
    let (previous, next) = content.neighbours(&slug);
    render(&LessonPage { lesson, blocks, previous, next })
}
