//! A class's measurements of one measure as a histogram: one value per learner, binned on a
//! round step, with the count, median and range in words and the bins as a table.

use super::scale::{decimals_for, round_step};
use super::{Plot, Shape, Table};
use crate::format::decimals;
use crate::runs::stats::Spread;

/// Drawing area, in SVG units, inside margins for the labels.
const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 160.0;
const LEFT: f64 = 36.0;
const TOP: f64 = 12.0;

/// Where values go: bins of a round `step` from `start`, and their x positions.
struct Bins {
    start: f64,
    step: f64,
    count: usize,
    digits: usize,
}

impl Bins {
    fn new(low: f64, high: f64) -> Bins {
        // Values that differ by less than a tenth of their size are one cluster, not 16 bins.
        let step = round_step((high - low).max(high.abs().max(low.abs()) * 0.1));
        let start = (low / step).floor() * step;
        let count = (((high - start) / step).floor() as usize + 1).max(1);
        Bins { start, step, count, digits: decimals_for(step) }
    }

    fn x(&self, value: f64) -> f64 {
        LEFT + (value - self.start) / (self.count as f64 * self.step) * WIDTH
    }

    fn label(&self, value: f64) -> String {
        decimals(value, self.digits)
    }

    fn from(&self, bin: usize) -> f64 {
        self.start + bin as f64 * self.step
    }

    fn counts(&self, values: &[f64]) -> Vec<usize> {
        let mut counts = vec![0usize; self.count];
        for v in values {
            counts[(((v - self.start) / self.step).floor() as usize).min(self.count - 1)] += 1;
        }
        counts
    }

    fn contains(&self, value: f64) -> bool {
        (self.start..=self.from(self.count)).contains(&value)
    }
}

/// A bar per bin that holds a value, its range and count as a tooltip; returns the table rows.
fn bars(shapes: &mut Vec<Shape>, bins: &Bins, counts: &[usize], unit: &str) -> Vec<Vec<String>> {
    let tallest = counts.iter().copied().max().unwrap_or(1).max(1);
    let width = (WIDTH / bins.count as f64 - 2.0).max(1.0);
    let mut rows = Vec::new();
    for (i, &count) in counts.iter().enumerate().filter(|(_, c)| **c > 0) {
        let range = format!("{}–{}{unit}", bins.label(bins.from(i)), bins.label(bins.from(i + 1)));
        let height = count as f64 / tallest as f64 * HEIGHT;
        let (x, y) = (bins.x(bins.from(i)) + 1.0, TOP + HEIGHT - height);
        let bar = Shape::rect(x, y, width, height, "hist__bar");
        shapes.push(bar.with_tooltip(format!("{range}: {count}명")));
        rows.push(vec![range, count.to_string()]);
    }
    rows
}

/// A value marked with a dashed line, and the words that name it in the summary.
pub struct Mark {
    pub value: f64,
    /// After the value in the summary: `(순차 실행과 같은 속도)`.
    pub words: String,
    /// Whether the bins grow to hold the mark (a measurement), or it is drawn only when it
    /// falls inside them (a reference such as speedup 1×).
    pub widen: bool,
    pub class: &'static str,
}

/// The histogram of `values` (non-finite ones dropped); `None` when there is nothing to draw.
/// `reference` marks a value such as 1 for speedups (as fast as sequential).
pub fn draw(title: &str, unit: &str, values: &[f64], reference: Option<f64>) -> Option<Plot> {
    let mark = reference.map(|value| Mark {
        value,
        words: "(순차 실행과 같은 속도)".to_owned(),
        widen: false,
        class: "hist__ref",
    });
    draw_marked(title, unit, values, mark)
}

