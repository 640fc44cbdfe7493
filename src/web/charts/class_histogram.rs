//! A class's measurements of one measure as a histogram: one value per learner, binned on a
//! round step, with the count, median and range in words and the bins as a table. One
//! learner's value is no distribution: it is written out, not drawn.

use super::scale::{decimals_for, round_step};
use super::{Across, Plot, Shape, Table};
use crate::format::decimals;
use crate::runs::stats::Spread;

/// Height of the bars' area, in pixels, under a line that says what the tallest bar counts.
const HEIGHT: f64 = 140.0;
const TOP: f64 = 22.0;

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

    /// Where `value` falls across the width.
    fn x(&self, value: f64) -> f64 {
        (value - self.start) / (self.count as f64 * self.step)
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
    // A sliver of a gap between neighbours.
    let width = Across((1.0 / bins.count as f64) * 0.96);
    let mut rows = Vec::new();
    for (i, &count) in counts.iter().enumerate().filter(|(_, c)| **c > 0) {
        let range = format!("{}–{}{unit}", bins.label(bins.from(i)), bins.label(bins.from(i + 1)));
        let height = count as f64 / tallest as f64 * HEIGHT;
        let (x, y) =
            (Across(bins.x(bins.from(i)) + 0.02 / bins.count as f64), TOP + HEIGHT - height);
        let bar = Shape::rect(x, y, width, height, "hist__bar");
        shapes.push(bar.with_tooltip(format!("{range}: {count}명")));
        rows.push(vec![range, count.to_string()]);
    }
    rows
}

/// Labels under the bins at round values (1-2-5 steps, at most about five: they must fit a
/// phone's width), wherever those fall; a label at an edge is anchored inwards so that it is
/// not cut off.
fn ticks(shapes: &mut Vec<Shape>, bins: &Bins, y: f64) {
    let end = bins.from(bins.count);
    let step = super::scale::step_for((end - bins.start) / 5.0).max(bins.step);
    let digits = decimals_for(step);
    let first = (bins.start / step - 1e-9).ceil() as i64;
    let last = (end / step + 1e-9).floor() as i64;
    for k in first..=last {
        let value = k as f64 * step;
        let x = bins.x(value);
        let anchor = match x {
            x if x < 0.03 => "start",
            x if x > 0.97 => "end",
            _ => "middle",
        };
        shapes.push(Shape::text((Across(x), y), anchor, "hist__tick", decimals(value, digits)));
    }
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
    draw_marked(title, unit, values, mark, "결과")
}

/// The histogram of `values` with `mark` drawn across it; `noun` names one value where there is
/// only one ("한 명의 결과", "한 명의 예측").
pub fn draw_marked(
    title: &str,
    unit: &str,
    values: &[f64],
    mark: Option<Mark>,
    noun: &str,
) -> Option<Plot> {
    let values: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let spread = Spread::of(&values)?;
    if spread.count == 1 {
        return Some(one_learner(title, unit, spread.median, noun));
    }
    let mark = mark.filter(|m| m.value.is_finite());
    let (low, high) = match &mark {
        Some(m) if m.widen => (spread.min.min(m.value), spread.max.max(m.value)),
        _ => (spread.min, spread.max),
    };
    let bins = Bins::new(low, high);
    let counts = bins.counts(&values);
    let tallest = counts.iter().copied().max().unwrap_or(1).max(1);
    let bottom = TOP + HEIGHT;
    let count_label = format!("가장 높은 막대: 학생 {tallest}명");
    let mut shapes = vec![Shape::text(
        (Across(0.0), TOP - 8.0),
        "start",
        "hist__tick hist__tick--count",
        count_label,
    )];
    let rows = bars(&mut shapes, &bins, &counts, unit);
    shapes.push(Shape::line((Across(0.0), bottom), (Across(1.0), bottom), "hist__axis"));
    ticks(&mut shapes, &bins, bottom + 16.0);
    let (count, median) = (spread.count, bins.label(spread.median));
    let (low, high) = (bins.label(spread.min), bins.label(spread.max));
    let description = format!(
        "{title}: 학생 {count}명, 중앙값 {median}{unit}, \
         가장 낮은 값 {low}{unit}, 가장 높은 값 {high}{unit}."
    );
    let mut summary = description.clone();
    if let Some(m) = mark.filter(|m| bins.contains(m.value)) {
        let x = Across(bins.x(m.value));
        shapes.push(Shape::line((x, TOP - 2.0), (x, bottom), m.class));
        let value = bins.label(m.value);
        summary.push_str(&format!(" 세로 점선은 {value}{unit}{}입니다.", m.words));
    }
    let plot = Plot::new("hist", title.to_owned(), bottom + 24.0, shapes).described(description);
    let table = Table { head: vec!["구간".into(), "학생 수".into()], rows };
    Some(Plot { summary: Some(summary), table: Some(table), ..plot })
}

