//! Histograms over repetitions: per variant, one dot per repetition, stacked where values fall
//! in the same bin (e.g. lost updates in 20 repetitions).

use super::scale::{LEFT, RIGHT, WIDTH, quarter_grid};
use super::series::{self, Series};
use super::{Chart, Plot, Shape};
use crate::format::short;

const BINS: usize = 40;

pub fn draw(chart: &Chart) -> Vec<Plot> {
    let series = series::of(&chart.spec.value, chart.result, chart.labels);
    if series.is_empty() {
        return Vec::new();
    }
    let label = &chart.spec.label;
    let max = series::top(&series);
    let mut shapes = Vec::new();
    let mut y = 8.0;
    for s in &series {
        y += row(&mut shapes, s, y, max) + 12.0;
    }
    quarter_grid(&mut shapes, max, y - 12.0);
    let parts: Vec<String> = series.iter().map(summary).collect();
    let description = format!("{label}, 반복마다 점 하나. {}.", parts.join("; "));
    let size = (LEFT + WIDTH + RIGHT, y + 12.0);
    vec![Plot::new("plot", label.clone(), size, shapes).described(description)]
}

/// A variant's dots, baseline and label from `y`; returns the row's height.
fn row(shapes: &mut Vec<Shape>, s: &Series, y: f64, max: f64) -> f64 {
    let bin_width = WIDTH / BINS as f64;
    let mut counts = [0u32; BINS + 1];
    let mut dots = Vec::new();
    for &v in &s.values {
        let bin = ((v / max * BINS as f64).floor() as usize).min(BINS);
        counts[bin] += 1;
        dots.push((LEFT + (bin as f64 + 0.5) * bin_width, counts[bin]));
    }
    let tallest = f64::from(counts.iter().copied().max().unwrap_or(1).max(1));
    let height = (tallest * 9.0).clamp(24.0, 120.0);
    let step = height / tallest;
    for (cx, n) in dots {
        let cy = y + height - (f64::from(n) - 0.5) * step;
        shapes.push(Shape::circle(cx, cy, (step / 2.0).min(4.5), "plot__dot"));
    }
    shapes.push(Shape::line((LEFT, y + height), (LEFT + WIDTH, y + height), "plot__base"));
    let at = (LEFT - 8.0, y + height - 4.0);
    shapes.push(Shape::text(at, "end", "plot__label", s.label.clone()));
    height
}

/// How often the variant's value was not zero, and its median.
fn summary(s: &Series) -> String {
    let nonzero = s.values.iter().filter(|v| **v != 0.0).count();
    let (label, total, median) = (&s.label, s.values.len(), short(s.median));
    format!("{label}: {total}번 중 {nonzero}번이 0이 아니었고 중앙값은 {median}")
}

#[cfg(test)]
mod tests {
    use super::super::{Shape, plots_of};
    use crate::content::ChartKind;
    use serde_json::json;

    #[test]
    fn a_histogram_has_a_dot_per_repetition_and_says_how_often_it_was_not_zero() {
        let plots = plots_of(
            ChartKind::Histogram,
            "metric:lost_updates",
            json!({"variants": [{"name": "unlocked", "wall_s": 1.0, "metrics_by_repeat": [
                {"lost_updates": 0}, {"lost_updates": 10}, {"lost_updates": 12}]}]}),
        );
        let dots = plots[0].shapes.iter().filter(|s| matches!(s, Shape::Circle { .. })).count();
        assert_eq!(dots, 3);
        assert!(plots[0].description.contains("3번 중 2번"), "{}", plots[0].description);
    }
}
