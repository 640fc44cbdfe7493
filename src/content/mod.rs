//! The course: lessons and the experiment catalogue, loaded, validated and rendered once at start.

mod claim;
mod columns;
mod experiment;
mod highlight;
mod lesson;
mod markdown;
mod params;
mod presentation;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

pub use claim::Claim;
pub use columns::{Column, ColumnValue, default_columns};
pub use experiment::{Experiment, ExperimentId, VariantLabels};
pub use highlight::Highlighter;
pub use lesson::{Lesson, Segment, TocEntry};
pub use params::{ParamKind, ParamSpec, ParamValues, check_values};
pub use presentation::{
    ChartKind, ChartSpec, Field, Measure, PredictionChoice, PredictionKind, PredictionSpec, Scale,
};

/// A content problem that stops the server at start, naming the file (and line when known).
#[derive(Debug, thiserror::Error)]
pub struct ContentError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl ContentError {
    fn new(path: &Path, line: Option<usize>, message: impl Into<String>) -> Self {
        ContentError { path: path.to_owned(), line, message: message.into() }
    }
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path.display(), line, self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

/// Everything under `content/`, ready to serve.
#[derive(Debug)]
pub struct Content {
    lessons: Vec<Lesson>,
    by_slug: HashMap<String, usize>,
    experiments: BTreeMap<ExperimentId, Experiment>,
}

impl Content {
    /// Loads `dir/experiments/*/experiment.toml` and `dir/lessons/*.md`, checking that they agree.
    pub fn load(dir: &Path) -> Result<Content, ContentError> {
        let experiments = experiment::load_all(&dir.join("experiments"))?;
        let highlighter = Highlighter::new();
        let mut lessons = lesson::load_all(&dir.join("lessons"), &highlighter, &|id| {
            experiments.contains_key(id)
        })?;
        lessons.sort_by_key(|lesson| lesson.order);
        check_placement(&lessons, &experiments)?;
        let by_slug = lessons.iter().enumerate().map(|(i, l)| (l.slug.clone(), i)).collect();
        Ok(Content { lessons, by_slug, experiments })
    }

    pub fn lessons(&self) -> &[Lesson] {
        &self.lessons
    }

    pub fn lesson(&self, slug: &str) -> Option<&Lesson> {
        self.by_slug.get(slug).map(|&i| &self.lessons[i])
    }

    /// The lessons before and after `slug`, for previous/next navigation.
    pub fn neighbours(&self, slug: &str) -> (Option<&Lesson>, Option<&Lesson>) {
        let Some(&i) = self.by_slug.get(slug) else {
            return (None, None);
        };
        let previous = i.checked_sub(1).map(|p| &self.lessons[p]);
        (previous, self.lessons.get(i + 1))
    }

    pub fn experiment(&self, id: &ExperimentId) -> Option<&Experiment> {
        self.experiments.get(id)
    }

    pub fn experiments(&self) -> impl Iterator<Item = &Experiment> {
        self.experiments.values()
    }
}

/// Each experiment names its lesson, and that lesson places it exactly once.
fn check_placement(
    lessons: &[Lesson],
    experiments: &BTreeMap<ExperimentId, Experiment>,
) -> Result<(), ContentError> {
    for experiment in experiments.values() {
        let Some(lesson) = lessons.iter().find(|l| l.slug == experiment.lesson) else {
            return Err(ContentError::new(
                &experiment.path,
                None,
                format!("lesson `{}` does not exist", experiment.lesson),
            ));
        };
        let placed = lesson.experiment_ids().filter(|id| **id == experiment.id).count();
        if placed != 1 {
            return Err(ContentError::new(
                &lesson.path,
                None,
                format!(
                    "experiment `{}` belongs to this lesson and must be placed in it exactly once (found {placed})",
                    experiment.id
                ),
            ));
        }
    }
    Ok(())
}
