//! A run against the lesson's point (`[claim]`): what it measured beside the lesson's reference
//! figure, and whether the point showed. Only a run of the experiment's own program at its
//! defaults is compared: the reference was measured there, and nowhere else.

use super::result::RunResult;
use crate::content::{Experiment, ParamValues};
use crate::format::{number, with_unit};

#[derive(Debug, Clone, PartialEq)]
pub struct ClaimCheck {
    /// The lesson's point, as the experiment says it.
    pub says: String,
    /// `1.89 배`: what the lesson measured.
    pub reference: String,
    /// `0.99 배`: what this run measured.
    pub measured: String,
    pub held: bool,
}

/// The run's figure against the lesson's; `None` when the experiment states no point, the run
/// changed the code or a parameter, or its result lacks the number.
pub fn check(
    experiment: &Experiment,
    params: &ParamValues,
    code_edited: bool,
    result: &RunResult,
) -> Option<ClaimCheck> {
    let claim = experiment.claim.as_ref()?;
    let at_defaults = experiment
        .params
        .iter()
        .all(|spec| params.get(&spec.name).is_none_or(|value| *value == spec.default_json()));
    if code_edited || !at_defaults {
        return None;
    }
    let value = claim.measure.eval(result)?;
    Some(ClaimCheck {
        says: claim.says.clone(),
        reference: shown(claim.reference, &claim.unit),
        measured: shown(value, &claim.unit),
        held: claim.holds(value),
    })
}

/// `1.89 배`, and `85%` as Korean writes a percentage.
fn shown(value: f64, unit: &str) -> String {
    match unit {
        "%" => format!("{}%", number(value)),
        _ => with_unit(&number(value), unit),
    }
}
