//! The numbers a per-variant chart draws: for each variant, a median and every value behind it.

use crate::content::{Field, VariantLabels};
use crate::runs::result::{RunResult, Variant};
use crate::runs::stats::Spread;

/// One variant's numbers for a chart, under its label.
pub struct Series {
    pub label: String,
    pub median: f64,
    pub values: Vec<f64>,
}

/// The series of `value` (see `ChartSpec::value`) for every variant that has it.
pub fn of(value: &str, result: &RunResult, labels: &VariantLabels) -> Vec<Series> {
    result.variants.iter().filter_map(|v| series_of(value, v, labels)).collect()
}

/// A metric over the repetitions (its median and every value, lists flattened), or a field:
/// the variant's number, with the wall times of every repetition behind `wall_s`.
fn series_of(value: &str, variant: &Variant, labels: &VariantLabels) -> Option<Series> {
    let label = labels.of(&variant.name).to_owned();
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
    let field = Field::parse(value)?;
    let (median, values) = match field {
        Field::WallS => (variant.wall_s, variant.walls_s.clone()),
        Field::CpuS => (variant.cpu_s, vec![variant.cpu_s]),
        Field::EffectiveCores => (variant.effective_cores, vec![variant.effective_cores]),
        Field::Speedup => (variant.speedup?, vec![variant.speedup?]),
        Field::GilSpanMs | Field::GilWaitMs => (field.of(variant)?, vec![field.of(variant)?]),
    };
    Some(Series { label, median, values })
}

/// Every value and median of `series`, for the axis that must hold them.
pub fn values(series: &[Series]) -> impl Iterator<Item = f64> + '_ {
    series.iter().flat_map(|s| s.values.iter().copied().chain([s.median]))
}
