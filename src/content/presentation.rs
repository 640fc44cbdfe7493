//! How an experiment's result is drawn and predicted, as `experiment.toml` declares it:
//! `[[charts]]`, `[prediction]` and what the program needs (`needs`).
//!
//! A *measure* names one number in a result, so predictions and charts need no special cases:
//! - `wall_s:<variant>`, `cpu_s:<variant>`, `effective_cores:<variant>`, `speedup:<variant>`
//!   — the variant's median;
//! - `metric:<variant>:<name>` — the named metric of the variant's median repetition;
//! - `share_nonzero:<variant>:<name>` — the share (0–1) of the variant's repetitions in which
//!   the metric was not zero (e.g. "how often were updates lost?").

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChartKind {
    /// Per-worker spans of each variant, on one time scale.
    Timeline,
    /// One bar per variant (its median) with a min–max whisker over repetitions.
    Bars,
    /// Values over repetitions, per variant (e.g. lost updates in 20 repetitions).
    Histogram,
    /// A list-valued metric per variant (e.g. latencies), as percentiles and a strip.
    Distribution,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartSpec {
    pub kind: ChartKind,
    /// `wall_s`, `cpu_s`, `effective_cores`, `speedup` or `metric:<name>`; unused by timelines.
    #[serde(default)]
    pub value: String,
    /// Korean axis label, with the unit.
    #[serde(default)]
    pub label: String,
    /// Histograms: what a repetition whose value is not zero is called, in "20회 중 20회 잃음"
    /// (`잃음`); "0이 아님" without it.
    #[serde(default)]
    pub nonzero: Option<String>,
    /// Bars: `log` where the variants differ a thousandfold (sharing-cost's µs per operation),
    /// so that the smallest is not lost at zero; linear from 0 without it.
    #[serde(default)]
    pub scale: Option<Scale>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    Linear,
    Log,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PredictionKind {
    Number,
    Choice,
}

/// A choice is right when the measured value is at most `max` (choices are tried in order).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PredictionChoice {
    pub label: String,
    pub max: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PredictionSpec {
    pub kind: PredictionKind,
    /// The Korean question asked before the run.
    pub prompt: String,
    /// The measure the prediction is judged against (see the module documentation).
    pub measure: Measure,
    #[serde(default)]
    pub unit: String,
    /// Number kind: bounds of the input, and the relative error still counted as right.
    pub min: Option<f64>,
    pub max: Option<f64>,
    #[serde(default = "default_tolerance")]
    pub tolerance: f64,
    #[serde(default)]
    pub choices: Vec<PredictionChoice>,
}

fn default_tolerance() -> f64 {
    0.2
}

/// A parsed measure (`Measure::eval` in `runs::result` reads it from a result).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum Measure {
    Field { field: Field, variant: String },
    Metric { variant: String, name: String },
    ShareNonzero { variant: String, name: String },
}

/// The numbers every variant of a result has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    WallS,
    CpuS,
    EffectiveCores,
    Speedup,
    /// The GIL timeline's median span: how long a thread held the GIL before it passed on (ms).
    GilSpanMs,
    /// The GIL timeline's time spent waiting for the GIL, all threads together (ms).
    GilWaitMs,
}

impl Field {
    pub fn parse(text: &str) -> Option<Field> {
        Some(match text {
            "wall_s" => Field::WallS,
            "cpu_s" => Field::CpuS,
            "effective_cores" => Field::EffectiveCores,
            "speedup" => Field::Speedup,
            "gil_span_ms" => Field::GilSpanMs,
            "gil_wait_ms" => Field::GilWaitMs,
            _ => return None,
        })
    }
}

impl TryFrom<String> for Measure {
    type Error = String;

    fn try_from(text: String) -> Result<Measure, String> {
        Measure::parse(&text)
    }
}

impl Measure {
    pub fn parse(text: &str) -> Result<Measure, String> {
        let usage = || {
            format!(
                "measure `{text}`: use field:variant, metric:variant:name or share_nonzero:variant:name"
            )
        };
        let parts: Vec<&str> = text.split(':').collect();
        let measure = match parts.as_slice() {
            [field, variant] => Measure::Field {
                field: Field::parse(field).ok_or_else(usage)?,
                variant: (*variant).to_owned(),
            },
            ["metric", variant, name] => {
                Measure::Metric { variant: (*variant).to_owned(), name: (*name).to_owned() }
            }
            ["share_nonzero", variant, name] => {
                Measure::ShareNonzero { variant: (*variant).to_owned(), name: (*name).to_owned() }
            }
            _ => return Err(usage()),
        };
        Ok(measure)
    }

    pub fn variant(&self) -> &str {
        match self {
            Measure::Field { variant, .. }
            | Measure::Metric { variant, .. }
            | Measure::ShareNonzero { variant, .. } => variant,
        }
    }
}

impl PredictionSpec {
    pub fn check(&self, variants: &[String]) -> Result<(), String> {
        let measure = &self.measure;
        if !variants.iter().any(|v| v == measure.variant()) {
            return Err(format!(
                "prediction measure names unknown variant `{}`",
                measure.variant()
            ));
        }
        match self.kind {
            PredictionKind::Number if self.min.is_none() || self.max.is_none() => {
                Err("a number prediction needs `min` and `max`".to_owned())
            }
            PredictionKind::Choice if self.choices.len() < 2 => {
                Err("a choice prediction needs at least two `choices`".to_owned())
            }
            _ => Ok(()),
        }
    }
}

impl ChartSpec {
    pub fn check(&self) -> Result<(), String> {
        let value_ok = Field::parse(&self.value).is_some()
            || self.value.strip_prefix("metric:").is_some_and(|name| !name.is_empty());
        if self.nonzero.as_ref().is_some_and(|w| w.trim().is_empty()) {
            return Err("chart `nonzero`: say what a repetition above zero is called".to_owned());
        }
        if self.scale == Some(Scale::Log) && self.kind != ChartKind::Bars {
            return Err("chart `scale = \"log\"` is for bars only".to_owned());
        }
        match self.kind {
            ChartKind::Timeline => Ok(()),
            _ if value_ok => Ok(()),
            _ => Err(format!(
                "chart value `{}`: use wall_s, cpu_s, effective_cores, speedup, gil_span_ms, \
                 gil_wait_ms or metric:<name>",
                self.value
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_parse_in_their_three_forms_and_nothing_else() {
        assert_eq!(
            Measure::parse("speedup:processes"),
            Ok(Measure::Field { field: Field::Speedup, variant: "processes".into() })
        );
        assert!(Measure::parse("metric:unlocked:lost_updates").is_ok());
        assert!(Measure::parse("share_nonzero:unlocked:lost_updates").is_ok());
        assert!(Measure::parse("speed:processes").is_err());
        assert!(Measure::parse("speedup").is_err());
    }
}
