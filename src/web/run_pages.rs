//! Pages of runs: one run as it was (`/runs/{id}`) and its live result fragment.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;

use super::pages::render;
use super::resource::VisibleRun;
use super::run_compare::{Comparison, compare};
use super::run_view::{ResultView, others_sentence};
use crate::accounts::access::Viewer;
use crate::app::AppState;
use crate::content::{Content, Experiment, ExperimentId};
use crate::runs::claim::{self, ClaimCheck};
use crate::runs::prediction::{self, Judgement};
use crate::runs::store::{self, RunRow};
use crate::runs::{RunEvent, RunStatus};
use crate::web::error::Result;

pub fn router() -> Router<AppState> {
    Router::new().route("/runs/{id}", get(show_run)).route("/runs/{id}/panel", get(show_run_panel))
}

/// What every view of a run shows: status, reason, output, the result, the prediction next to
/// the measurement, and the learner's explanation.
pub struct RunPanel {
    pub id: String,
    pub status: RunStatus,
    pub reason: Option<String>,
    pub stdout: String,
    pub stderr: String,
    pub result: Option<ResultView>,
    pub prompt: Option<String>,
    pub judgement: Option<Judgement>,
    pub explanation: Option<String>,
    /// Only the learner who ran it answers "왜 그럴까요?".
    pub can_explain: bool,
    /// What went wrong, for a run that ended in a Python error: the panel leads with it.
    pub error: Option<super::python_error::PythonError>,
    /// The run against the lesson's point and reference figure, at the defaults.
    pub claim: Option<ClaimCheck>,
    /// What other programs took while it was measured, where that was enough to matter.
    pub busy: Option<String>,
    /// The run beside the learner's previous run of the experiment and the lesson's figure.
    pub comparison: Option<Comparison>,
}

impl RunPanel {
    /// From the stored row, or for a run in progress from what its watchers were sent so far.
    pub(crate) fn of(state: &AppState, run: &RunRow, viewer: &Viewer) -> RunPanel {
        let experiment = experiment_of(&state.content, run);
        let stored = run.result();
        let judgement = match (experiment, run.prediction(), &stored) {
            (Some(e), Some(p), Some(r)) => prediction::judge(e, p, r),
            _ => None,
        };
        let mut panel = RunPanel {
            id: run.run_id.to_string(),
            status: run.status(),
            reason: run.reason.clone(),
            stdout: run.stdout.clone(),
            stderr: run.stderr.clone(),
            result: stored.as_ref().and_then(|r| ResultView::of(r, experiment)),
            prompt: experiment.and_then(|e| e.prediction.as_ref()).map(|p| p.prompt.clone()),
            judgement,
            explanation: run.explanation.clone(),
            can_explain: viewer.owns_run(run),
            error: None,
            claim: None,
            busy: None,
            comparison: None,
        };
        if let (Some(experiment), Some(result), RunStatus::Succeeded) =
            (experiment, &stored, panel.status)
        {
            panel.claim = claim::check(experiment, &run.params, run.code_edited, result);
            let env = &result.environment;
            panel.busy = env.contended.then(|| others_sentence(env.others_cores, env.cores));
        }
        if !panel.status.is_finished()
            && let Some(backlog) = state.runner.hub().snapshot(&run.id())
        {
            panel.stdout = backlog.stdout;
            panel.stderr = backlog.stderr;
            panel.result = backlog.result.as_ref().and_then(|r| ResultView::of(r, experiment));
        }
        if panel.failed() {
            panel.error = super::python_error::read(&panel.stderr);
            // A failure shows no empty measurement: only what was measured before it ended.
            panel.result = panel.result.take().filter(|r| !r.rows.is_empty());
        }
        panel
    }

    /// [`RunPanel::of`], with a finished run compared to the learner's previous one.
    pub(crate) async fn compared(
        state: &AppState,
        run: &RunRow,
        viewer: &Viewer,
    ) -> Result<RunPanel> {
        let mut panel = RunPanel::of(state, run, viewer);
        if panel.status == RunStatus::Succeeded
            && let Some(experiment) = experiment_of(&state.content, run)
        {
            let previous = store::previous_of(&state.db, run).await?;
            panel.comparison = compare(experiment, run, previous.as_ref());
        }
        Ok(panel)
    }

    /// Ended without finishing its work: failed, timed out or cancelled.
    pub fn failed(&self) -> bool {
        self.status.is_finished() && self.status != RunStatus::Succeeded
    }

