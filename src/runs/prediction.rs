//! Predictions: checking what a learner predicts before a run, and judging it afterwards against
//! the *measured* result (never a fixed answer key: on one core processes do not speed up).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::result::RunResult;
use crate::content::{Experiment, Measure, PredictionKind, PredictionSpec};
use crate::format::{number, percent, with_unit};

/// A stored prediction next to the measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    pub correct: bool,
    pub predicted: String,
    pub measured: String,
}

/// What a learner predicted, as stored: `{"value": 1.8}` or `{"choice": "…"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Prediction {
    Number { value: f64 },
    Choice { choice: String },
}

impl std::fmt::Display for Prediction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Prediction::Number { value } => f.write_str(&number(*value)),
            Prediction::Choice { choice } => f.write_str(choice),
        }
    }
}

/// Checks a learner's prediction, as it arrived, against the experiment's question. The
/// message is Korean.
pub fn check(spec: &PredictionSpec, given: &Value) -> Result<Prediction, String> {
    match spec.kind {
        PredictionKind::Number => {
            let value = given["value"].as_f64().ok_or("예측은 숫자로 적어 주세요.")?;
            let (min, max) = (spec.min.unwrap_or(f64::MIN), spec.max.unwrap_or(f64::MAX));
            if !(min..=max).contains(&value) {
                return Err(format!("예측은 {min} 이상 {max} 이하로 적어 주세요."));
            }
            Ok(Prediction::Number { value })
        }
        PredictionKind::Choice => {
            let choice = given["choice"].as_str().unwrap_or_default();
            if spec.choices.iter().any(|c| c.label == choice) {
                Ok(Prediction::Choice { choice: choice.to_owned() })
            } else {
                Err("예측은 보기 중 하나를 골라 주세요.".to_owned())
            }
        }
    }
}

/// Judges a stored prediction; `None` when there is no question, no prediction or no measurement.
pub fn judge(
    experiment: &Experiment,
    prediction: &Prediction,
    result: &RunResult,
) -> Option<Judgement> {
    judge_with(experiment.prediction.as_ref()?, prediction, result)
}

/// What a result measured for the experiment's question, as the judgement shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub value: f64,
    /// `1.85 배`, or for a choice question its answer with the value: `대부분 모자람 (반복 중 75%)`.
    pub shown: String,
    /// For a choice question, the label the value falls under.
    pub choice: Option<String>,
}

/// The measurement the experiment's question is about; `None` without a question or a value.
pub fn measured(experiment: &Experiment, result: &RunResult) -> Option<Measurement> {
    let spec = experiment.prediction.as_ref()?;
    let value = spec.measure.eval(result)?;
    let shown = show_measured(&spec.measure, value, &spec.unit);
    Some(match spec.kind {
        PredictionKind::Number => Measurement { value, shown, choice: None },
        PredictionKind::Choice => {
            let actual = spec.choices.iter().find(|c| value <= c.max).or(spec.choices.last())?;
            let shown = format!("{} ({shown})", actual.label);
            Measurement { value, shown, choice: Some(actual.label.clone()) }
        }
    })
}

fn judge_with(
    spec: &PredictionSpec,
    prediction: &Prediction,
    result: &RunResult,
) -> Option<Judgement> {
    let measured = spec.measure.eval(result)?;
    let shown = show_measured(&spec.measure, measured, &spec.unit);
    match (spec.kind, prediction) {
        (PredictionKind::Number, &Prediction::Number { value: predicted }) => {
            let allowed = (spec.tolerance * measured.abs()).max(0.05);
            Some(Judgement {
                correct: (predicted - measured).abs() <= allowed,
                predicted: with_unit(&number(predicted), &spec.unit),
                measured: shown,
            })
        }
        (PredictionKind::Choice, Prediction::Choice { choice: predicted }) => {
            let actual = spec.choices.iter().find(|c| measured <= c.max).or(spec.choices.last())?;
            Some(Judgement {
                correct: actual.label == *predicted,
                predicted: predicted.to_owned(),
                measured: format!("{} ({shown})", actual.label),
            })
        }
        // A prediction of another kind than the question asks (the catalogue changed).
        _ => None,
    }
}

fn show_measured(measure: &Measure, value: f64, unit: &str) -> String {
    match measure {
        Measure::ShareNonzero { .. } => format!("반복 중 {}", percent(value)),
        _ => with_unit(&number(value), unit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::PredictionChoice;
    use serde_json::json;

    fn number(value: f64) -> Prediction {
        Prediction::Number { value }
    }

    fn choice(label: &str) -> Prediction {
        Prediction::Choice { choice: label.to_owned() }
    }

    fn spec(kind: PredictionKind, measure: &str) -> PredictionSpec {
        PredictionSpec {
            kind,
            prompt: "?".into(),
            measure: Measure::parse(measure).expect("measure"),
            unit: "배".into(),
            min: Some(0.0),
            max: Some(16.0),
            tolerance: 0.2,
            choices: vec![
                PredictionChoice { label: "항상 도달".into(), max: 0.0 },
                PredictionChoice { label: "가끔 모자람".into(), max: 0.5 },
                PredictionChoice { label: "대부분 모자람".into(), max: 1.0 },
            ],
        }
    }

    fn result() -> RunResult {
        serde_json::from_value(json!({"variants": [
            {"name": "processes", "wall_s": 1.0, "speedup": 1.85},
            {"name": "unlocked", "wall_s": 1.0, "metrics": {"lost_updates": 3},
             "metrics_by_repeat": [{"lost_updates": 3}, {"lost_updates": 0}, {"lost_updates": 9}, {"lost_updates": 1}]},
        ]}))
        .expect("a result")
    }

    #[test]
    fn a_number_is_right_within_the_tolerance_of_what_was_measured() {
        let number = spec(PredictionKind::Number, "speedup:processes");
        assert_eq!(
            check(&number, &json!({"value": 99})).unwrap_err(),
            "예측은 0 이상 16 이하로 적어 주세요."
        );
        assert!(check(&number, &json!({"choice": "x"})).is_err());
        let right = judge_with(&number, &self::number(2.0), &result()).expect("judged");
        assert!(right.correct, "{right:?}");
        assert_eq!((right.predicted.as_str(), right.measured.as_str()), ("2 배", "1.85 배"));
        let wrong = judge_with(&number, &self::number(4.0), &result()).expect("judged");
        assert!(!wrong.correct);
    }

    #[test]
    fn a_choice_is_judged_by_where_the_measured_share_falls() {
        let choice = spec(PredictionKind::Choice, "share_nonzero:unlocked:lost_updates");
        assert_eq!(
            check(&choice, &json!({"choice": "가끔 모자람"})),
            Ok(self::choice("가끔 모자람"))
        );
        assert!(check(&choice, &json!({"choice": "몰라요"})).is_err());
        let judged = judge_with(&choice, &self::choice("가끔 모자람"), &result()).expect("judged");
        assert!(!judged.correct);
        assert_eq!(judged.measured, "대부분 모자람 (반복 중 75%)");
    }
}
