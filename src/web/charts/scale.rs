//! Scales and axes the chart kinds share: a value axis from 0 with round ticks, where a value
//! falls across the width, and the labelled grid under it.
//!
//! Across the width everything is a share of the chart's own width (see [`Across`]), so a
//! chart re-flows on a phone instead of shrinking its text.

use super::{Across, Shape};
use crate::format::{decimals, grouped};

/// Bins a class histogram aims for at most.
const MAX_BINS: f64 = 16.0;
/// Steps a value axis aims for at most: four or five labels fit a phone's width.
const MAX_TICKS: f64 = 4.0;

/// A value axis from 0 to `top`, labelled every `step` (1, 2 or 5 times a power of ten); or,
/// with `log`, from one power of ten to another, labelled at each.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Axis {
    pub top: f64,
    pub step: f64,
    /// The powers of ten a log axis runs between (`-2, 2`: 0.01 to 100).
    pub log: Option<(i32, i32)>,
}

impl Axis {
    /// The axis that holds `max` and reaches at least `floor` (e.g. the run's cores, so that
    /// 0.18 cores is not a full bar); 0 to 1 when there is nothing above 0.
    pub fn new(max: f64, floor: f64) -> Axis {
        let reach = if max.is_finite() { max.max(floor) } else { floor };
        if reach <= 0.0 {
            return Axis { top: 1.0, step: 0.5, log: None };
        }
        let step = step_for(reach / MAX_TICKS);
        // A hair of tolerance, so that 2.0000000001 cores does not add a whole step.
        let top = ((reach / step) - 1e-9).ceil().max(1.0) * step;
        Axis { top, step, log: None }
    }

    /// A log axis over the positive `values`, from the power of ten at or below the smallest to
    /// the one at or above the largest: values that differ a thousandfold (0.02 µs beside 47 µs)
    /// all show. At least one decade; a linear axis where no value is above 0.
    pub fn log_over(values: impl Iterator<Item = f64>) -> Axis {
        let positive: Vec<f64> = values.filter(|v| v.is_finite() && *v > 0.0).collect();
        let (low, high) =
            positive.iter().fold((f64::MAX, 0.0f64), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        if positive.is_empty() {
            return Axis::new(0.0, 0.0);
        }
        let low = (low.log10() + 1e-9).floor() as i32;
        let high = ((high.log10() - 1e-9).ceil() as i32).max(low + 1);
        Axis { top: 10f64.powi(high), step: 10.0, log: Some((low, high)) }
    }

    /// How the axis runs, for a chart's text alternative: `0부터 2까지`.
    pub fn range_words(&self) -> String {
        match self.log {
            Some((low, _)) => {
                format!(
                    "로그 눈금으로 {}부터 {}까지",
                    self.label(10f64.powi(low)),
                    self.label(self.top)
                )
            }
            None => format!("0부터 {}까지", self.label(self.top)),
        }
    }

    /// The same axis stepping by whole numbers at least: counts (lost updates) have no halves.
    pub fn whole(self) -> Axis {
        if self.step >= 1.0 || self.log.is_some() {
            return self;
        }
        Axis { top: self.top.ceil(), step: 1.0, log: None }
    }

    /// The axis over every value in `values`, reaching at least `floor`.
    pub fn over(values: impl Iterator<Item = f64>, floor: f64) -> Axis {
        Axis::new(values.filter(|v| v.is_finite()).fold(0.0, f64::max), floor)
    }

    /// Where `value` falls, from 0 (the axis's start) to 1 (its top); clamped to the axis.
    pub fn share(&self, value: f64) -> f64 {
        match self.log {
            Some((low, high)) if value > 0.0 => {
                ((value.log10() - f64::from(low)) / f64::from(high - low)).clamp(0.0, 1.0)
            }
            Some(_) => 0.0,
            None => (value / self.top).clamp(0.0, 1.0),
        }
    }

    /// The tick values, from the axis's start to its top.
    pub fn ticks(&self) -> Vec<f64> {
        if let Some((low, high)) = self.log {
            return (low..=high).map(|e| 10f64.powi(e)).collect();
        }
        let count = (self.top / self.step).round() as usize;
        (0..=count).map(|i| i as f64 * self.step).collect()
    }

    /// A tick's label: thousands grouped, as many decimals as the step needs.
    pub fn label(&self, value: f64) -> String {
        if self.log.is_some() {
            return crate::format::significant(value);
        }
        if self.step >= 1.0 {
            grouped(value.round())
        } else {
            decimals(value, decimals_for(self.step).min(6))
        }
    }

    /// A grid line and label at each tick, the axis spread over `from..to` of the width, the
    /// lines from `top` down to `bottom` and the labels under them. The first label starts at
    /// its tick and the last one ends at it, so neither is cut off at the chart's edge.
    pub fn grid(&self, shapes: &mut Vec<Shape>, span: (f64, f64), top: f64, bottom: f64) {
        self.grid_in(shapes, span, (top, bottom), "");
    }

    /// [`Axis::grid`] with `unit` after the last label (`1.5초`).
    pub fn grid_in(
        &self,
        shapes: &mut Vec<Shape>,
        (from, to): (f64, f64),
        (top, bottom): (f64, f64),
        unit: &str,
    ) {
        let ticks = self.ticks();
        let last = ticks.len().saturating_sub(1);
        for (i, value) in ticks.into_iter().enumerate() {
            let x = from + self.share(value) * (to - from);
            shapes.push(Shape::line((Across(x), top), (Across(x), bottom), "plot__grid"));
            // Only a label at the chart's very edge is anchored inwards; one inside (the bars
            // leave room for their values) centres on its line like the rest.
            let anchor = match i {
                0 if from <= 0.001 => "start",
                i if i == last && to >= 0.999 => "end",
                _ => "middle",
            };
            let at = (Across(x), bottom + 14.0);
            let unit = if i == last { unit } else { "" };
            shapes.push(Shape::text(
                at,
                anchor,
                "plot__tick",
                format!("{}{unit}", self.label(value)),
            ));
        }
    }
}

/// 1, 2 or 5 times a power of ten, the smallest such at least `raw`.
pub fn step_for(raw: f64) -> f64 {
    let raw = raw.max(1e-9);
    let power = 10f64.powi(raw.log10().floor() as i32);
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * power)
}

