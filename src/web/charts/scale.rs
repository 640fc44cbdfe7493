//! Scales and axes the chart kinds share: where a value falls, and the labelled grid under it.

use super::Shape;
use crate::format::short;

/// Left margin of the per-variant plots, for the variants' labels.
pub const LEFT: f64 = 190.0;
/// Width of their drawing area.
pub const WIDTH: f64 = 540.0;
/// Right margin, for the values written after the bars.
pub const RIGHT: f64 = 90.0;
/// Bins a class histogram aims for at most.
const MAX_BINS: f64 = 16.0;

/// The top of a value axis from 0 that holds every value, with a little room.
pub fn top_of(values: impl Iterator<Item = f64>) -> f64 {
    let max = values.fold(0.0, f64::max);
    if max > 0.0 { max * 1.05 } else { 1.0 }
}

/// A vertical grid line and its value at each quarter of `0..=max`, down to `bottom`.
pub fn quarter_grid(shapes: &mut Vec<Shape>, max: f64, bottom: f64) {
    for i in 0..=4 {
        let value = max * f64::from(i) / 4.0;
        let x = LEFT + WIDTH * f64::from(i) / 4.0;
        shapes.push(Shape::line((x, 4.0), (x, bottom), "plot__grid"));
        shapes.push(Shape::text((x, bottom + 14.0), "middle", "plot__tick", short(value)));
    }
}

/// 1, 2 or 5 times a power of ten, so that `span` takes at most `MAX_BINS` steps: a step
/// people read easily.
pub fn round_step(span: f64) -> f64 {
    let raw = (span / MAX_BINS).max(1e-9);
    let power = 10f64.powi(raw.log10().floor() as i32);
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * power).find(|s| *s >= raw).unwrap_or(10.0 * power)
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
    fn the_axis_top_leaves_room_and_is_never_zero() {
        assert!((top_of([1.0, 2.0].into_iter()) - 2.1).abs() < 1e-9);
        assert_eq!(top_of(std::iter::empty()), 1.0);
    }
}
