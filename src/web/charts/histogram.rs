//! Histograms over repetitions (e.g. lost updates in 20 repetitions): per variant, one dot per
//! repetition, stacked where values fall in the same bin, each variant on a scale of its own —
//! 131 lost updates must not sit on zero beside another variant's 53 000 — with how often it
//! was not zero written above it ("20회 중 20회 잃음").

use super::scale::Axis;
use super::series::{self, Series};
use super::{Across, Chart, Plot, Shape};
use crate::format::significant;

const BINS: usize = 40;
const TOP: f64 = 4.0;
/// The label and the count above each variant's dots.
const HEAD: f64 = 36.0;
/// Below the dots: the variant's own tick labels and the gap to the next.
const FOOT: f64 = 34.0;

pub fn draw(chart: &Chart) -> Vec<Plot> {
    let series = series::of(&chart.spec.value, chart.result, chart.labels);
    if series.is_empty() {
        return Vec::new();
    }
    let label = &chart.spec.label;
    let word = chart.spec.nonzero.as_deref().unwrap_or("0이 아님");
    let mut shapes = Vec::new();
    let mut y = TOP;
    for s in &series {
        y += row(&mut shapes, s, y, word);
    }
    let parts: Vec<String> =
        series.iter().map(|s| format!("{}: {}", s.label, tally(s, word))).collect();
    let description =
        format!("{label}, 반복마다 점 하나, 변형마다 눈금이 따로입니다. {}.", parts.join("; "));
    vec![Plot::new("plot", label.clone(), y, shapes).described(description)]
}

/// A variant's label and tally, its dots on its own axis, and the axis; returns its height.
fn row(shapes: &mut Vec<Shape>, s: &Series, y: f64, word: &str) -> f64 {
    let axis = Axis::over(s.values.iter().copied(), 0.0);
    let axis = if s.values.iter().all(|v| v.fract() == 0.0) { axis.whole() } else { axis };
    shapes.push(Shape::text((Across(0.0), y + 13.0), "start", "plot__label", s.label.clone()));
    shapes.push(Shape::text((Across(0.0), y + 30.0), "start", "plot__count", tally(s, word)));
    let mut counts = [0u32; BINS];
    let mut dots = Vec::new();
    for &v in &s.values {
        let bin = ((axis.share(v) * BINS as f64).floor() as usize).min(BINS - 1);
        counts[bin] += 1;
        dots.push(((bin as f64 + 0.5) / BINS as f64, counts[bin]));
    }
    let tallest = f64::from(counts.iter().copied().max().unwrap_or(1).max(1));
    let height = (tallest * 9.0).clamp(24.0, 120.0);
    let step = height / tallest;
    let base = y + HEAD + height;
    axis.grid(shapes, (0.0, 1.0), y + HEAD, base);
    for (share, n) in dots {
        let cy = base - (f64::from(n) - 0.5) * step;
        shapes.push(Shape::circle(Across(share), cy, (step / 2.0).min(4.5), "plot__dot"));
    }
    shapes.push(Shape::line((Across(0.0), base), (Across(1.0), base), "plot__base"));
    HEAD + height + FOOT
}

/// How often the variant's value was not zero, and its median: "20회 중 20회 잃음 · 중앙값 131".
fn tally(s: &Series, word: &str) -> String {
    let nonzero = s.values.iter().filter(|v| **v != 0.0).count();
    let total = s.values.len();
    let median = significant(s.median);
    format!("{total}회 중 {nonzero}회 {word} · 중앙값 {median}")
}

#[cfg(test)]
mod tests {
    use super::super::{Across, Shape, plots_of};
    use crate::content::ChartKind;
    use serde_json::json;

    fn dots(plot: &super::Plot) -> Vec<f64> {
        let circles = plot.shapes.iter().filter_map(|s| match s {
            Shape::Circle { cx: Across(x), .. } => Some(*x),
            _ => None,
        });
        circles.collect()
    }

    #[test]
    fn a_histogram_has_a_dot_per_repetition_and_says_how_often_it_was_not_zero() {
        let plots = plots_of(
            ChartKind::Histogram,
            "metric:lost_updates",
            json!({"variants": [{"name": "unlocked", "wall_s": 1.0, "metrics_by_repeat": [
                {"lost_updates": 0}, {"lost_updates": 10}, {"lost_updates": 12}]}]}),
        );
        assert_eq!(dots(&plots[0]).len(), 3);
        assert!(plots[0].description.contains("3회 중 2회 0이 아님"), "{}", plots[0].description);
    }

    #[test]
    fn each_variant_has_a_scale_on_which_its_own_losses_are_visible() {
        let repeats = |n: u64| (0..20).map(|_| json!({"lost_updates": n})).collect::<Vec<_>>();
        let plots = plots_of(
            ChartKind::Histogram,
            "metric:lost_updates",
            json!({"variants": [
                {"name": "unlocked", "wall_s": 1.0, "metrics_by_repeat": repeats(53_000)},
                {"name": "manager_unlocked", "wall_s": 1.0, "metrics_by_repeat": repeats(131)},
            ]}),
        );
        let xs = dots(&plots[0]);
        let manager = &xs[20..];
        assert!(manager.iter().all(|x| *x > 0.5), "131 is far from zero on its own scale: {xs:?}");
        let texts: Vec<&str> = plots[0]
            .shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Text { class, text, .. } if class == "plot__count" => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(texts, ["20회 중 20회 0이 아님 · 중앙값 53,000", "20회 중 20회 0이 아님 · 중앙값 131"]);
    }
}
