//! What a class's runs of one experiment add up to: the measures worth charting across the
//! class (one value per learner), how often its predictions were right and which wrong ones
//! were common. Pure functions over runs already read, so they are tested without a database.

use super::class_runs::ClassRun;
use crate::content::{ChartKind, Experiment, Field, Measure, VariantLabels};
use crate::runs::prediction;

/// A number to chart across the class, with how to title it.
pub struct Charted {
    pub measure: Measure,
    pub title: String,
    pub unit: String,
    /// A value to mark, such as speedup 1× (as fast as sequential).
    pub reference: Option<f64>,
}

impl Charted {
    /// The measure in each run's result, where it has one. A GIL wait of zero (processes, a
    /// sequential run) is nothing to chart across a class.
    pub fn values(&self, runs: &[&ClassRun]) -> Vec<f64> {
        let gil_wait = matches!(self.measure, Measure::Field { field: Field::GilWaitMs, .. });
        let values = runs.iter().filter_map(|r| self.measure.eval(r.result()?));
        values.filter(|v| !(gil_wait && *v == 0.0)).collect()
    }
}

pub fn title_of(measure: &Measure, labels: &VariantLabels, metrics: &VariantLabels) -> String {
    let label = labels.of(measure.variant());
    match measure {
        Measure::Field { field, .. } => {
            let what = match field {
                Field::Speedup => "속도 향상 (순차 대비)",
                Field::WallS => "벽시계 시간",
                Field::CpuS => "CPU 시간",
                Field::EffectiveCores => "유효 코어 수",
                Field::GilSpanMs => "GIL을 한 번 쥔 시간 (중앙값)",
                Field::GilWaitMs => "GIL을 기다린 시간 (모든 스레드 합)",
            };
            format!("{label} {what}")
        }
        Measure::Metric { name, .. } => format!("{label} {}", metrics.of(name)),
        Measure::ShareNonzero { name, .. } => {
            let what = crate::format::subject(metrics.of(name));
            format!("{label}: {what} 0이 아닌 반복의 비율")
        }
    }
}

fn unit_of(measure: &Measure) -> &'static str {
    match measure {
        Measure::Field { field: Field::Speedup, .. } => "배",
        Measure::Field { field: Field::EffectiveCores, .. } => "개",
        Measure::Field { field: Field::GilSpanMs | Field::GilWaitMs, .. } => "ms",
        Measure::Field { .. } => "초",
        _ => "",
    }
}

/// The prediction's measure first (what the class was asked about), then the speedup of every
/// variant measured against `sequential`, if the experiment has one.
pub fn charted(experiment: &Experiment) -> Vec<Charted> {
    let mut out: Vec<Charted> = Vec::new();
    if let Some(spec) = &experiment.prediction {
        let measure = spec.measure.clone();
        let reference = matches!(&measure, Measure::Field { field: Field::Speedup, .. });
        let title = format!(
            "{} — 예측한 값",
            title_of(&measure, &experiment.labels, &experiment.metric_labels)
        );
        out.push(Charted {
            title,
            unit: spec.unit.clone(),
            reference: reference.then_some(1.0),
            measure,
        });
    }
    if experiment.variants.iter().any(|v| v == "sequential") {
        for variant in experiment.variants.iter().filter(|v| *v != "sequential") {
            let measure = Measure::Field { field: Field::Speedup, variant: variant.clone() };
            if out.iter().all(|c| c.measure != measure) {
                let title = title_of(&measure, &experiment.labels, &experiment.metric_labels);
                let unit = unit_of(&measure).to_owned();
                out.push(Charted { measure, title, unit, reference: Some(1.0) });
            }
        }
    }
    // Where the experiment shows its GIL timeline: how long threads held the GIL and how long
    // they waited for it, across the class (variants without the figure draw nothing).
    if experiment.charts.iter().any(|c| c.kind == ChartKind::Timeline) {
        for field in [Field::GilSpanMs, Field::GilWaitMs] {
            for variant in &experiment.variants {
                let measure = Measure::Field { field, variant: variant.clone() };
                let title = title_of(&measure, &experiment.labels, &experiment.metric_labels);
                let unit = unit_of(&measure).to_owned();
                out.push(Charted { measure, title, unit, reference: None });
            }
        }
    }
    out
}

/// Each learner's latest run, in the order of their names, from runs newest first.
pub fn latest_per_learner(runs: &[ClassRun]) -> Vec<&ClassRun> {
    let mut seen = std::collections::HashSet::new();
    let mut latest: Vec<&ClassRun> = runs.iter().filter(|r| seen.insert(r.learner_id)).collect();
    latest.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    latest
}

/// A wrong answer several learners gave.
pub struct CommonMistake {
    pub predicted: String,
    pub count: usize,
    /// What was measured the first time it was given (newest runs first).
    pub measured: String,
}

pub enum Accuracy {
    /// The experiment asks for no prediction.
    NotAsked,
    /// There is a question, but no judged prediction yet.
    NoneYet,
    Judged {
        judged: usize,
        correct: usize,
        learners: usize,
        mistakes: Vec<CommonMistake>,
    },
}

impl Accuracy {
    pub fn percent(&self) -> String {
        match self {
            Accuracy::Judged { judged, correct, .. } if *judged > 0 => {
                crate::format::percent(*correct as f64 / *judged as f64)
            }
            _ => "—".to_owned(),
        }
    }
}

