//! Bars: one per variant at its median, with a whisker over the repetitions' min–max. Each
//! variant's label sits above its bar, so a long Korean label never squeezes the bars on a
//! phone; the values stand in a column of their own at the right.

use super::scale::Axis;
use super::series::{self, Series};
use super::{Across, Chart, Plot, Shape};
use crate::content::{Field, Scale};
use crate::format::significant;
use crate::runs::stats::Spread;

const ROW: f64 = 42.0;
const TOP: f64 = 4.0;
/// The bars' share of the width; the rest, at the right, holds the values.
pub const BARS: (f64, f64) = (0.0, 0.8);

pub fn draw(chart: &Chart) -> Vec<Plot> {
    let series = series::of(&chart.spec.value, chart.result, chart.labels);
    if series.is_empty() {
        return Vec::new();
    }
    let label = &chart.spec.label;
    let axis = if chart.spec.scale == Some(Scale::Log) {
        Axis::log_over(series::values(&series))
    } else {
        Axis::over(series::values(&series), floor(chart))
    };
    let bottom = TOP + series.len() as f64 * ROW;
    let mut shapes = Vec::new();
    axis.grid(&mut shapes, BARS, TOP + 16.0, bottom);
    for (i, s) in series.iter().enumerate() {
        row(&mut shapes, s, TOP + i as f64 * ROW, &axis);
    }
    let parts: Vec<String> =
        series.iter().map(|s| format!("{} {}", s.label, significant(s.median))).collect();
    let range = axis.range_words();
    let description = format!(
        "{label}: {}. 막대는 중앙값, 가는 선은 반복 중 최소–최대이고, 눈금은 {range}입니다.",
        parts.join(", ")
    );
    vec![Plot::new("plot", label.clone(), bottom + 22.0, shapes).described(description)]
}

/// Where the axis must reach at least: a run's cores for effective cores and speedups (so that
/// 0.18 cores is a short bar, not a full one), nothing for other values.
fn floor(chart: &Chart) -> f64 {
    let cores = chart.result.environment.cores.map_or(2.0, |c| c as f64);
    match Field::parse(&chart.spec.value) {
        Some(Field::EffectiveCores | Field::Speedup) => cores,
        _ => 0.0,
    }
}

/// Where a value falls across the width.
pub fn at(axis: &Axis, value: f64) -> Across {
    Across(BARS.0 + axis.share(value) * (BARS.1 - BARS.0))
}

/// A variant's label, bar, whisker (when it was measured more than once) and value, from `y`.
fn row(shapes: &mut Vec<Shape>, s: &Series, y: f64, axis: &Axis) {
    shapes.push(Shape::text((Across(0.0), y + 12.0), "start", "plot__label", s.label.clone()));
    let (bar_top, bar_height) = (y + 18.0, 16.0);
    let width = Across((at(axis, s.median).0 - BARS.0).max(0.002));
    shapes.push(Shape::rect(Across(BARS.0), bar_top, width, bar_height, "plot__bar"));
    let spread = Spread::of(&s.values).filter(|spread| spread.count > 1);
    if let Some(Spread { min, max, .. }) = spread {
        let mid = bar_top + bar_height / 2.0;
        let (from, to) = (at(axis, min), at(axis, max));
        shapes.push(Shape::line((from, mid), (to, mid), "plot__whisker"));
        for end in [from, to] {
            shapes.push(Shape::line((end, mid - 6.0), (end, mid + 6.0), "plot__whisker"));
        }
    }
    let value = (Across(1.0), bar_top + 13.0);
    shapes.push(Shape::text(value, "end", "plot__value", significant(s.median)));
}

#[cfg(test)]
mod tests {
    use super::super::{Across, Shape, plots_of};
    use crate::content::ChartKind;
    use serde_json::json;

    fn bar_widths(plot: &super::Plot) -> Vec<f64> {
        let bars = plot.shapes.iter().filter(|s| s.class() == "plot__bar");
        bars.filter_map(|s| match s {
            Shape::Rect { w: Across(w), .. } => Some(*w),
            _ => None,
        })
        .collect()
    }

    #[test]
    fn bars_use_the_median_and_a_whisker_over_repetitions() {
        let plots = plots_of(
            ChartKind::Bars,
            "wall_s",
            json!({"variants": [
                {"name": "sequential", "wall_s": 1.0, "walls_s": [0.9, 1.0, 1.2]},
                {"name": "processes", "wall_s": 0.5, "walls_s": [0.5]},
            ]}),
        );
        let plot = &plots[0];
        let whiskers = plot.shapes.iter().filter(|s| s.class() == "plot__whisker").count();
        assert_eq!(whiskers, 3, "one variant has a spread");
        assert!(plot.description.contains("순차 (sequential) 1,"), "{}", plot.description);
        assert!(plot.description.contains("processes 0.5."), "unlabelled variants keep their name");
        let ticks: Vec<&str> = plot
            .shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Text { class, text, .. } if class == "plot__tick" => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(ticks, ["0", "0.5", "1", "1.5"], "round ticks up to the whisker's 1.2");
    }

    #[test]
    fn effective_cores_are_drawn_against_the_runs_cores() {
        let plots = plots_of(
            ChartKind::Bars,
            "effective_cores",
            json!({"variants": [{"name": "threads", "wall_s": 1.0, "effective_cores": 0.18}],
                   "environment": {"cores": 2}}),
        );
        let width = bar_widths(&plots[0])[0];
        assert!(width < 0.1, "0.18 of 2 cores is a short bar, not a full one: {width}");
        assert!(plots[0].description.contains("0부터 2까지"), "{}", plots[0].description);
    }

    #[test]
    fn a_log_scale_shows_a_value_a_thousand_times_smaller() {
        let result: crate::runs::result::RunResult = serde_json::from_value(json!({"variants": [
            {"name": "local_int", "wall_s": 1.0, "metrics_by_repeat": [{"us_per_op": 0.02}]},
            {"name": "manager", "wall_s": 1.0, "metrics_by_repeat": [{"us_per_op": 47.0}]},
        ]}))
        .expect("a result");
        let spec = crate::content::ChartSpec {
            kind: ChartKind::Bars,
            value: "metric:us_per_op".into(),
            label: "µs".into(),
            nonzero: None,
            scale: Some(crate::content::Scale::Log),
        };
        let labels = Default::default();
        let plots = super::draw(&super::Chart { spec: &spec, result: &result, labels: &labels });
        let widths = bar_widths(&plots[0]);
        assert!(widths[0] > 0.05, "0.02 µs is a visible bar beside 47 µs: {widths:?}");
        assert!(plots[0].description.contains("로그 눈금으로 0.01부터 100까지"));
    }
}