/// One learner's value, in words: a single bar would pass for a class that all agrees.
fn one_learner(title: &str, unit: &str, value: f64, noun: &str) -> Plot {
    let value = crate::format::short(value);
    let more = crate::format::subject(noun);
    let words = format!(
        "{title}: 한 명의 {noun} — {value}{unit}. 두 명 이상의 {more} 모이면 분포로 그립니다."
    );
    let plot = Plot::new("hist", title.to_owned(), 0.0, Vec::new()).described(words.clone());
    Plot { summary: Some(words), ..plot }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars(plot: &Plot) -> Vec<(f64, f64)> {
        let rects = plot.shapes.iter().filter_map(|s| match s {
            Shape::Rect { x: Across(x), w: Across(w), .. } => Some((*x, *w)),
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
        let inside = |(x, w): (f64, f64)| x >= 0.0 && x + w <= 1.0 + 1e-9;
        assert!(bars(&chart).into_iter().all(inside));
    }

    #[test]
    fn identical_values_still_draw_one_bar() {
        let chart = draw("t", "", &[2.0, 2.0], None).expect("chart");
        assert_eq!(bars(&chart).len(), 1);
        assert_eq!(chart.table.as_ref().expect("a table").rows[0][1], "2");
        assert!(draw("t", "", &[], None).is_none());
    }

    #[test]
    fn one_learners_value_is_written_out_not_drawn_as_a_distribution() {
        let chart = draw("processes 속도 향상", "배", &[1.8234], Some(1.0)).expect("words");
        assert!(chart.shapes.is_empty(), "no bar for a class of one");
        assert!(chart.table.is_none());
        let summary = chart.summary.as_deref().unwrap_or_default();
        assert!(summary.contains("한 명의 결과 — 1.82배"), "{summary}");
    }

    #[test]
    fn a_measurement_outside_the_predictions_widens_the_bins_to_show_it() {
        let mark =
            Mark { value: 1.9, words: "(잰 값)".into(), widen: true, class: "hist__measured" };
        let chart = draw_marked("예측", "배", &[4.0, 4.0, 8.0], Some(mark), "예측").expect("chart");
        assert!(chart.shapes.iter().any(|s| s.class() == "hist__measured"), "the mark is drawn");
        assert!(chart.summary.as_deref().is_some_and(|s| s.contains("세로 점선은 1.9배(잰 값)")));
        assert!(chart.description.contains("학생 3명"), "{}", chart.description);
    }

    #[test]
    fn axis_labels_are_round_numbers_whatever_the_bins() {
        let chart = draw("반의 예측", "배", &[0.84, 1.8, 3.0, 4.0], None).expect("chart");
        let labels: Vec<&str> = chart
            .shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Text { class, text, .. } if class == "hist__tick" => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(labels, ["1", "2", "3", "4"], "not 0.8, 1.4, 2, 2.6…");
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
