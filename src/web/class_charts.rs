//! The class's measurements as a histogram: one value per learner, binned on a round step, drawn
//! by the template as an inline SVG with a text alternative (count, median, range).

/// Drawing area, in SVG units; the template adds margins for labels.
pub const WIDTH: f64 = 600.0;
pub const HEIGHT: f64 = 160.0;
pub const LEFT: f64 = 36.0;
pub const TOP: f64 = 12.0;
const MAX_BINS: f64 = 16.0;

pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub count: usize,
    /// `1.5–1.6`, for the bar's tooltip.
    pub range: String,
}

pub struct Histogram {
    pub title: String,
    pub bars: Vec<Bar>,
    /// Labelled positions on the value axis.
    pub ticks: Vec<(f64, String)>,
    /// Where a reference value (e.g. speedup 1×: as fast as sequential) falls, if in range.
    pub reference: Option<(f64, String)>,
    pub max_count: usize,
    pub count: usize,
    pub median: String,
    pub low: String,
    pub high: String,
    pub description: String,
}

/// 1, 2 or 5 times a power of ten: a step people read easily.
fn round_step(span: f64) -> f64 {
    let raw = (span / MAX_BINS).max(1e-9);
    let power = 10f64.powi(raw.log10().floor() as i32);
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * power).find(|s| *s >= raw).unwrap_or(10.0 * power)
}

/// `decimals` at most, without trailing zeros.
pub fn number(x: f64, decimals: usize) -> String {
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// Enough decimals to tell bins of this width apart, and at least two.
fn decimals_for(step: f64) -> usize {
    (-step.log10().floor()).clamp(2.0, 6.0) as usize
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 }
}

/// Where values go: bins of a round `step` from `start`, and their x positions.
struct Scale {
    start: f64,
    step: f64,
    bins: usize,
    digits: usize,
}

impl Scale {
    fn new(low: f64, high: f64) -> Scale {
        // Values that differ by less than a tenth of their size are one cluster, not 16 bins.
        let step = round_step((high - low).max(high.abs().max(low.abs()) * 0.1));
        let start = (low / step).floor() * step;
        let bins = (((high - start) / step).floor() as usize + 1).max(1);
        Scale { start, step, bins, digits: decimals_for(step) }
    }

    fn x(&self, value: f64) -> f64 {
        LEFT + (value - self.start) / (self.bins as f64 * self.step) * WIDTH
    }

    fn label(&self, value: f64) -> String {
        number(value, self.digits)
    }

    fn counts(&self, sorted: &[f64]) -> Vec<usize> {
        let mut counts = vec![0usize; self.bins];
        for v in sorted {
            counts[(((v - self.start) / self.step).floor() as usize).min(self.bins - 1)] += 1;
        }
        counts
    }

    fn bars(&self, counts: &[usize], max_count: usize, unit: &str) -> Vec<Bar> {
        let width = WIDTH / self.bins as f64;
        let bar = |(i, &count): (usize, &usize)| {
            let from = self.start + i as f64 * self.step;
            let height = count as f64 / max_count as f64 * HEIGHT;
            let range = format!("{}–{}{unit}", self.label(from), self.label(from + self.step));
            let (x, y, width) = (self.x(from) + 1.0, TOP + HEIGHT - height, (width - 2.0).max(1.0));
            Bar { x, y, width, height, count, range }
        };
        counts.iter().enumerate().filter(|(_, c)| **c > 0).map(bar).collect()
    }

    fn ticks(&self) -> Vec<(f64, String)> {
        let every = self.bins.div_ceil(8);
        let value = |i: usize| self.start + i as f64 * self.step;
        (0..=self.bins).step_by(every).map(|i| (self.x(value(i)), self.label(value(i)))).collect()
    }

    fn contains(&self, value: f64) -> bool {
        (self.start..=self.start + self.bins as f64 * self.step).contains(&value)
    }
}

/// The histogram of `values` (non-finite ones dropped); `None` when there is nothing to draw.
/// `reference` marks a value such as 1 for speedups.
pub fn histogram(
    title: &str,
    unit: &str,
    values: &[f64],
    reference: Option<f64>,
) -> Option<Histogram> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let (&low, &high) = (sorted.first()?, sorted.last()?);
    let scale = Scale::new(low, high);
    let counts = scale.counts(&sorted);
    let max_count = counts.iter().copied().max().unwrap_or(1).max(1);
    let reference = reference
        .filter(|r| scale.contains(*r))
        .map(|r| (scale.x(r), format!("{}{unit}", scale.label(r))));
    let (median, low, high) = (scale.label(median(&sorted)), scale.label(low), scale.label(high));
    let count = sorted.len();
    let description = format!(
        "{title}: 학생 {count}명, 중앙값 {median}{unit}, \
         가장 낮은 값 {low}{unit}, 가장 높은 값 {high}{unit}."
    );
    Some(Histogram {
        title: title.to_owned(),
        bars: scale.bars(&counts, max_count, unit),
        ticks: scale.ticks(),
        reference,
        max_count,
        count,
        median,
        low,
        high,
        description,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_fall_into_round_bins_and_the_alternative_text_states_the_spread() {
        let values = [0.95, 0.98, 1.0, 1.02, 1.81, 1.83, 1.9, f64::NAN];
        let chart = histogram("processes 속도 향상", "배", &values, Some(1.0)).expect("chart");
        assert_eq!(chart.count, 7);
        assert_eq!(chart.bars.iter().map(|b| b.count).sum::<usize>(), 7);
        assert_eq!(chart.median, "1.02");
        assert!(chart.description.contains("학생 7명"), "{}", chart.description);
        assert!(chart.reference.is_some());
        assert!(chart.bars.iter().all(|b| b.x >= LEFT && b.x + b.width <= LEFT + WIDTH + 0.001));
    }

    #[test]
    fn one_value_or_identical_values_still_draw_one_bar() {
        let chart = histogram("t", "", &[2.0, 2.0], None).expect("chart");
        assert_eq!(chart.bars.len(), 1);
        assert_eq!(chart.bars[0].count, 2);
        assert!(histogram("t", "", &[], None).is_none());
    }

    #[test]
    fn steps_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(round_step(1.6), 0.1);
        assert_eq!(round_step(3.0), 0.2);
        assert_eq!(round_step(70.0), 5.0);
    }

    #[test]
    fn close_values_are_binned_at_a_readable_step_and_labelled_with_its_digits() {
        let chart = histogram("t", "배", &[1.319, 1.344], None).expect("chart");
        assert!(chart.bars.iter().all(|b| !b.range.starts_with("1.32–1.32")), "distinct ends");
        assert_eq!(number(1.0, 2), "1");
        assert_eq!(number(0.005, 3), "0.005");
        assert_eq!(number(120.0, 2), "120");
    }
}
