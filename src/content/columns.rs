//! The columns of an experiment's results table, as `experiment.toml` declares them in
//! `[[columns]]`: the numbers that carry its point, in the order that matters (a phone shows
//! the first ones first). Without a declaration: speedup and effective cores, then the times.

use serde::Deserialize;

use super::experiment::VariantLabels;
use super::presentation::Field;

/// At most this many columns: more would not fit a phone's row of cards, nor a reader's eye.
const MAX_COLUMNS: usize = 6;

/// What a column shows for each variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnValue {
    Field(Field),
    /// The repetitions' wall times, from the shortest to the longest.
    WallRange,
    /// A named metric: its median over the repetitions.
    Metric(String),
    /// In how many repetitions a named metric was not zero: `20회 중 20회`.
    Nonzero(String),
}

impl ColumnValue {
    pub fn parse(text: &str) -> Result<ColumnValue, String> {
        if let Some(field) = Field::parse(text) {
            return Ok(ColumnValue::Field(field));
        }
        let name = |prefix: &str| {
            text.strip_prefix(prefix)
                .filter(|n| !n.is_empty() && !n.contains(':'))
                .map(str::to_owned)
        };
        if text == "wall_range" {
            Ok(ColumnValue::WallRange)
        } else if let Some(name) = name("metric:") {
            Ok(ColumnValue::Metric(name))
        } else if let Some(name) = name("nonzero:") {
            Ok(ColumnValue::Nonzero(name))
        } else {
            Err(format!(
                "column `{text}`: use speedup, effective_cores, wall_s, wall_range, cpu_s, \
                 gil_span_ms, gil_wait_ms, metric:<name> or nonzero:<name>"
            ))
        }
    }

    /// The heading a field's column has unless the experiment names it otherwise.
    fn default_label(&self) -> Option<&'static str> {
        Some(match self {
            ColumnValue::Field(Field::Speedup) => "속도 향상",
            ColumnValue::Field(Field::EffectiveCores) => "유효 코어 수",
            ColumnValue::Field(Field::WallS) => "벽시계 시간",
            ColumnValue::Field(Field::CpuS) => "CPU 시간",
            ColumnValue::Field(Field::GilSpanMs) => "GIL을 한 번 쥔 시간 (중앙값)",
            ColumnValue::Field(Field::GilWaitMs) => "GIL을 기다린 시간",
            ColumnValue::WallRange => "범위 (최소–최대)",
            ColumnValue::Metric(_) | ColumnValue::Nonzero(_) => return None,
        })
    }
}

/// `[[columns]]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// `speedup`, `effective_cores`, `wall_s`, `wall_range`, `cpu_s`, `metric:<name>` (its
    /// median over the repetitions) or `nonzero:<name>` (how many repetitions it was not 0).
    pub value: String,
    /// The heading; a field has its own, a metric takes its `[metric_labels]` entry.
    #[serde(default)]
    pub label: Option<String>,
    /// Written after a metric's numbers (`µs`); fields format their own units.
    #[serde(default)]
    pub unit: String,
}

/// A column, parsed and named.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub value: ColumnValue,
    pub label: String,
    pub unit: String,
}

/// The columns when an experiment declares none: what speaks to the GIL first.
pub fn default_columns() -> Vec<Column> {
    ["speedup", "effective_cores", "wall_s", "wall_range", "cpu_s"]
        .into_iter()
        .map(|value| {
            let value = ColumnValue::parse(value).expect("a known field");
            let label = value.default_label().unwrap_or_default().to_owned();
            Column { value, label, unit: String::new() }
        })
        .collect()
}

/// The declared columns, checked: known values, each once, each with a heading, at most
/// [`MAX_COLUMNS`]; the defaults when none are declared.
pub fn resolve(specs: &[ColumnSpec], metric_labels: &VariantLabels) -> Result<Vec<Column>, String> {
    if specs.is_empty() {
        return Ok(default_columns());
    }
    if specs.len() > MAX_COLUMNS {
        return Err(format!("at most {MAX_COLUMNS} `[[columns]]`, not {}", specs.len()));
    }
    let mut columns: Vec<Column> = Vec::new();
    for spec in specs {
        let value = ColumnValue::parse(&spec.value)?;
        if columns.iter().any(|c| c.value == value) {
            return Err(format!("column `{}` is declared twice", spec.value));
        }
        let label = match (&spec.label, &value) {
            (Some(label), _) => label.trim().to_owned(),
            (None, ColumnValue::Metric(name)) => metric_labels.named(name).unwrap_or_default(),
            (None, ColumnValue::Nonzero(_)) => String::new(),
            (None, field) => field.default_label().unwrap_or_default().to_owned(),
        };
        if label.is_empty() {
            return Err(format!(
                "column `{}` needs a `label` (or a `[metric_labels]` entry)",
                spec.value
            ));
        }
        columns.push(Column { value, label, unit: spec.unit.clone() });
    }
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(value: &str, label: Option<&str>) -> ColumnSpec {
        ColumnSpec { value: value.into(), label: label.map(Into::into), unit: String::new() }
    }

    #[test]
    fn without_columns_speedup_and_cores_come_before_the_times() {
        let columns = resolve(&[], &VariantLabels::default()).expect("defaults");
        let labels: Vec<&str> = columns.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            ["속도 향상", "유효 코어 수", "벽시계 시간", "범위 (최소–최대)", "CPU 시간"]
        );
    }

    #[test]
    fn declared_columns_keep_their_order_and_name_metrics_by_their_labels() {
        let labels: VariantLabels =
            [("us_per_op".to_owned(), "연산 한 번".to_owned())].into_iter().collect();
        let columns = resolve(&[spec("metric:us_per_op", None), spec("wall_s", None)], &labels)
            .expect("valid columns");
        assert_eq!(columns[0].value, ColumnValue::Metric("us_per_op".into()));
        assert_eq!(
            (columns[0].label.as_str(), columns[1].label.as_str()),
            ("연산 한 번", "벽시계 시간")
        );
    }

    #[test]
    fn unknown_repeated_unnamed_or_too_many_columns_are_refused() {
        let none = VariantLabels::default();
        let refused = [
            vec![spec("speed", None)],
            vec![spec("metric:", None)],
            vec![spec("nonzero:lost", None)],
            vec![spec("wall_s", None), spec("wall_s", Some("또"))],
            vec![spec("metric:lost", None)],
            vec![spec("cpu_s", Some("  "))],
            ["speedup", "effective_cores", "wall_s", "wall_range", "cpu_s", "metric:a", "metric:b"]
                .iter()
                .map(|v| spec(v, Some("x")))
                .collect(),
        ];
        for specs in refused {
            assert!(
                resolve(&specs, &none).is_err(),
                "{:?}",
                specs.iter().map(|s| &s.value).collect::<Vec<_>>()
            );
        }
    }
}
