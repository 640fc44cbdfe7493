//! Timelines: per variant, each worker's spans of work, all variants on one time scale so that
//! lengths compare, titled with how much of the time two or more workers ran at once. Where the
//! run recorded the GIL itself, its GIL timeline is drawn instead (`gil_lanes`).

use super::scale::Axis;
use super::{Across, Chart, Plot, Shape, gil_lanes};
use crate::format::{percent_tenths, seconds};
use crate::runs::result::Variant;

/// Each worker's label stands above its lane, so the lanes keep the whole width on a phone.
const LABEL_HEIGHT: f64 = 14.0;
const ROW_HEIGHT: f64 = 16.0;
const ROW_GAP: f64 = 6.0;
const ROW: f64 = LABEL_HEIGHT + ROW_HEIGHT + ROW_GAP;
const TOP: f64 = 2.0;

/// One timeline per variant that recorded spans.
pub fn draw(chart: &Chart) -> Vec<Plot> {
    let variants = &chart.result.variants;
    let scale = variants.iter().map(|v| v.wall_s).fold(0.0, f64::max);
    if scale <= 0.0 {
        return Vec::new();
    }
    let label = |v: &Variant| chart.labels.of(&v.name).to_owned();
    let axis = Axis::new(scale, 0.0);
    variants
        .iter()
        .filter_map(|v| gil_lanes::plot(v, &label(v), &axis).or_else(|| timeline(v, label(v), &axis)))
        .collect()
}

fn timeline(variant: &Variant, label: String, axis: &Axis) -> Option<Plot> {
    let spans: Vec<Vec<(f64, f64)>> =
        variant.workers.iter().map(|w| w.spans.iter().map(|&[a, b]| (a, b)).collect()).collect();
    if spans.iter().all(Vec::is_empty) {
        return None;
    }
    let mut shapes = Vec::new();
    let workers = variant.workers.len();
    let bottom = TOP + workers as f64 * ROW;
    let lane = |i: usize| TOP + i as f64 * ROW + LABEL_HEIGHT;
    for (i, worker) in variant.workers.iter().enumerate() {
        let name = format!("작업자 {}", worker.id);
        shapes.push(Shape::text((Across(0.0), lane(i) - 3.0), "start", "timeline__label", name));
        shapes.push(Shape::rect(Across(0.0), lane(i), Across(1.0), ROW_HEIGHT, "timeline__lane"));
    }
    // The grid over the lanes and under the spans.
    axis.grid_in(&mut shapes, (0.0, 1.0), (TOP + LABEL_HEIGHT, bottom), "초");
    for (i, spans) in spans.iter().enumerate() {
        // Eight colours, one per worker, repeating: neighbours differ, which is what matters.
        let class = format!("timeline__bar timeline__bar--{}", i % 8);
        for &(a, b) in spans {
            // At least a thousandth of the width, so that a short span still shows.
            let width = Across((axis.share(b) - axis.share(a)).max(0.001));
            let x = Across(axis.share(a));
            shapes.push(Shape::rect(x, lane(i), width, ROW_HEIGHT, class.as_str()));
        }
    }
    let height = bottom + 20.0;
    let (wall, overlap) = (seconds(variant.wall_s), percent_tenths(overlap_share(&spans)));
    let title = format!("{label} — 작업자 {workers}명, 벽시계 {wall}");
    let description = format!(
        "{label}: 작업자 {workers}명이 {wall} 동안 실행되었고, \
         일한 시간 중 둘 이상이 동시에 실행된 비율은 {overlap}입니다."
    );
    let plot = Plot::new("timeline", title, height, shapes).described(description);
    // Where the GIL itself could not be recorded, the reader learns why this is the picture.
    let summary = variant.gil_timeline_missing.as_ref().map(|why| {
        format!("작업 조각을 기록한 타임라인입니다. GIL 자체는 기록하지 못했습니다: {why}.")
    });
    Some(Plot { aside: Some(format!("동시 실행 {overlap}")), summary, ..plot })
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

#[cfg(test)]
mod tests {
    use super::super::{Across, Shape, plots_of};
    use super::*;
    use crate::content::ChartKind;
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

    /// The widths of a timeline's spans, worker by worker.
    fn bar_widths(plot: &Plot) -> Vec<Across> {
        let bars = plot.shapes.iter().filter(|s| s.class().starts_with("timeline__bar "));
        bars.filter_map(|s| match s {
            Shape::Rect { w, .. } => Some(*w),
            _ => None,
        })
        .collect()
    }

    #[test]
    fn timelines_share_one_time_scale_and_describe_themselves() {
        let charts = plots_of(
            ChartKind::Timeline,
            "",
            json!({"variants": [
                {"name": "threads", "wall_s": 1.0, "workers": [{"id": 0, "spans": [[0.0, 0.5]]}, {"id": 1, "spans": [[0.5, 1.0]]}]},
                {"name": "processes", "wall_s": 0.5, "workers": [{"id": 0, "spans": [[0.0, 0.5]]}, {"id": 1, "spans": [[0.0, 0.5]]}]},
            ]}),
        );
        assert_eq!(charts.len(), 2);
        assert_eq!(charts[0].aside.as_deref(), Some("동시 실행 0.0%"));
        assert_eq!(charts[1].aside.as_deref(), Some("동시 실행 100.0%"));
        assert_eq!(bar_widths(&charts[0])[1], bar_widths(&charts[1])[0], "same work, same width");
        assert!(charts[1].description.contains("100.0%"));
        assert!(charts[0].title.starts_with("threads — 작업자 2명"), "{}", charts[0].title);
    }
}
