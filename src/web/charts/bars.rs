//! Bars: one per variant at its median, with a whisker over the repetitions' min–max.

use super::scale::{LEFT, RIGHT, WIDTH, quarter_grid};
use super::series::{self, Series};
use super::{Chart, Plot, Shape};
use crate::format::short;
use crate::runs::stats::Spread;

const ROW: f64 = 30.0;

pub fn draw(chart: &Chart) -> Vec<Plot> {
    let series = series::of(&chart.spec.value, chart.result, chart.labels);
    if series.is_empty() {
        return Vec::new();
    }
    let label = &chart.spec.label;
    let max = series::top(&series);
    let bottom = 8.0 + series.len() as f64 * ROW;
    let mut shapes = Vec::new();
    quarter_grid(&mut shapes, max, bottom);
    for (i, s) in series.iter().enumerate() {
        row(&mut shapes, s, 8.0 + i as f64 * ROW, max);
    }
    let parts: Vec<String> =
        series.iter().map(|s| format!("{} {}", s.label, short(s.median))).collect();
    let description =
        format!("{label}: {}. 막대는 중앙값, 가는 선은 반복 중 최소–최대입니다.", parts.join(", "));
    let size = (LEFT + WIDTH + RIGHT, bottom + 22.0);
    vec![Plot::new("plot", label.clone(), size, shapes).described(description)]
}

/// A variant's label, bar, whisker (when it was measured more than once) and value, from `y`.
fn row(shapes: &mut Vec<Shape>, s: &Series, y: f64, max: f64) {
    let x = |v: f64| LEFT + v / max * WIDTH;
    shapes.push(Shape::text((LEFT - 8.0, y + 16.0), "end", "plot__label", s.label.clone()));
    shapes.push(Shape::rect(LEFT, y + 4.0, (x(s.median) - LEFT).max(1.0), 16.0, "plot__bar"));
    let spread = Spread::of(&s.values).filter(|spread| spread.count > 1);
    if let Some(Spread { min, max, .. }) = spread {
        let mid = y + 12.0;
        shapes.push(Shape::line((x(min), mid), (x(max), mid), "plot__whisker"));
        for end in [min, max] {
            shapes.push(Shape::line((x(end), mid - 6.0), (x(end), mid + 6.0), "plot__whisker"));
        }
    }
    let end = x(s.values.iter().copied().fold(s.median, f64::max));
    shapes.push(Shape::text((end + 6.0, y + 16.0), "start", "plot__value", short(s.median)));
}

#[cfg(test)]
mod tests {
    use super::super::plots_of;
    use crate::content::ChartKind;
    use serde_json::json;

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
        assert!(plot.description.contains("순차 (sequential) 1.00"), "{}", plot.description);
        assert!(plot.description.contains("processes 0.50"), "unlabelled variants keep their name");
    }
}
