//! A run's result as pages show it: the table of variants, the timelines, the notes around them.

use super::charts::{self, Plot};
use crate::content::{Experiment, VariantLabels};
use crate::format::{self, seconds};
use crate::runs::result::{RunResult, Variant};

pub struct VariantRow {
    pub label: String,
    /// `cpython-3.13t · GIL 꺼짐`: shown where a result spans more than one runtime.
    pub runtime: String,
    pub wall: String,
    pub spread: String,
    pub cpu: String,
    pub cores: String,
    pub speedup: String,
}

pub struct ResultView {
    pub rows: Vec<VariantRow>,
    /// The variants were measured on more than one runtime or GIL mode: the table says which.
    pub runtimes: bool,
    /// The charts, in the order the experiment declares them.
    pub plots: Vec<Plot>,
    /// What happened, where others kept the run's cores busy: "다른 프로그램이 이 실행 동안 코어
    /// 0.40개를 썼습니다 (이 실행의 코어 2개 중)."
    pub others: Option<String>,
    /// The card to run it again on (`/lessons/…#exp-…`), where there is one.
    pub rerun: Option<String>,
    /// The program wrote more than a result keeps; part of it was thinned or dropped.
    pub truncated: bool,
    pub environment: String,
    pub repeats: u32,
}

impl ResultView {
    /// The view of a result, drawn as `experiment` declares (timelines when it says nothing).
    pub fn of(result: &RunResult, experiment: Option<&Experiment>) -> Option<ResultView> {
        let no_labels = VariantLabels::default();
        let labels = experiment.map_or(&no_labels, |e| &e.labels);
        let env = &result.environment;
        let gil = match env.gil_enabled {
            Some(true) => "GIL 켜짐",
            Some(false) => "GIL 꺼짐(free-threaded)",
            None => "GIL 알 수 없음",
        };
        // The slot's CPUs where the run was pinned: "코어 2개 (CPU 0-1)".
        let cpus = env.cpus.as_deref().map_or(String::new(), |cpus| format!(" (CPU {cpus})"));
        let environment = format!(
            "{} {} · {} · 코어 {}개{cpus}",
            env.implementation.as_deref().unwrap_or("python"),
            env.python.as_deref().unwrap_or("?"),
            gil,
            env.cores.map_or("?".to_owned(), |c| c.to_string()),
        );
        let mut modes: Vec<(Option<&str>, Option<bool>)> =
            result.variants.iter().map(|v| (v.runtime.as_deref(), v.gil_enabled)).collect();
        modes.sort();
        modes.dedup();
        Some(ResultView {
            rows: result.variants.iter().map(|v| row(v, labels)).collect(),
            runtimes: modes.len() > 1,
            plots: charts::of_result(result, experiment),
            others: env.contended.then(|| others_sentence(env.others_cores, env.cores)),
            rerun: experiment.map(|e| format!("/lessons/{}#exp-{}", e.lesson, e.id)),
            truncated: env.truncated,
            environment,
            repeats: result.repeats(),
        })
    }
}

/// What others did beside a contended run, as a figure where it was measured.
pub fn others_sentence(others_cores: Option<f64>, cores: Option<u64>) -> String {
    let of = cores.map_or(String::new(), |c| format!(" (이 실행의 코어 {c}개 중)"));
    match others_cores {
        Some(x) => {
            format!("다른 프로그램이 이 실행 동안 코어 {}개를 썼습니다{of}.", format::cores(x))
        }
        None => "이 실행은 다른 프로그램이 코어를 쓰는 동안 측정되었습니다.".to_owned(),
    }
}

/// `threads 0.98× · processes 1.82×` for variants measured against another.
pub fn speedups(result: &RunResult) -> String {
    let parts: Vec<String> = result
        .variants
        .iter()
        .filter_map(|v| Some(format!("{} {}", v.name, format::times(v.speedup?))))
        .collect();
    parts.join(" · ")
}

fn row(variant: &Variant, labels: &VariantLabels) -> VariantRow {
    let spread = if variant.wall_max_s > variant.wall_min_s {
        format!("{} – {}", seconds(variant.wall_min_s), seconds(variant.wall_max_s))
    } else {
        String::new()
    };
    let gil = match variant.gil_enabled {
        Some(true) => " · GIL 켜짐",
        Some(false) => " · GIL 꺼짐",
        None => "",
    };
    VariantRow {
        label: labels.of(&variant.name).to_owned(),
        runtime: format!("{}{gil}", variant.runtime.as_deref().unwrap_or("?")),
        wall: seconds(variant.wall_s),
        spread,
        cpu: seconds(variant.cpu_s),
        cores: format::cores(variant.effective_cores),
        speedup: variant.speedup.map(format::times).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contended_run_says_how_many_cores_others_took() {
        let result: RunResult = serde_json::from_value(serde_json::json!({
            "variants": [{"name": "threads", "wall_s": 1.0}],
            "environment": {"cores": 2, "contended": true, "others_cores": 0.4}
        }))
        .expect("a result");
        let view = ResultView::of(&result, None).expect("a view");
        let others = view.others.expect("a contended run says so");
        assert_eq!(
            others,
            "다른 프로그램이 이 실행 동안 코어 0.40개를 썼습니다 (이 실행의 코어 2개 중)."
        );
        let quiet: RunResult = serde_json::from_value(serde_json::json!({
            "variants": [{"name": "threads", "wall_s": 1.0}],
            "environment": {"cores": 2, "contended": false, "others_cores": 0.1}
        }))
        .expect("a result");
        assert_eq!(ResultView::of(&quiet, None).expect("a view").others, None, "0.1 cores: quiet");
    }

    #[test]
    fn a_result_over_several_runtimes_names_each_rows_runtime_and_gil() {
        let result: RunResult = serde_json::from_value(serde_json::json!({
            "variants": [
                {"name": "threads", "wall_s": 1.0, "runtime": "cpython-3.11", "gil_enabled": true},
                {"name": "gil-off/threads", "wall_s": 0.5, "runtime": "cpython-3.13t",
                 "gil_enabled": false}
            ],
            "environment": {}
        }))
        .expect("a result");
        let view = ResultView::of(&result, None).expect("a view");
        assert!(view.runtimes);
        assert_eq!(view.rows[1].runtime, "cpython-3.13t · GIL 꺼짐");
        let one: RunResult = serde_json::from_value(serde_json::json!({
            "variants": [{"name": "threads", "wall_s": 1.0, "runtime": "cpython-3.11",
                          "gil_enabled": true}],
            "environment": {}
        }))
        .expect("a result");
        assert!(!ResultView::of(&one, None).expect("a view").runtimes, "one runtime: no column");
    }

    #[test]
    fn the_environment_line_names_the_slot_a_run_was_pinned_to() {
        let mut result: RunResult = serde_json::from_value(serde_json::json!({
            "variants": [{"name": "threads", "wall_s": 1.0}],
            "environment": {"implementation": "cpython", "python": "3.11.2", "gil_enabled": true,
                            "cores": 2, "cpus": "2-3"}
        }))
        .expect("a result");
        let view = ResultView::of(&result, None).expect("a view");
        assert_eq!(view.environment, "cpython 3.11.2 · GIL 켜짐 · 코어 2개 (CPU 2-3)");
        result.environment.cpus = None;
        let view = ResultView::of(&result, None).expect("a view");
        assert_eq!(view.environment, "cpython 3.11.2 · GIL 켜짐 · 코어 2개");
    }
}
