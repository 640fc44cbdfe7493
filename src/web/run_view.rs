//! A run's result as pages show it: the table of variants, the timelines, the notes around them.

use super::charts::{self, Plot};
use crate::content::{Column, ColumnValue, Experiment, Field, VariantLabels};
use crate::format::{self, seconds};
use crate::runs::result::{RunResult, Variant};

pub struct VariantRow {
    pub label: String,
    /// `cpython-3.13t · GIL 꺼짐`: shown where a result spans more than one runtime.
    pub runtime: String,
    /// One per column the table shows, in its order.
    pub cells: Vec<Cell>,
}

/// A number in the results table, with its column's heading (a phone shows it beside the
/// number, as a card).
pub struct Cell {
    pub heading: String,
    pub value: String,
}

pub struct ResultView {
    /// The headings of the columns after the variant (and runtime): those the experiment
    /// declares, less those empty in every row.
    pub columns: Vec<String>,
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
        let declared =
            experiment.map_or_else(crate::content::default_columns, |e| e.columns.clone());
        let (columns, rows) = table(result, &declared, labels);
        Some(ResultView {
            columns,
            rows,
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

/// The table's headings and rows: every declared column that has a number in some row.
fn table(
    result: &RunResult,
    declared: &[Column],
    labels: &VariantLabels,
) -> (Vec<String>, Vec<VariantRow>) {
    let filled = |columns: &[Column]| -> Vec<Column> {
        let has_some = |c: &&Column| result.variants.iter().any(|v| !cell(v, c).is_empty());
        columns.iter().filter(has_some).cloned().collect()
    };
    // A program that recorded none of the declared numbers (edited code) still gets its times.
    let mut kept = filled(declared);
    if kept.is_empty() {
        kept = filled(&crate::content::default_columns());
    }
    let kept: Vec<&Column> = kept.iter().collect();
    let rows = result.variants.iter().map(|v| row(v, &kept, labels)).collect();
    (kept.iter().map(|c| c.label.clone()).collect(), rows)
}

fn row(variant: &Variant, columns: &[&Column], labels: &VariantLabels) -> VariantRow {
    let gil = match variant.gil_enabled {
        Some(true) => " · GIL 켜짐",
        Some(false) => " · GIL 꺼짐",
        None => "",
    };
    let cells = columns
        .iter()
        .map(|c| Cell { heading: c.label.clone(), value: cell(variant, c) })
        .collect();
    VariantRow {
        label: labels.of(&variant.name).to_owned(),
        runtime: format!("{}{gil}", variant.runtime.as_deref().unwrap_or("?")),
        cells,
    }
}

/// A variant's number in `column`, written for people; empty where it has none.
fn cell(variant: &Variant, column: &Column) -> String {
    match &column.value {
        ColumnValue::Field(Field::Speedup) => {
            variant.speedup.map(format::times).unwrap_or_default()
        }
        ColumnValue::Field(Field::EffectiveCores) => format::cores(variant.effective_cores),
        ColumnValue::Field(Field::WallS) => seconds(variant.wall_s),
        ColumnValue::Field(Field::CpuS) => seconds(variant.cpu_s),
        ColumnValue::Field(field @ (Field::GilSpanMs | Field::GilWaitMs)) => field
            .of(variant)
            .map(|ms| format::with_unit(&format::significant(ms), "ms"))
            .unwrap_or_default(),
        ColumnValue::WallRange if variant.wall_max_s > variant.wall_min_s => {
            format!("{} – {}", seconds(variant.wall_min_s), seconds(variant.wall_max_s))
        }
        ColumnValue::WallRange => String::new(),
        ColumnValue::Metric(name) => metric(variant, name)
            .map(|x| match column.unit.as_str() {
                "%" => format!("{}%", format::significant(x)),
                unit => format::with_unit(&format::significant(x), unit),
            })
            .unwrap_or_default(),
        ColumnValue::Nonzero(name) => {
            let values = variant.metric_by_repeat(name);
            let nonzero = values.iter().filter(|v| **v != 0.0).count();
            if values.is_empty() {
                String::new()
            } else {
                format!("{}회 중 {nonzero}회", values.len())
            }
        }
    }
}

/// A metric's median over the repetitions, or the median repetition's where only it is known.
fn metric(variant: &Variant, name: &str) -> Option<f64> {
    let by_repeat = variant.metric_by_repeat(name);
    match crate::runs::stats::Spread::of(&by_repeat) {
        Some(spread) => Some(spread.median),
        None => variant.metrics.get(name)?.as_f64(),
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
        assert!(!view.columns.contains(&"속도 향상".to_owned()), "no speedups: no empty column");
        assert!(!view.columns.iter().any(|c| c.starts_with("범위")), "one repetition: no range");
        let one: RunResult = serde_json::from_value(serde_json::json!({
            "variants": [{"name": "threads", "wall_s": 1.0, "runtime": "cpython-3.11",
                          "gil_enabled": true}],
            "environment": {}
        }))
        .expect("a result");
        assert!(!ResultView::of(&one, None).expect("a view").runtimes, "one runtime: no column");
    }

    #[test]
    fn a_declared_metric_column_shows_the_metric_with_its_unit_first() {
        let result: RunResult = serde_json::from_value(serde_json::json!({
            "variants": [
                {"name": "local_int", "wall_s": 0.039, "metrics": {"us_per_op": 0.0512}},
                {"name": "pipe", "wall_s": 0.040, "metrics": {"us_per_op": 7.91}}
            ],
            "environment": {}
        }))
        .expect("a result");
        let columns = vec![
            Column {
                value: ColumnValue::Metric("us_per_op".into()),
                label: "연산 한 번".into(),
                unit: "µs".into(),
            },
            crate::content::default_columns().remove(2),
        ];
        let (headings, rows) = table(&result, &columns, &VariantLabels::default());
        assert_eq!(headings, ["연산 한 번", "벽시계 시간"]);
        let first: Vec<&str> = rows.iter().map(|r| r.cells[0].value.as_str()).collect();
        assert_eq!(first, ["0.0512 µs", "7.91 µs"]);
        assert_eq!(rows[1].cells[0].heading, "연산 한 번", "each cell knows its heading");
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
