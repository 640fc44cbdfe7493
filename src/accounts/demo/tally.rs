//! What a demo's predictions add up to, next to its measurement: how many learners predicted,
//! their numbers (for the histogram) or the count of each choice, and how many were right.
//! Pure functions over what was read, tested without a database.

use crate::content::{Experiment, PredictionKind};
use crate::runs::prediction::{self, Measurement, Prediction};
use crate::runs::result::RunResult;

/// One choice of the question with how many learners picked it.
pub struct ChoiceCount {
    pub label: String,
    pub count: usize,
    /// The answer the measurement gave.
    pub actual: bool,
}

pub struct Tally {
    /// Predictions given.
    pub count: usize,
    /// A number question's predicted values.
    pub numbers: Vec<f64>,
    /// A choice question's choices, in the question's order.
    pub choices: Vec<ChoiceCount>,
    /// Once the demo run measured it.
    pub measurement: Option<Measurement>,
    /// Predictions right within the question's tolerance (0 before the measurement).
    pub right: usize,
}

impl Tally {
    /// "3명 중 1명", or nothing before the measurement.
    pub fn right_text(&self) -> Option<String> {
        self.measurement.as_ref()?;
        Some(format!("{}명 중 {}명", self.count, self.right))
    }

    /// A choice's bar, in percent of the most picked one's.
    pub fn share(&self, choice: &ChoiceCount) -> u32 {
        let most = self.choices.iter().map(|c| c.count).max().unwrap_or(0).max(1);
        u32::try_from(choice.count * 100 / most).unwrap_or(100)
    }
}

pub fn tally(
    experiment: &Experiment,
    predictions: &[&Prediction],
    result: Option<&RunResult>,
) -> Tally {
    let measurement = result.and_then(|r| prediction::measured(experiment, r));
    let right = match result {
        Some(result) => predictions
            .iter()
            .filter_map(|p| prediction::judge(experiment, p, result))
            .filter(|j| j.correct)
            .count(),
        None => 0,
    };
    let numbers = predictions
        .iter()
        .filter_map(|p| match p {
            Prediction::Number { value } => Some(*value),
            Prediction::Choice { .. } => None,
        })
        .collect();
    let spec = experiment.prediction.as_ref();
    let choices = match spec {
        Some(spec) if spec.kind == PredictionKind::Choice => spec
            .choices
            .iter()
            .map(|c| ChoiceCount {
                label: c.label.clone(),
                count: predictions
                    .iter()
                    .filter(|p| matches!(p, Prediction::Choice { choice } if *choice == c.label))
                    .count(),
                actual: measurement.as_ref().and_then(|m| m.choice.as_deref())
                    == Some(c.label.as_str()),
            })
            .collect(),
        _ => Vec::new(),
    };
    Tally { count: predictions.len(), numbers, choices, measurement, right }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{Content, ExperimentId};

    fn content() -> Content {
        Content::load(concat!(env!("CARGO_MANIFEST_DIR"), "/content").as_ref()).expect("content")
    }

    fn experiment<'a>(content: &'a Content, id: &str) -> &'a Experiment {
        content.experiment(&ExperimentId::parse(id).expect("id")).expect("experiment")
    }

    #[test]
    fn numbers_are_counted_and_judged_against_the_demo_measurement() {
        let content = content();
        let cpu = experiment(&content, "cpu-bound");
        let given = [1.8, 4.0, 2.0].map(|value| Prediction::Number { value });
        let refs: Vec<&Prediction> = given.iter().collect();
        let before = tally(cpu, &refs, None);
        assert_eq!((before.count, before.right), (3, 0));
        assert_eq!(before.numbers, [1.8, 4.0, 2.0]);
        assert!(before.right_text().is_none(), "nothing is judged before the run");
        let result: RunResult = serde_json::from_value(serde_json::json!({"variants": [
            {"name": "sequential", "wall_s": 1.0, "speedup": 1.0},
            {"name": "processes", "wall_s": 0.5, "speedup": 1.85},
        ]}))
        .expect("a result");
        let after = tally(cpu, &refs, Some(&result));
        assert_eq!(after.right, 2, "1.8 and 2.0 are within 20% of 1.85");
        assert_eq!(after.right_text().as_deref(), Some("3명 중 2명"));
        assert_eq!(after.measurement.expect("measured").shown, "1.85 배");
    }

    #[test]
    fn choices_are_counted_in_the_questions_order_and_the_measured_one_marked() {
        let content = content();
        let Some(races) = content
            .experiments()
            .find(|e| e.prediction.as_ref().is_some_and(|p| p.kind == PredictionKind::Choice))
        else {
            return;
        };
        let labels: Vec<String> = races
            .prediction
            .as_ref()
            .expect("a question")
            .choices
            .iter()
            .map(|c| c.label.clone())
            .collect();
        let given = [Prediction::Choice { choice: labels[0].clone() }];
        let refs: Vec<&Prediction> = given.iter().collect();
        let counted = tally(races, &refs, None);
        assert_eq!(counted.choices.len(), labels.len());
        assert_eq!(counted.choices[0].count, 1);
        assert!(counted.choices.iter().all(|c| !c.actual), "no answer before the run");
        assert_eq!(counted.share(&counted.choices[0]), 100);
    }
}