/// The histogram of `values` with `mark` drawn across it.
pub fn draw_marked(title: &str, unit: &str, values: &[f64], mark: Option<Mark>) -> Option<Plot> {
    let values: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let spread = Spread::of(&values)?;
    let mark = mark.filter(|m| m.value.is_finite());
    let (low, high) = match &mark {
        Some(m) if m.widen => (spread.min.min(m.value), spread.max.max(m.value)),
        _ => (spread.min, spread.max),
    };
    let bins = Bins::new(low, high);
    let counts = bins.counts(&values);
    let tallest = counts.iter().copied().max().unwrap_or(1).max(1);
    let bottom = TOP + HEIGHT;
    let count_label = format!("{tallest}명");
    let mut shapes = vec![Shape::text(
        (LEFT - 6.0, TOP + 4.0),
        "end",
        "hist__tick hist__tick--count",
        count_label,
    )];
    let rows = bars(&mut shapes, &bins, &counts, unit);
    shapes.push(Shape::line((LEFT, bottom), (LEFT + WIDTH, bottom), "hist__axis"));
    let every = bins.count.div_ceil(8);
    for i in (0..=bins.count).step_by(every) {
        let at = (bins.x(bins.from(i)), bottom + 16.0);
        shapes.push(Shape::text(at, "middle", "hist__tick", bins.label(bins.from(i))));
    }
    let (count, median) = (spread.count, bins.label(spread.median));
    let (low, high) = (bins.label(spread.min), bins.label(spread.max));
    let description = format!(
        "{title}: 학생 {count}명, 중앙값 {median}{unit}, \
         가장 낮은 값 {low}{unit}, 가장 높은 값 {high}{unit}."
    );
    let mut summary = description.clone();
    if let Some(m) = mark.filter(|m| bins.contains(m.value)) {
        let x = bins.x(m.value);
        shapes.push(Shape::line((x, TOP - 4.0), (x, bottom), m.class));
        let value = bins.label(m.value);
        summary.push_str(&format!(" 세로 점선은 {value}{unit}{}입니다.", m.words));
    }
    let size = (LEFT + WIDTH + 16.0, bottom + 28.0);
    let plot = Plot::new("hist", title.to_owned(), size, shapes).described(description);
    let table = Table { head: vec!["구간".into(), "학생 수".into()], rows };
    Some(Plot { summary: Some(summary), table: Some(table), ..plot })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars(plot: &Plot) -> Vec<(f64, f64)> {
        let rects = plot.shapes.iter().filter_map(|s| match s {
            Shape::Rect { x, w, .. } => Some((x.0, w.0)),
            _ => None,
        });
        rects.collect()
    }

    #[test]
    fn values_fall_into_round_bins_and_the_alternative_text_states_the_spread() {
        let values = [0.95, 0.98, 1.0, 1.02, 1.81, 1.83, 1.9, f64::NAN];
        let chart = draw("processes 속도 향상", "배", &values, Some(1.0)).expect("chart");
        let table = chart.table.as_ref().expect("a table");
        let counted: usize = table.rows.iter().map(|r| r[1].parse::<usize>().expect("n")).sum();
        assert_eq!(counted, 7);
        assert!(chart.description.contains("학생 7명, 중앙값 1.02배"), "{}", chart.description);
        assert!(chart.shapes.iter().any(|s| s.class() == "hist__ref"), "the reference line");
        assert!(chart.summary.as_deref().is_some_and(|s| s.contains("세로 점선은 1배")));
        let inside = |(x, w): (f64, f64)| x >= LEFT && x + w <= LEFT + WIDTH + 0.001;
        assert!(bars(&chart).into_iter().all(inside));
    }

    #[test]
    fn one_value_or_identical_values_still_draw_one_bar() {
        let chart = draw("t", "", &[2.0, 2.0], None).expect("chart");
        assert_eq!(bars(&chart).len(), 1);
        assert_eq!(chart.table.as_ref().expect("a table").rows[0][1], "2");
        assert!(draw("t", "", &[], None).is_none());
    }

    #[test]
    fn a_measurement_outside_the_predictions_widens_the_bins_to_show_it() {
        let mark =
            Mark { value: 1.9, words: "(잰 값)".into(), widen: true, class: "hist__measured" };
        let chart = draw_marked("예측", "배", &[4.0, 4.0, 8.0], Some(mark)).expect("chart");
        assert!(chart.shapes.iter().any(|s| s.class() == "hist__measured"), "the mark is drawn");
        assert!(chart.summary.as_deref().is_some_and(|s| s.contains("세로 점선은 1.9배(잰 값)")));
        assert!(chart.description.contains("학생 3명"), "{}", chart.description);
    }

    #[test]
    fn close_values_are_binned_at_a_readable_step_and_labelled_with_its_digits() {
        let chart = draw("t", "배", &[1.319, 1.344], None).expect("chart");
        let table = chart.table.as_ref().expect("a table");
        assert!(table.rows.iter().all(|r| !r[0].starts_with("1.32–1.32")), "distinct ends");
        assert_eq!(decimals(1.0, 2), "1");
        assert_eq!(decimals(0.005, 3), "0.005");
        assert_eq!(decimals(120.0, 2), "120");
    }
}
