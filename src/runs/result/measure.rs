//! Reading a measure (`speedup:processes`, `metric:unlocked:lost_updates`…) from a result: the
//! one place predictions, class charts and exports get their numbers.

use super::{RunResult, Variant};
use crate::content::{Field, Measure};

impl Field {
    /// This field of a variant, if it has it.
    pub fn of(&self, variant: &Variant) -> Option<f64> {
        match self {
            Field::WallS => Some(variant.wall_s),
            Field::CpuS => Some(variant.cpu_s),
            Field::EffectiveCores => Some(variant.effective_cores),
            Field::Speedup => variant.speedup,
            Field::GilSpanMs => variant.gil_timeline.as_ref()?.median_span_ms,
            Field::GilWaitMs => variant.gil_timeline.as_ref().map(|g| g.wait_ms),
        }
    }
}

impl Measure {
    /// The number this measure names in `result`, if the result has it.
    pub fn eval(&self, result: &RunResult) -> Option<f64> {
        let variant = result.variant(self.variant())?;
        match self {
            Measure::Field { field, .. } => field.of(variant),
            Measure::Metric { name, .. } => variant.metrics.get(name)?.as_f64(),
            Measure::ShareNonzero { name, .. } => {
                let values = variant.metric_by_repeat(name);
                let nonzero = values.iter().filter(|v| **v != 0.0).count();
                (!values.is_empty()).then(|| nonzero as f64 / values.len() as f64)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_measure_reads_its_number() {
        let result: RunResult = serde_json::from_str(
            r#"{"variants": [
                {"name": "processes", "wall_s": 0.5, "speedup": 1.85, "metrics": {"n": 2}},
                {"name": "unlocked", "wall_s": 1.0, "metrics_by_repeat":
                    [{"lost": 3}, {"lost": 0}, {"lost": 9}, {"lost": 1}]}]}"#,
        )
        .expect("a result");
        let eval = |text: &str| Measure::parse(text).expect("measure").eval(&result);
        assert_eq!(eval("speedup:processes"), Some(1.85));
        assert_eq!(eval("wall_s:processes"), Some(0.5));
        assert_eq!(eval("metric:processes:n"), Some(2.0));
        assert_eq!(eval("share_nonzero:unlocked:lost"), Some(0.75));
        assert_eq!(eval("speedup:unlocked"), None);
        assert_eq!(eval("speedup:missing"), None);
    }
}