/// A round step so that `span` takes at most `MAX_BINS` steps: a bin width people read easily.
pub fn round_step(span: f64) -> f64 {
    step_for(span / MAX_BINS)
}

/// Enough decimals to tell steps of this size apart, and at least two.
pub fn decimals_for(step: f64) -> usize {
    (-step.log10().floor()).clamp(2.0, 6.0) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(round_step(1.6), 0.1);
        assert_eq!(round_step(3.0), 0.2);
        assert_eq!(round_step(70.0), 5.0);
        assert_eq!((decimals_for(0.1), decimals_for(0.005)), (2, 3));
    }

    #[test]
    fn ticks_are_round_numbers_not_quarters_of_the_largest_value() {
        // The races chart's unlocked losses: quarters of 53 450 × 1.05 were 14 031, 28 061…
        let axis = Axis::new(53_450.0, 0.0);
        assert_eq!((axis.top, axis.step), (60_000.0, 20_000.0));
        let labels: Vec<String> = axis.ticks().into_iter().map(|t| axis.label(t)).collect();
        assert_eq!(labels, ["0", "20,000", "40,000", "60,000"]);
        let small = Axis::new(0.0123, 0.0);
        assert_eq!(small.step, 0.005);
        let labels: Vec<String> = small.ticks().into_iter().map(|t| small.label(t)).collect();
        assert_eq!(labels, ["0", "0.005", "0.01", "0.015"]);
        assert_eq!(Axis::new(131.0, 0.0).top, 150.0);
        let two = Axis::new(2.0, 0.0);
        assert_eq!((two.top, two.step), (2.0, 0.5), "a round maximum is the top");
    }

    #[test]
    fn an_axis_reaches_its_floor_so_small_values_look_small() {
        let cores = Axis::new(0.18, 2.0);
        assert_eq!(cores.top, 2.0);
        assert!((cores.share(0.18) - 0.09).abs() < 1e-9, "0.18 of 2 cores is under a tenth");
        assert_eq!(Axis::new(3.4, 2.0).top, 4.0, "a value past the floor still fits");
    }

    #[test]
    fn a_log_axis_spans_whole_decades_so_a_thousandfold_smaller_value_shows() {
        let axis = Axis::log_over([0.0196, 0.7, 46.9, 0.0].into_iter());
        assert_eq!(axis.log, Some((-2, 2)));
        let labels: Vec<String> = axis.ticks().into_iter().map(|t| axis.label(t)).collect();
        assert_eq!(labels, ["0.01", "0.1", "1", "10", "100"]);
        assert!(axis.share(0.0196) > 0.05, "the smallest is not lost at the axis's start");
        assert!((axis.share(1.0) - 0.5).abs() < 1e-9);
        assert_eq!(axis.range_words(), "로그 눈금으로 0.01부터 100까지");
        assert_eq!(Axis::log_over([10.0].into_iter()).log, Some((1, 2)), "one decade at least");
        assert_eq!(Axis::log_over([0.0].into_iter()).log, None);
    }

    #[test]
    fn an_empty_or_zero_axis_still_runs_from_zero_to_one() {
        assert_eq!(Axis::new(0.0, 0.0).top, 1.0);
        assert_eq!(Axis::over(std::iter::empty(), 0.0).top, 1.0);
        assert_eq!(Axis::new(0.0, 0.0).whole().ticks(), [0.0, 1.0], "no half a count");
        assert_eq!(Axis::over([f64::NAN, 3.4].into_iter(), 0.0).top, 4.0);
    }
}
