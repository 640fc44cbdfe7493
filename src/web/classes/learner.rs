//! One learner as their instructor sees them (`/classes/{id}/learners/{learner}`): their runs
//! over time with parameters, results, predictions and explanations, and every edited program
//! as a diff against the experiment's original.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;

use super::code_diff::{self, CodeDiff};
use super::path::ClassItemPath;
use crate::accounts::access::class_learner;
use crate::accounts::class::ClassRow;
use crate::accounts::class_insight;
use crate::accounts::class_runs::{self, ClassRun};
use crate::accounts::instructor::Instructor;
use crate::accounts::membership::Member;
use crate::app::AppState;
use crate::content::{Content, Experiment, ExperimentId, ParamValues};
use crate::runs::RunStatus;
use crate::web::error::Result;
use crate::web::pages::{korean_time, render};
use crate::web::paging::{ListQuery, Pager};
use crate::web::resource::TaughtClass;
use crate::web::run_view::speedups;

const RUNS_PAGE: i64 = 20;

pub fn router() -> Router<AppState> {
    Router::new().route("/classes/{id}/learners/{learner}", get(show_class_learner))
}

pub struct LearnerRun {
    pub run_id: String,
    pub when: String,
    pub experiment_id: String,
    pub title: String,
    pub status: RunStatus,
    pub params: String,
    pub summary: String,
    /// The prediction's verdict: right or not, and the two values.
    pub verdict: Option<(bool, String)>,
    pub explanation: Option<String>,
    pub diff: Option<CodeDiff>,
}

#[derive(Template)]
#[template(path = "classes/learner.html")]
struct LearnerPage {
    instructor: Instructor,
    class: ClassRow,
    member: Member,
    total: i64,
    runs: Vec<LearnerRun>,
    pager: Pager,
}

/// `작업자 수 4 · 작업자당 반복 횟수 6,000,000`; raw names only for an experiment no longer known.
pub fn params_text(experiment: Option<&Experiment>, params: &ParamValues) -> String {
    let pairs = match experiment {
        Some(e) => e.described(params),
        None => params.iter().map(|(k, v)| (k.clone(), v.to_string())).collect(),
    };
    pairs.iter().map(|(label, value)| format!("{label} {value}")).collect::<Vec<_>>().join(" · ")
}

fn learner_run(content: &Content, run: &ClassRun) -> LearnerRun {
    let experiment = ExperimentId::parse(&run.experiment).and_then(|id| content.experiment(&id));
    let verdict = experiment
        .and_then(|e| class_insight::judge(e, run))
        .map(|j| (j.correct, format!("예측 {} · 측정 {}", j.predicted, j.measured)));
    let original = experiment.and_then(|e| e.code.as_deref());
    let diff = match (run.code_edited, original, run.code.as_deref()) {
        (true, Some(original), Some(code)) => Some(code_diff::diff(original, code)),
        _ => None,
    };
    LearnerRun {
        run_id: run.run_id.clone(),
        when: korean_time(&run.submitted_at),
        experiment_id: run.experiment.clone(),
        title: experiment.map_or_else(|| run.experiment.clone(), |e| e.title.clone()),
        status: RunStatus::parse(&run.status).unwrap_or(RunStatus::Failed),
        params: params_text(experiment, &run.params),
        summary: run.result().map(speedups).unwrap_or_default(),
        verdict,
        explanation: run.explanation().map(str::to_owned),
        diff,
    }
}

async fn show_class_learner(
    State(state): State<AppState>,
    TaughtClass { class, instructor: me }: TaughtClass,
    path: ClassItemPath,
    Query(query): Query<ListQuery>,
) -> Result<Html<String>> {
    let member = class_learner(&state.db, &class, &path.item).await?;
    let window = (RUNS_PAGE, (query.page() - 1) * RUNS_PAGE);
    let (rows, total) =
        class_runs::learner_runs(&state.db, class.class_id, member.learner_id, window).await?;
    let runs = rows.iter().map(|run| learner_run(&state.content, run)).collect();
    let base = format!("/classes/{}/learners/{}?", class.class_id, member.learner_id);
    let pager = Pager::new(query.page(), RUNS_PAGE, total, base);
    render(&LearnerPage { instructor: me, class, member, total, runs, pager })
}