/// The judgement of a run's prediction against its own measurement, if both are there.
pub fn judge(experiment: &Experiment, run: &ClassRun) -> Option<prediction::Judgement> {
    prediction::judge(experiment, run.prediction()?, run.result()?)
}

/// How the class's predictions fared over its runs; the five most common wrong answers.
pub fn accuracy(experiment: &Experiment, runs: &[ClassRun]) -> Accuracy {
    if experiment.prediction.is_none() {
        return Accuracy::NotAsked;
    }
    let judged: Vec<(&ClassRun, prediction::Judgement)> =
        runs.iter().filter_map(|run| Some((run, judge(experiment, run)?))).collect();
    if judged.is_empty() {
        return Accuracy::NoneYet;
    }
    let mut mistakes: Vec<CommonMistake> = Vec::new();
    for (_, judgement) in judged.iter().filter(|(_, j)| !j.correct) {
        match mistakes.iter_mut().find(|m| m.predicted == judgement.predicted) {
            Some(mistake) => mistake.count += 1,
            None => mistakes.push(CommonMistake {
                predicted: judgement.predicted.clone(),
                count: 1,
                measured: judgement.measured.clone(),
            }),
        }
    }
    mistakes.sort_by_key(|m| std::cmp::Reverse(m.count));
    mistakes.truncate(5);
    let mut learners: Vec<i64> = judged.iter().map(|(run, _)| run.learner_id).collect();
    learners.sort_unstable();
    learners.dedup();
    let correct = judged.iter().filter(|(_, j)| j.correct).count();
    Accuracy::Judged { judged: judged.len(), correct, learners: learners.len(), mistakes }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{Content, ExperimentId};
    use crate::runs::prediction::Prediction;
    use sqlx::types::Json;

    fn run(learner_id: i64, prediction: f64, processes: f64) -> ClassRun {
        let result = serde_json::json!({"variants": [
            {"name": "sequential", "wall_s": 1.0, "speedup": 1.0},
            {"name": "threads", "wall_s": 1.0, "speedup": 0.97},
            {"name": "processes", "wall_s": 0.5, "speedup": processes},
        ]});
        ClassRun {
            run_id: format!("run{learner_id}"),
            learner_id,
            display_name: format!("학생{learner_id}"),
            experiment: "cpu-bound".into(),
            status: "succeeded".into(),
            params: Json(Default::default()),
            code_edited: false,
            prediction: Some(Json(Prediction::Number { value: prediction })),
            explanation: None,
            result: Some(Json(serde_json::from_value(result).expect("a result"))),
            submitted_at: "2026-11-25T08:00:00.000Z".into(),
            started_at: None,
            finished_at: None,
            code: None,
        }
    }

    fn cpu_bound(content: &Content) -> &Experiment {
        let id = ExperimentId::parse("cpu-bound").expect("id");
        content.experiment(&id).expect("the CPU experiment")
    }

    #[test]
    fn accuracy_counts_right_predictions_and_ranks_the_common_wrong_ones() {
        let content = Content::load(concat!(env!("CARGO_MANIFEST_DIR"), "/content").as_ref())
            .expect("content");
        let runs = [run(1, 1.8, 1.8), run(2, 4.0, 1.8), run(3, 4.0, 1.9), run(4, 8.0, 1.8)];
        let Accuracy::Judged { judged, correct, learners, mistakes } =
            accuracy(cpu_bound(&content), &runs)
        else {
            panic!("the CPU experiment asks for a prediction");
        };
        assert_eq!((judged, correct, learners), (4, 1, 4));
        assert_eq!(mistakes[0].predicted, "4 배");
        assert_eq!(mistakes[0].count, 2);
        assert_eq!(accuracy(cpu_bound(&content), &[]).percent(), "—");
    }

    #[test]
    fn the_predicted_measure_comes_first_then_each_variants_speedup() {
        let content = Content::load(concat!(env!("CARGO_MANIFEST_DIR"), "/content").as_ref())
            .expect("content");
        let runs = [run(1, 1.8, 1.8), run(2, 1.8, 1.6), run(1, 1.8, 9.0)];
        let charts = charted(cpu_bound(&content));
        let titles: Vec<&str> = charts.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(
            titles[..2],
            [
                "프로세스 (processes) 속도 향상 (순차 대비) — 예측한 값",
                "스레드 (threads) 속도 향상 (순차 대비)"
            ]
        );
        // It shows a timeline: the GIL's figures follow, for every variant that has them.
        assert!(
            titles[2..].contains(&"스레드 (threads) GIL을 한 번 쥔 시간 (중앙값)"),
            "{titles:?}"
        );
        assert!(titles[2..].contains(&"스레드 (threads) GIL을 기다린 시간 (모든 스레드 합)"));
        assert_eq!(charts[0].values(&latest_per_learner(&runs)), [1.8, 1.6], "the latest of each");
    }

    #[test]
    fn a_metric_is_named_by_its_korean_label_with_the_right_particle() {
        let content = Content::load(concat!(env!("CARGO_MANIFEST_DIR"), "/content").as_ref())
            .expect("content");
        let races = content.experiment(&ExperimentId::parse("races").expect("id")).expect("races");
        let title = &charted(races)[0].title;
        assert!(title.contains("잃어버린 업데이트 수가 0이 아닌 반복의 비율"), "{title}");
        assert!(!title.contains("lost_updates"), "{title}");
    }
}
