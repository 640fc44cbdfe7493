//! A run beside the learner's previous run of the same experiment and the lesson's reference
//! figure, on the number that carries the lesson's point (its `[claim]`, else its question).

use crate::accounts::class_insight::title_of;
use crate::content::{Experiment, Measure};
use crate::format::{number, with_unit};
use crate::runs::store::RunRow;

pub struct Comparison {
    /// What is compared: "프로세스 (processes) 속도 향상 (순차 대비)".
    pub what: String,
    pub this: String,
    pub previous: Option<Previous>,
    /// The lesson's figure, measured at the defaults.
    pub reference: Option<String>,
}

pub struct Previous {
    pub id: String,
    pub when: String,
    pub value: String,
    /// Its parameters or code were not this run's: the two measured different things.
    pub differs: bool,
}

/// `None` unless the run has the number and something to set beside it.
pub fn compare(
    experiment: &Experiment,
    run: &RunRow,
    previous: Option<&RunRow>,
) -> Option<Comparison> {
    let (measure, unit, reference) = match (&experiment.claim, &experiment.prediction) {
        (Some(claim), _) => (&claim.measure, claim.unit.as_str(), Some(claim.reference)),
        (None, Some(spec)) => (&spec.measure, spec.unit.as_str(), None),
        (None, None) => return None,
    };
    let value = |run: &RunRow| measure.eval(&run.result()?).map(|v| shown(measure, v, unit));
    let this = value(run)?;
    let previous = previous.and_then(|p| {
        Some(Previous {
            id: p.run_id.to_string(),
            when: super::pages::korean_time(&p.submitted_at),
            value: value(p)?,
            differs: p.params.0 != run.params.0 || p.code != run.code,
        })
    });
    if previous.is_none() && reference.is_none() {
        return None;
    }
    Some(Comparison {
        what: title_of(measure, &experiment.labels, &experiment.metric_labels),
        this,
        previous,
        reference: reference.map(|r| shown(measure, r, unit)),
    })
}

fn shown(measure: &Measure, value: f64, unit: &str) -> String {
    match (measure, unit) {
        (Measure::ShareNonzero { .. }, _) => crate::format::percent(value),
        (_, "%") => format!("{}%", number(value)),
        _ => with_unit(&number(value), unit),
    }
}
