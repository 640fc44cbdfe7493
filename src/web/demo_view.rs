//! A class demo as its pages show it, to the instructor's projector and to each learner's
//! device alike: the question, the predictions counted (and drawn), the demo run live, then its
//! measurement against the class's predictions.

use crate::accounts::access::Viewer;
use crate::accounts::demo::tally::{self, Tally};
use crate::accounts::demo::{Demo, Phase, store};
use crate::app::AppState;
use crate::content::{Experiment, ExperimentId, PredictionKind, PredictionSpec};
use crate::runs::RunId;
use crate::runs::prediction::{self, Judgement, Prediction};
use crate::runs::store as runs_store;
use crate::web::charts::Plot;
use crate::web::charts::class_histogram::{self, Mark};
use crate::web::error::{AppError, Result};
use crate::web::pages::korean_time;
use crate::web::run_pages::RunPanel;

pub struct DemoView<'a> {
    pub demo_id: i64,
    pub phase: Phase,
    pub experiment: &'a Experiment,
    pub question: &'a PredictionSpec,
    pub tally: Tally,
    /// Members of the class, to say how many of them predicted.
    pub members: i64,
    pub histogram: Option<Plot>,
    /// The demo run, as far as it got.
    pub run: Option<RunPanel>,
    pub opened_at: String,
    /// The learner's own prediction, on their device.
    pub mine: Option<Prediction>,
    pub my_judgement: Option<Judgement>,
}

impl DemoView<'_> {
    pub fn is_number(&self) -> bool {
        self.question.kind == PredictionKind::Number
    }

    /// A learner's number prediction as the form shows it again.
    pub fn my_value(&self) -> String {
        match &self.mine {
            Some(Prediction::Number { value }) => crate::format::number(*value),
            _ => String::new(),
        }
    }

    pub fn my_choice(&self) -> &str {
        match &self.mine {
            Some(Prediction::Choice { choice }) => choice,
            _ => "",
        }
    }

    /// The demo run failed, was cancelled, or was measured while other programs took its cores:
    /// the instructor may run it again before the class compares against it.
    pub fn can_rerun(&self) -> bool {
        let unreliable = |r: &RunPanel| r.result.as_ref().is_none_or(|v| v.others.is_some());
        self.phase == Phase::Measured && self.run.as_ref().is_some_and(unreliable)
    }

    /// Whether a learner sees the predictions drawn: only once the measurement stands beside
    /// them, so nobody copies the class before predicting.
    pub fn shown_to_learners(&self) -> bool {
        matches!(self.phase, Phase::Measured | Phase::Opened)
    }
}

/// The experiment a demo shows; one no longer in the catalogue (or asking nothing) is gone.
pub(crate) fn experiment_of<'a>(
    state: &'a AppState,
    demo: &Demo,
) -> Result<(&'a Experiment, &'a PredictionSpec)> {
    let id = ExperimentId::parse(&demo.experiment).ok_or(AppError::NotFound)?;
    let experiment = state.content.experiment(&id).ok_or(AppError::NotFound)?;
    let question = experiment.prediction.as_ref().ok_or(AppError::NotFound)?;
    Ok((experiment, question))
}

/// Everything the pages show of `demo`; `learner_id` is the learner looking, if one is.
pub async fn demo_view<'a>(
    state: &'a AppState,
    demo: &Demo,
    viewer: &Viewer,
    learner_id: Option<i64>,
) -> Result<DemoView<'a>> {
    let (experiment, question) = experiment_of(state, demo)?;
    let predictions = store::predictions(&state.db, demo).await?;
    let run = match demo.run_id.as_deref().and_then(RunId::parse) {
        Some(id) => runs_store::get(&state.db, &id).await?,
        None => None,
    };
    let result = run.as_ref().and_then(|r| r.result());
    let given: Vec<&Prediction> = predictions.iter().map(|p| &p.prediction.0).collect();
    let tally = tally::tally(experiment, &given, result.as_ref());
    let mine = match learner_id {
        Some(id) => store::prediction_of(&state.db, demo.demo_id, id).await?,
        None => None,
    };
    let my_judgement = match (&mine, &result) {
        (Some(p), Some(r)) => prediction::judge(experiment, p, r),
        _ => None,
    };
    Ok(DemoView {
        demo_id: demo.demo_id,
        phase: demo.phase,
        histogram: histogram(question, &tally),
        members: store::member_count(&state.db, demo.class_id).await?,
        run: run.as_ref().map(|r| RunPanel::of(state, r, viewer)),
        opened_at: korean_time(&demo.opened_at),
        experiment,
        question,
        tally,
        mine,
        my_judgement,
    })
}

/// A number question's predictions, with the measurement marked once there is one.
fn histogram(question: &PredictionSpec, tally: &Tally) -> Option<Plot> {
    let mark = tally.measurement.as_ref().map(|m| Mark {
        value: m.value,
        words: "(선생님이 실행해 잰 값)".to_owned(),
        widen: true,
        class: "hist__measured",
    });
    let unit = &question.unit;
    class_histogram::draw_marked("반의 예측", unit, &tally.numbers, mark, "예측")
}