    pub fn finished(&self) -> bool {
        self.status.is_finished()
    }

    /// Its learner is offered the same run again when other programs took its cores or the
    /// lesson's point did not show.
    pub fn offers_rerun(&self) -> bool {
        self.can_explain && (self.busy.is_some() || self.claim.as_ref().is_some_and(|c| !c.held))
    }
}

#[derive(Template)]
#[template(path = "run.html")]
struct RunPage<'a> {
    run: &'a RunRow,
    title: String,
    lesson: Option<String>,
    params: Vec<(String, String)>,
    prediction: Option<String>,
    panel: RunPanel,
}

async fn show_run(
    State(state): State<AppState>,
    VisibleRun { run, viewer }: VisibleRun,
) -> Result<Html<String>> {
    let experiment = experiment_of(&state.content, &run);
    let params = match experiment {
        Some(e) => e.described(&run.params),
        None => run.params.iter().map(|(k, v)| (k.clone(), v.to_string())).collect(),
    };
    let page = RunPage {
        title: experiment.map_or_else(|| run.experiment.clone(), |e| e.title.clone()),
        lesson: experiment.map(|e| format!("/lessons/{}#exp-{}", e.lesson, e.id)),
        params,
        prediction: run.prediction().map(|p| p.to_string()),
        panel: RunPanel::compared(&state, &run, &viewer).await?,
        run: &run,
    };
    render(&page)
}

pub(super) fn experiment_of<'a>(
    content: &'a Content,
    run: &RunRow,
) -> Option<&'a crate::content::Experiment> {
    content.experiment(&ExperimentId::parse(&run.experiment)?)
}

#[derive(Template)]
#[template(path = "partials/run_panel.html")]
struct PanelFragment {
    panel: RunPanel,
}

#[derive(Template)]
#[template(path = "partials/run_result.html")]
struct ResultFragment {
    result: ResultView,
}

/// The HTML a card shows for a run's events, rendered for one watcher: the result so far after
/// each variant, the whole final panel when the run is done.
#[derive(Clone)]
pub struct Fragments {
    pub state: AppState,
    pub run: RunRow,
    pub viewer: Viewer,
}

impl Fragments {
    pub async fn html(&self, event: &RunEvent) -> Option<String> {
        match event {
            RunEvent::Result { result } => {
                let experiment = experiment_of(&self.state.content, &self.run);
                let result = ResultView::of(result, experiment)?;
                ResultFragment { result }.render().ok()
            }
            RunEvent::Done { .. } => {
                let run = store::get(&self.state.db, &self.run.run_id).await.ok()??;
                let panel = RunPanel::compared(&self.state, &run, &self.viewer).await.ok()?;
                PanelFragment { panel }.render().ok()
            }
            _ => None,
        }
    }
}

/// The panel alone, for a card that lost its event stream to swap in.
async fn show_run_panel(
    State(state): State<AppState>,
    VisibleRun { run, viewer }: VisibleRun,
) -> Result<Html<String>> {
    render(&PanelFragment { panel: RunPanel::compared(&state, &run, &viewer).await? })
}

pub struct RunListItem {
    pub id: String,
    pub title: String,
    pub status: RunStatus,
    pub submitted_at: String,
    pub summary: String,
    pub code_edited: bool,
}

pub fn list_item(content: &Content, run: &RunRow) -> RunListItem {
    let experiment = experiment_of(content, run);
    let summary = run.result().map(|r| labelled_speedups(&r, experiment)).unwrap_or_default();
    RunListItem {
        id: run.run_id.to_string(),
        title: experiment.map_or_else(|| run.experiment.clone(), |e| e.title.clone()),
        status: run.status(),
        submitted_at: super::pages::korean_time(&run.submitted_at),
        summary,
        code_edited: run.code_edited,
    }
}

/// `스레드 (threads) 0.98× · 프로세스 (processes) 1.82×`: each variant by the label its
/// experiment gives it.
fn labelled_speedups(
    result: &crate::runs::result::RunResult,
    experiment: Option<&Experiment>,
) -> String {
    let parts: Vec<String> = result
        .variants
        .iter()
        // The baseline's 1.00× says nothing.
        .filter(|v| v.name != "sequential")
        .filter_map(|v| {
            let label = experiment.map_or(v.name.as_str(), |e| e.labels.of(&v.name));
            Some(format!("{label} {}", crate::format::times(v.speedup?)))
        })
        .collect();
    parts.join(" · ")
}
