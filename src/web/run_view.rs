//! A run's result as pages show it: the table of variants, the timelines, the notes around them.

use serde_json::Value;

use super::charts::{self, Timeline, label_of, seconds};
use super::plots::{self, Plot};
use crate::content::{ChartKind, Experiment};

pub struct VariantRow {
    pub label: String,
    pub wall: String,
    pub spread: String,
    pub cpu: String,
    pub cores: String,
    pub speedup: String,
}

pub struct ResultView {
    pub rows: Vec<VariantRow>,
    /// Bars, histograms and distributions, in the order the experiment declares them.
    pub plots: Vec<Plot>,
    pub timelines: Vec<Timeline>,
    pub contended: bool,
    pub environment: String,
    pub repeats: u64,
}

impl ResultView {
    /// The view of a result, drawn as `experiment` declares (timelines when it says nothing).
    pub fn of(result: &Value, experiment: Option<&Experiment>) -> Option<ResultView> {
        let charts = experiment.map(|e| e.charts.as_slice()).unwrap_or_default();
        let wants_timelines =
            charts.is_empty() || charts.iter().any(|c| c.kind == ChartKind::Timeline);
        let variants = result["variants"].as_array()?;
        let rows = variants.iter().map(row).collect::<Vec<_>>();
        let env = &result["environment"];
        let gil = match env["gil_enabled"].as_bool() {
            Some(true) => "GIL 켜짐",
            Some(false) => "GIL 꺼짐(free-threaded)",
            None => "GIL 알 수 없음",
        };
        let environment = format!(
            "{} {} · {} · 코어 {}개",
            env["implementation"].as_str().unwrap_or("python"),
            env["python"].as_str().unwrap_or("?"),
            gil,
            env["cores"].as_u64().map_or("?".to_owned(), |c| c.to_string()),
        );
        Some(ResultView {
            rows,
            plots: charts.iter().filter_map(|spec| plots::plot(spec, result)).collect(),
            timelines: if wants_timelines { charts::timelines(result) } else { Vec::new() },
            contended: env["contended"].as_bool().unwrap_or(false),
            environment,
            repeats: variants.iter().filter_map(|v| v["repeats"].as_u64()).max().unwrap_or(1),
        })
    }
}

fn row(variant: &Value) -> VariantRow {
    let number = |key: &str| variant[key].as_f64();
    let spread = match (number("wall_min_s"), number("wall_max_s")) {
        (Some(min), Some(max)) if max > min => format!("{} – {}", seconds(min), seconds(max)),
        _ => String::new(),
    };
    VariantRow {
        label: label_of(variant["name"].as_str().unwrap_or("?")),
        wall: number("wall_s").map(seconds).unwrap_or_default(),
        spread,
        cpu: number("cpu_s").map(seconds).unwrap_or_default(),
        cores: number("effective_cores").map(|c| format!("{c:.2}")).unwrap_or_default(),
        speedup: number("speedup").map(|s| format!("{s:.2}×")).unwrap_or_default(),
    }
}
