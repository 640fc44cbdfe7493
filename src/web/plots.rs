//! Bars, histograms and distributions of a result, laid out as plain SVG shapes that one
//! template draws; each plot carries its Korean text alternative.

use super::charts::label_of;
use crate::content::{ChartKind, ChartSpec, Field};
use crate::format::short;
use crate::runs::result::{RunResult, Variant};
use crate::runs::stats::{Spread, percentile};

const LEFT: f64 = 190.0;
const WIDTH: f64 = 540.0;
const RIGHT: f64 = 90.0;

pub enum Shape {
    Rect { x: f64, y: f64, w: f64, h: f64, class: &'static str },
    Line { x1: f64, y1: f64, x2: f64, y2: f64, class: &'static str },
    Circle { cx: f64, cy: f64, r: f64, class: &'static str },
    Text { x: f64, y: f64, anchor: &'static str, class: &'static str, text: String },
}

pub struct Plot {
    pub title: String,
    pub width: f64,
    pub height: f64,
    pub shapes: Vec<Shape>,
    pub description: String,
}

/// The plot a chart declaration asks for, if the result has the numbers for it.
pub fn plot(spec: &ChartSpec, result: &RunResult) -> Option<Plot> {
    let series = series(&spec.value, result);
    if series.is_empty() {
        return None;
    }
    match spec.kind {
        ChartKind::Bars => Some(bars(&spec.label, &series)),
        ChartKind::Histogram => Some(histogram(&spec.label, &series)),
        ChartKind::Distribution => Some(distribution(&spec.label, &series)),
        ChartKind::Timeline => None,
    }
}

/// One variant's numbers for a chart: its median and every value behind it.
struct Series {
    label: String,
    median: f64,
    values: Vec<f64>,
}

fn series(value: &str, result: &RunResult) -> Vec<Series> {
    result.variants.iter().filter_map(|v| series_of(value, v)).collect()
}

/// A metric over the repetitions (its median and every value, lists flattened), or a field:
/// the variant's number, with the wall times of every repetition behind `wall_s`.
fn series_of(value: &str, variant: &Variant) -> Option<Series> {
    let label = label_of(&variant.name);
    if let Some(name) = value.strip_prefix("metric:") {
        let values: Vec<f64> = variant
            .metrics_by_repeat
            .iter()
            .filter_map(|m| m.get(name))
            .flat_map(|m| m.numbers())
            .collect();
        let median = Spread::of(&values)?.median;
        return Some(Series { label, median, values });
    }
    let (median, values) = match Field::parse(value)? {
        Field::WallS => (variant.wall_s, variant.walls_s.clone()),
        Field::CpuS => (variant.cpu_s, vec![variant.cpu_s]),
        Field::EffectiveCores => (variant.effective_cores, vec![variant.effective_cores]),
        Field::Speedup => (variant.speedup?, vec![variant.speedup?]),
    };
    Some(Series { label, median, values })
}

fn scale_max(series: &[Series]) -> f64 {
    let max =
        series.iter().flat_map(|s| s.values.iter().copied().chain([s.median])).fold(0.0, f64::max);
    if max > 0.0 { max * 1.05 } else { 1.0 }
}

fn axis(shapes: &mut Vec<Shape>, max: f64, y: f64) {
    for i in 0..=4 {
        let value = max * f64::from(i) / 4.0;
        let x = LEFT + WIDTH * f64::from(i) / 4.0;
        shapes.push(Shape::Line { x1: x, y1: 4.0, x2: x, y2: y, class: "plot__grid" });
        shapes.push(Shape::Text {
            x,
            y: y + 14.0,
            anchor: "middle",
            class: "plot__tick",
            text: short(value),
        });
    }
}

fn bars(label: &str, series: &[Series]) -> Plot {
    let max = scale_max(series);
    let x = |v: f64| LEFT + v / max * WIDTH;
    let row = 30.0;
    let mut shapes = Vec::new();
    let bottom = 8.0 + series.len() as f64 * row;
    axis(&mut shapes, max, bottom);
    for (i, s) in series.iter().enumerate() {
        let y = 8.0 + i as f64 * row;
        shapes.push(Shape::Text {
            x: LEFT - 8.0,
            y: y + 16.0,
            anchor: "end",
            class: "plot__label",
            text: s.label.clone(),
        });
        shapes.push(Shape::Rect {
            x: LEFT,
            y: y + 4.0,
            w: (x(s.median) - LEFT).max(1.0),
            h: 16.0,
            class: "plot__bar",
        });
        if let (Some(lo), Some(hi)) = (min(&s.values), max_of(&s.values)) {
            let mid = y + 12.0;
            shapes.push(Shape::Line {
                x1: x(lo),
                y1: mid,
                x2: x(hi),
                y2: mid,
                class: "plot__whisker",
            });
            for end in [lo, hi] {
                shapes.push(Shape::Line {
                    x1: x(end),
                    y1: mid - 6.0,
                    x2: x(end),
                    y2: mid + 6.0,
                    class: "plot__whisker",
                });
            }
        }
        let end = x(s.values.iter().copied().fold(s.median, f64::max));
        shapes.push(Shape::Text {
            x: end + 6.0,
            y: y + 16.0,
            anchor: "start",
            class: "plot__value",
            text: short(s.median),
        });
    }
    let parts: Vec<String> =
        series.iter().map(|s| format!("{} {}", s.label, short(s.median))).collect();
    Plot {
        title: label.to_owned(),
        width: LEFT + WIDTH + RIGHT,
        height: bottom + 22.0,
        shapes,
        description: format!(
            "{label}: {}. 막대는 중앙값, 가는 선은 반복 중 최소–최대입니다.",
            parts.join(", ")
        ),
    }
}

fn min(values: &[f64]) -> Option<f64> {
    (values.len() > 1).then(|| values.iter().copied().fold(f64::INFINITY, f64::min))
}

fn max_of(values: &[f64]) -> Option<f64> {
    (values.len() > 1).then(|| values.iter().copied().fold(f64::NEG_INFINITY, f64::max))
}

/// Per variant, one dot per repetition, stacked where values fall in the same bin.
fn histogram(label: &str, series: &[Series]) -> Plot {
    const BINS: f64 = 40.0;
    let max = scale_max(series);
    let bin_width = WIDTH / BINS;
    let mut shapes = Vec::new();
    let mut y = 8.0;
    let mut parts = Vec::new();
    for s in series {
        let mut counts = vec![0u32; BINS as usize + 1];
        let mut row_shapes = Vec::new();
        for &v in &s.values {
            let bin = ((v / max * BINS).floor() as usize).min(BINS as usize);
            counts[bin] += 1;
            let cx = LEFT + (bin as f64 + 0.5) * bin_width;
            row_shapes.push((cx, counts[bin]));
        }
        let tallest = f64::from(counts.iter().copied().max().unwrap_or(1).max(1));
        let height = (tallest * 9.0).clamp(24.0, 120.0);
        let step = height / tallest;
        for (cx, n) in row_shapes {
            let cy = y + height - (f64::from(n) - 0.5) * step;
            shapes.push(Shape::Circle { cx, cy, r: (step / 2.0).min(4.5), class: "plot__dot" });
        }
        shapes.push(Shape::Line {
            x1: LEFT,
            y1: y + height,
            x2: LEFT + WIDTH,
            y2: y + height,
            class: "plot__base",
        });
        shapes.push(Shape::Text {
            x: LEFT - 8.0,
            y: y + height - 4.0,
            anchor: "end",
            class: "plot__label",
            text: s.label.clone(),
        });
        let nonzero = s.values.iter().filter(|v| **v != 0.0).count();
        parts.push(format!(
            "{}: {}번 중 {}번이 0이 아니었고 중앙값은 {}",
            s.label,
            s.values.len(),
            nonzero,
            short(s.median)
        ));
        y += height + 12.0;
    }
    axis(&mut shapes, max, y - 12.0);
    Plot {
        title: label.to_owned(),
        width: LEFT + WIDTH + RIGHT,
        height: y + 12.0,
        shapes,
        description: format!("{label}, 반복마다 점 하나. {}.", parts.join("; ")),
    }
}

/// Per variant, every value as a faint dot, with the median and 99th percentile marked.
fn distribution(label: &str, series: &[Series]) -> Plot {
    let sorted: Vec<Vec<f64>> = series
        .iter()
        .map(|s| {
            let mut values = s.values.clone();
            values.sort_by(f64::total_cmp);
            values
        })
        .collect();
    let p99_max = sorted.iter().filter_map(|v| percentile(v, 0.99)).fold(0.0, f64::max);
    let max = if p99_max > 0.0 { p99_max * 1.15 } else { 1.0 };
    let x = |v: f64| LEFT + (v / max).min(1.0) * WIDTH;
    let row = 34.0;
    let mut shapes = Vec::new();
    let bottom = 8.0 + series.len() as f64 * row;
    axis(&mut shapes, max, bottom);
    let mut parts = Vec::new();
    for (i, (s, values)) in series.iter().zip(&sorted).enumerate() {
        let y = 8.0 + i as f64 * row;
        shapes.push(Shape::Text {
            x: LEFT - 8.0,
            y: y + 20.0,
            anchor: "end",
            class: "plot__label",
            text: s.label.clone(),
        });
        for (j, v) in values.iter().enumerate() {
            let jitter = (j % 7) as f64 * 2.5;
            shapes.push(Shape::Circle {
                cx: x(*v),
                cy: y + 8.0 + jitter,
                r: 1.6,
                class: "plot__point",
            });
        }
        let (Some(p50), Some(p99)) = (percentile(values, 0.5), percentile(values, 0.99)) else {
            continue;
        };
        for (value, class) in [(p50, "plot__median"), (p99, "plot__p99")] {
            shapes.push(Shape::Line {
                x1: x(value),
                y1: y + 2.0,
                x2: x(value),
                y2: y + 28.0,
                class,
            });
        }
        shapes.push(Shape::Text {
            x: LEFT + WIDTH + 6.0,
            y: y + 20.0,
            anchor: "start",
            class: "plot__value",
            text: format!("p50 {}", short(p50)),
        });
        parts.push(format!("{}: 중앙값 {}, 99번째 백분위 {}", s.label, short(p50), short(p99)));
    }
    Plot {
        title: label.to_owned(),
        width: LEFT + WIDTH + RIGHT,
        height: bottom + 22.0,
        shapes,
        description: format!(
            "{label}. 점 하나가 측정 하나, 굵은 선은 중앙값, 점선은 99번째 백분위입니다. {}.",
            parts.join("; ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn result(value: serde_json::Value) -> RunResult {
        serde_json::from_value(value).expect("a result")
    }

    fn spec(kind: ChartKind, value: &str) -> ChartSpec {
        ChartSpec { kind, value: value.into(), label: "값".into() }
    }

    #[test]
    fn bars_use_the_median_and_a_whisker_over_repetitions() {
        let result = result(json!({"variants": [
            {"name": "sequential", "wall_s": 1.0, "walls_s": [0.9, 1.0, 1.2]},
            {"name": "processes", "wall_s": 0.5, "walls_s": [0.5]},
        ]}));
        let plot = plot(&spec(ChartKind::Bars, "wall_s"), &result).expect("plot");
        let whiskers = plot
            .shapes
            .iter()
            .filter(|s| matches!(s, Shape::Line { class: "plot__whisker", .. }))
            .count();
        assert_eq!(whiskers, 3, "one variant has a spread");
        assert!(plot.description.contains("순차 (sequential) 1.00"), "{}", plot.description);
    }

    #[test]
    fn a_histogram_has_a_dot_per_repetition_and_says_how_often_it_was_not_zero() {
        let result =
            result(json!({"variants": [{"name": "unlocked", "wall_s": 1.0, "metrics_by_repeat": [
            {"lost_updates": 0}, {"lost_updates": 10}, {"lost_updates": 12}]}]}));
        let plot = plot(&spec(ChartKind::Histogram, "metric:lost_updates"), &result).expect("plot");
        let dots = plot.shapes.iter().filter(|s| matches!(s, Shape::Circle { .. })).count();
        assert_eq!(dots, 3);
        assert!(plot.description.contains("3번 중 2번"), "{}", plot.description);
    }

    #[test]
    fn a_distribution_reads_list_metrics() {
        let result =
            result(json!({"variants": [{"name": "alone", "wall_s": 1.0, "metrics_by_repeat": [
            {"latencies_ms": [1.0, 1.1, 1.2]}, {"latencies_ms": [1.0, 6.0]}]}]}));
        let plot =
            plot(&spec(ChartKind::Distribution, "metric:latencies_ms"), &result).expect("plot");
        let points = plot.shapes.iter().filter(|s| matches!(s, Shape::Circle { .. })).count();
        assert_eq!(points, 5);
        assert!(plot.description.contains("중앙값 1.10"), "{}", plot.description);
    }
}
