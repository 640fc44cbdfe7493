//! Distributions of a list-valued metric (e.g. latencies): per variant, every value as a faint
//! dot, with the median and the 99th percentile marked.

use super::bars::{BARS, at};
use super::scale::Axis;
use super::series::{self, Series};
use super::{Across, Chart, Plot, Shape};
use crate::format::significant;
use crate::runs::stats::percentile;

const ROW: f64 = 50.0;
const TOP: f64 = 4.0;

pub fn draw(chart: &Chart) -> Vec<Plot> {
    let series = series::of(&chart.spec.value, chart.result, chart.labels);
    if series.is_empty() {
        return Vec::new();
    }
    let label = &chart.spec.label;
    let sorted: Vec<Vec<f64>> = series.iter().map(|s| sorted(&s.values)).collect();
    // The 99th percentile, not the maximum, sets the scale: one stray value would squash the rest.
    let p99_max = sorted.iter().filter_map(|v| percentile(v, 0.99)).fold(0.0, f64::max);
    let axis = Axis::new(p99_max * 1.05, 0.0);
    let bottom = TOP + series.len() as f64 * ROW;
    let mut shapes = Vec::new();
    axis.grid(&mut shapes, BARS, TOP + 16.0, bottom);
    let mut parts = Vec::new();
    for (i, (s, values)) in series.iter().zip(&sorted).enumerate() {
        parts.extend(row(&mut shapes, s, values, TOP + i as f64 * ROW, &axis));
    }
    let mut description = format!(
        "{label}. 점 하나가 측정 하나, 굵은 선은 중앙값, 점선은 99번째 백분위입니다. {}.",
        parts.join("; ")
    );
    let beyond = beyond(&series, &sorted, axis.top);
    if let Some(words) = &beyond {
        description.push(' ');
        description.push_str(words);
    }
    let plot = Plot::new("plot", label.clone(), bottom + 22.0, shapes).described(description);
    vec![Plot { summary: beyond, ..plot }]
}

/// What lies past the axis's top, drawn at its end in another colour, said in words: a dot at
/// the end must not pass for a value there.
fn beyond(series: &[Series], sorted: &[Vec<f64>], top: f64) -> Option<String> {
    let count: usize = sorted.iter().map(|v| v.iter().filter(|x| **x > top).count()).sum();
    let (label, max) = series
        .iter()
        .zip(sorted)
        .filter_map(|(s, v)| Some((&s.label, *v.last()?)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    (count > 0).then(|| {
        format!(
            "눈금의 끝({})을 넘는 값 {count}개는 오른쪽 끝에 붉은 점으로 모았습니다. 가장 큰 값은 {label}의 {}입니다.",
            significant(top),
            significant(max)
        )
    })
}

fn sorted(values: &[f64]) -> Vec<f64> {
    let mut values = values.to_vec();
    values.sort_by(f64::total_cmp);
    values
}

/// A variant's label, points and percentile marks from `y`; returns its part of the text
/// alternative, if it has values.
fn row(shapes: &mut Vec<Shape>, s: &Series, values: &[f64], y: f64, axis: &Axis) -> Option<String> {
    shapes.push(Shape::text((Across(0.0), y + 12.0), "start", "plot__label", s.label.clone()));
    let strip = y + 18.0;
    for (j, v) in values.iter().enumerate() {
        // A small vertical jitter, so equal values stay visible as several dots.
        let jitter = (j % 7) as f64 * 2.5;
        let class = if *v > axis.top { "plot__point plot__point--beyond" } else { "plot__point" };
        shapes.push(Shape::circle(at(axis, *v), strip + 6.0 + jitter, 1.6, class));
    }
    let (p50, p99) = (percentile(values, 0.5)?, percentile(values, 0.99)?);
    for (value, class) in [(p50, "plot__median"), (p99, "plot__p99")] {
        shapes.push(Shape::line((at(axis, value), strip), (at(axis, value), strip + 26.0), class));
    }
    let value = (Across(1.0), strip + 17.0);
    shapes.push(Shape::text(value, "end", "plot__value", format!("p50 {}", significant(p50))));
    Some(format!("{}: 중앙값 {}, 99번째 백분위 {}", s.label, significant(p50), significant(p99)))
}

#[cfg(test)]
mod tests {
    use super::super::{Shape, plots_of};
    use crate::content::ChartKind;
    use serde_json::json;

    #[test]
    fn a_distribution_reads_list_metrics() {
        let plots = plots_of(
            ChartKind::Distribution,
            "metric:latencies_ms",
            json!({"variants": [{"name": "alone", "wall_s": 1.0, "metrics_by_repeat": [
                {"latencies_ms": [1.0, 1.1, 1.2]}, {"latencies_ms": [1.0, 6.0]}]}]}),
        );
        let points = plots[0].shapes.iter().filter(|s| matches!(s, Shape::Circle { .. })).count();
        assert_eq!(points, 5);
        assert!(plots[0].description.contains("중앙값 1.1,"), "{}", plots[0].description);
        assert!(plots[0].summary.is_none(), "nothing lies past the axis");
    }

    #[test]
    fn values_past_the_axis_are_marked_and_said_not_passed_off_as_its_end() {
        let mut latencies: Vec<f64> = (0..300).map(|i| 1.0 + f64::from(i % 10) * 0.2).collect();
        latencies.push(80.0);
        let plots = plots_of(
            ChartKind::Distribution,
            "metric:latencies_ms",
            json!({"variants": [{"name": "alone", "wall_s": 1.0, "metrics_by_repeat": [
                {"latencies_ms": latencies}]}]}),
        );
        let beyond = plots[0].shapes.iter().filter(|s| s.class().ends_with("--beyond")).count();
        assert_eq!(beyond, 1, "80 lies past the axis set by the 99th percentile");
        let summary = plots[0].summary.as_deref().unwrap_or_default();
        assert!(summary.contains("넘는 값 1개") && summary.contains("alone의 80"), "{summary}");
    }
}
