//! Server-side charts of a run's result: the view models the SVG templates draw, with numbers
//! already formatted and a text alternative for each chart.

use crate::format::seconds;
use crate::runs::result::{RunResult, Variant};

/// Width of the drawing area of a timeline, in SVG units.
pub const PLOT_WIDTH: f64 = 640.0;
/// Left margin for the row labels.
pub const LABEL_WIDTH: f64 = 84.0;
pub const ROW_HEIGHT: f64 = 18.0;
pub const ROW_GAP: f64 = 6.0;

/// One row of a timeline: a worker and the rectangles of its spans of work.
pub struct TimelineRow {
    pub label: String,
    pub y: f64,
    pub colour: usize,
    pub bars: Vec<(f64, f64)>,
}

pub struct Timeline {
    pub variant: String,
    pub title: String,
    pub rows: Vec<TimelineRow>,
    pub height: f64,
    pub ticks: Vec<(f64, String)>,
    /// Share of busy time during which two or more workers ran at once, in percent.
    pub overlap_percent: f64,
    pub description: String,
}

/// One timeline per variant that recorded spans, all on the same time scale so lengths compare.
pub fn timelines(result: &RunResult) -> Vec<Timeline> {
    let scale = result.variants.iter().map(|v| v.wall_s).fold(0.0, f64::max);
    if scale <= 0.0 {
        return Vec::new();
    }
    result.variants.iter().filter_map(|v| timeline(v, scale)).collect()
}

fn timeline(variant: &Variant, scale: f64) -> Option<Timeline> {
    let name = variant.name.clone();
    let workers = &variant.workers;
    let spans: Vec<Vec<(f64, f64)>> =
        workers.iter().map(|w| w.spans.iter().map(|&[a, b]| (a, b)).collect()).collect();
    if spans.iter().all(Vec::is_empty) {
        return None;
    }
    let x = |t: f64| LABEL_WIDTH + t / scale * PLOT_WIDTH;
    let rows = workers
        .iter()
        .zip(&spans)
        .enumerate()
        .map(|(i, (worker, spans))| TimelineRow {
            label: format!("작업자 {}", worker.id),
            y: 4.0 + i as f64 * (ROW_HEIGHT + ROW_GAP),
            colour: i % 8,
            bars: spans
                .iter()
                .map(|&(a, b)| (x(a), ((b - a) / scale * PLOT_WIDTH).max(0.6)))
                .collect(),
        })
        .collect::<Vec<_>>();
    let height = 4.0 + rows.len() as f64 * (ROW_HEIGHT + ROW_GAP) + 22.0;
    let overlap_percent = (overlap_share(&spans) * 1000.0).round() / 10.0;
    let wall = variant.wall_s;
    let title = format!("{} — 작업자 {}명, 벽시계 {}", label_of(&name), rows.len(), seconds(wall));
    let description = format!(
        "{}: 작업자 {}명이 {} 동안 실행되었고, 일한 시간 중 둘 이상이 동시에 실행된 비율은 {:.1}%입니다.",
        label_of(&name),
        rows.len(),
        seconds(wall),
        overlap_percent
    );
    Some(Timeline {
        variant: name,
        title,
        rows,
        height,
        ticks: ticks(scale, x),
        overlap_percent,
        description,
    })
}

/// Time with at least two workers running ÷ time with at least one, by a sweep over span edges.
pub fn overlap_share(spans: &[Vec<(f64, f64)>]) -> f64 {
    let mut edges: Vec<(f64, i32)> =
        spans.iter().flatten().flat_map(|&(a, b)| [(a, 1), (b, -1)]).collect();
    edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut active, mut last) = (0, 0.0);
    let (mut busy, mut together) = (0.0, 0.0);
    for (t, change) in edges {
        let dt = t - last;
        if active >= 1 {
            busy += dt;
        }
        if active >= 2 {
            together += dt;
        }
        active += change;
        last = t;
    }
    if busy > 0.0 { together / busy } else { 0.0 }
}

fn ticks(scale: f64, x: impl Fn(f64) -> f64) -> Vec<(f64, String)> {
    (0..=4).map(|i| scale * f64::from(i) / 4.0).map(|t| (x(t), seconds(t))).collect()
}

/// Korean names for the variants the catalogue uses; others are shown as they are.
pub fn label_of(variant: &str) -> String {
    match variant {
        "sequential" => "순차 (sequential)".to_owned(),
        "threads" => "스레드 (threads)".to_owned(),
        "processes" => "프로세스 (processes)".to_owned(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn overlap_is_zero_when_workers_alternate_and_full_when_they_run_together() {
        let alternating = [vec![(0.0, 1.0), (2.0, 3.0)], vec![(1.0, 2.0)]];
        assert_eq!(overlap_share(&alternating), 0.0);
        let together = [vec![(0.0, 1.0)], vec![(0.0, 1.0)]];
        assert_eq!(overlap_share(&together), 1.0);
        let half = [vec![(0.0, 2.0)], vec![(1.0, 2.0)]];
        assert!((overlap_share(&half) - 0.5).abs() < 1e-9);
    }

    #[test]
    fn timelines_share_one_time_scale_and_describe_themselves() {
        let result: RunResult = serde_json::from_value(json!({"variants": [
            {"name": "threads", "wall_s": 1.0, "workers": [{"id": 0, "spans": [[0.0, 0.5]]}, {"id": 1, "spans": [[0.5, 1.0]]}]},
            {"name": "processes", "wall_s": 0.5, "workers": [{"id": 0, "spans": [[0.0, 0.5]]}, {"id": 1, "spans": [[0.0, 0.5]]}]},
        ]}))
        .expect("a result");
        let charts = timelines(&result);
        assert_eq!(charts.len(), 2);
        assert_eq!(charts[0].overlap_percent, 0.0);
        assert_eq!(charts[1].overlap_percent, 100.0);
        let full = charts[0].rows[1].bars[0];
        let half = charts[1].rows[0].bars[0];
        assert!((full.1 - half.1).abs() < 1e-9, "same length of work, same width");
        assert!(charts[1].description.contains("100.0%"));
    }
}
