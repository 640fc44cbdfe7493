//! One experiment as a class did it (`/classes/{id}/experiments/{experiment}`): the distribution
//! of its measurements, prediction accuracy and common wrong predictions, the learners'
//! explanations (searchable), the runs measured on a busy server, and its class demos (the
//! demo run's measurement against the class's predictions).

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;

use super::path::ClassItemPath;
use crate::accounts::access::Viewer;
use crate::accounts::class::ClassRow;
use crate::accounts::class_insight::{self, Accuracy, Charted};
use crate::accounts::class_runs::{self, ClassRun};
use crate::accounts::code_filter::{self, CodeFilter};
use crate::accounts::demo::store as demo_store;
use crate::accounts::instructor::Instructor;
use crate::app::AppState;
use crate::content::{Experiment, ExperimentId};
use crate::runs::claim;
use crate::web::charts::{Plot, class_histogram};
use crate::web::demo_view::{DemoView, demo_view};
use crate::web::error::{AppError, Result};
use crate::web::forms::encode_component;
use crate::web::pages::{korean_time, render};
use crate::web::paging::{ListQuery, Pager};
use crate::web::resource::TaughtClass;

const EXPLANATIONS_PAGE: i64 = 30;
/// The contended runs listed, newest first (their numbers may be off).
const MAX_CONTENDED: usize = 100;
/// The class demos shown, newest first.
const MAX_DEMOS: i64 = 5;

pub fn router() -> Router<AppState> {
    Router::new().route("/classes/{id}/experiments/{experiment}", get(show_class_experiment))
}

/// A learner's explanation with the run it explains.
pub struct Explanation {
    pub learner_id: i64,
    pub name: String,
    pub run_id: String,
    pub when: String,
    pub text: String,
    /// `Some(true)` when the run's prediction was right.
    pub correct: Option<bool>,
    pub verdict: String,
    /// The learner ran code of their own: marked, since it measured something else.
    pub code_edited: bool,
}

/// A run somebody may want to look at again.
pub struct RunLink {
    pub learner_id: i64,
    pub name: String,
    pub run_id: String,
    pub when: String,
    pub code_edited: bool,
}

#[derive(Template)]
#[template(path = "classes/experiment.html")]
struct ExperimentPage<'a> {
    instructor: Instructor,
    class: ClassRow,
    experiment: &'a Experiment,
    measured: usize,
    charts: Vec<Plot>,
    accuracy: Accuracy,
    explanations: Vec<Explanation>,
    explanation_total: i64,
    search: String,
    pager: Pager,
    /// The contended runs, each with what others took: "코어 0.40개".
    contended: Vec<(RunLink, String)>,
    /// The class demos of this experiment that ran, newest first.
    demos: Vec<DemoView<'a>>,
    /// Which runs the figures count, by their code.
    filter: CodeFilter,
    /// Of the learners in the figures, how many ran code they had changed.
    edited: usize,
}

/// `?code=all|original|edited`.
#[derive(serde::Deserialize)]
pub struct CodeQuery {
    code: Option<String>,
}

impl CodeQuery {
    pub fn filter(&self) -> Result<CodeFilter> {
        CodeFilter::parse(self.code.as_deref())
            .ok_or_else(|| AppError::BadRequest(code_filter::UNKNOWN_FILTER.to_owned()))
    }
}

fn explanation(experiment: &Experiment, run: &ClassRun) -> Explanation {
    let judgement = class_insight::judge(experiment, run);
    Explanation {
        learner_id: run.learner_id,
        name: run.display_name.clone(),
        run_id: run.run_id.clone(),
        when: korean_time(&run.submitted_at),
        text: run.explanation().unwrap_or_default().to_owned(),
        correct: judgement.as_ref().map(|j| j.correct),
        verdict: judgement
            .map_or_else(String::new, |j| format!("예측 {} · 측정 {}", j.predicted, j.measured)),
        code_edited: run.code_edited,
    }
}

/// One class histogram per measure worth charting, over each learner's latest result.
fn distributions(experiment: &Experiment, latest: &[&ClassRun]) -> Vec<Plot> {
    let charted = class_insight::charted(experiment);
    let draw =
        |c: &Charted| class_histogram::draw(&c.title, &c.unit, &c.values(latest), c.reference);
    charted.iter().filter_map(draw).collect()
}

/// What others kept busy beside a run, and whether the lesson's point survived it:
/// "다른 프로그램이 코어 0.40개 사용 · 강의의 요점은 드러남".
fn taken(experiment: &Experiment, run: &ClassRun) -> String {
    let load = match run.result().and_then(|r| r.environment.others_cores) {
        Some(cores) => format!("다른 프로그램이 코어 {}개 사용", crate::format::cores(cores)),
        None => "다른 프로그램과 겹침".to_owned(),
    };
    let point =
        run.result().and_then(|r| claim::check(experiment, &run.params, run.code_edited, r));
    match point {
        Some(check) if check.held => format!("{load} · 강의의 요점은 드러남 ({})", check.measured),
        Some(check) => format!("{load} · 강의의 요점이 드러나지 않음 ({})", check.measured),
        None => load,
    }
}

fn run_link(run: &ClassRun) -> RunLink {
    RunLink {
        learner_id: run.learner_id,
        name: run.display_name.clone(),
        run_id: run.run_id.clone(),
        when: korean_time(&run.submitted_at),
        code_edited: run.code_edited,
    }
}

async fn show_class_experiment(
    State(state): State<AppState>,
    TaughtClass { class, instructor: me }: TaughtClass,
    path: ClassItemPath,
    Query(query): Query<ListQuery>,
    Query(code): Query<CodeQuery>,
) -> Result<Html<String>> {
    let id = ExperimentId::parse(&path.item).ok_or(AppError::NotFound)?;
    let experiment = state.content.experiment(&id).ok_or(AppError::NotFound)?;
    let filter = code.filter()?;
    render(&experiment_page(&state, me, class, experiment, (&query, filter)).await?)
}

async fn experiment_page<'a>(
    state: &'a AppState,
    instructor: Instructor,
    class: ClassRow,
    experiment: &'a Experiment,
    (query, filter): (&ListQuery, CodeFilter),
) -> Result<ExperimentPage<'a>> {
    let (db, class_id, id) = (&state.db, class.class_id, experiment.id.as_str());
    let runs = filter.apply(class_runs::succeeded_runs(db, class_id, id).await?);
    let latest = class_insight::latest_per_learner(&runs);
    let contended = runs.iter().filter(|r| r.result().is_some_and(|r| r.environment.contended));
    let search = query.search();
    let window = (EXPLANATIONS_PAGE, (query.page() - 1) * EXPLANATIONS_PAGE);
    let (explained, total) = class_runs::explanations(db, class_id, id, &search, window).await?;
    let base = format!(
        "/classes/{class_id}/experiments/{id}?code={}&q={}&",
        filter.as_str(),
        encode_component(&search)
    );
    let viewer = Viewer { learner_id: None, instructor_id: Some(instructor.instructor_id) };
    let mut demos = Vec::new();
    for demo in demo_store::of_experiment(db, class_id, id, MAX_DEMOS).await? {
        demos.push(demo_view(state, &demo, &viewer, None).await?);
    }
    Ok(ExperimentPage {
        demos,
        filter,
        edited: latest.iter().filter(|r| r.code_edited).count(),
        instructor,
        measured: latest.len(),
        charts: distributions(experiment, &latest),
        accuracy: class_insight::accuracy(experiment, &runs),
        explanations: explained.iter().map(|run| explanation(experiment, run)).collect(),
        explanation_total: total,
        pager: Pager::new(query.page(), EXPLANATIONS_PAGE, total, base),
        contended: contended
            .take(MAX_CONTENDED)
            .map(|r| (run_link(r), taken(experiment, r)))
            .collect(),
        search,
        class,
        experiment,
    })
}
