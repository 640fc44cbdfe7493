//! The records the Python harness writes on its result descriptor, one JSON object a line,
//! tagged by `type`. Parsing is strict about shape and lenient about extras: a line that is not
//! one of these records is skipped, a metric of an unsupported kind is dropped by whoever
//! reads it, and every bound is applied again by `runs::result`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One line of the harness's output channel.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    /// What ran the program: written once at import.
    Environment(EnvironmentRecord),
    /// The variants and repeats `compare` is about to measure.
    Plan {
        #[serde(default)]
        variants: Vec<String>,
        #[serde(default)]
        repeats: u32,
    },
    /// A named value of the whole run, outside any variant.
    Metric { name: String, value: MetricValue },
    /// One measurement of one variant.
    Variant(VariantRecord),
    /// A record of a type this server does not know (a newer harness, or a forgery).
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct EnvironmentRecord {
    pub python: Option<String>,
    pub implementation: Option<String>,
    pub gil_enabled: Option<bool>,
    pub cores: Option<u64>,
    pub switch_interval: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct VariantRecord {
    /// `threads`, or `gil-off/threads` for a variant measured on another runtime (see `series`).
    pub name: String,
    #[serde(default)]
    pub repeat: u32,
    /// The interpreter that measured it: `cpython-3.11`, `cpython-3.13t`, `pypy3`.
    #[serde(default)]
    pub runtime: Option<String>,
    /// What `sys._is_gil_enabled()` said while it ran (`true` where there is no such function).
    #[serde(default)]
    pub gil_enabled: Option<bool>,
    pub wall_ns: u64,
    #[serde(default)]
    pub cpu_ns: u64,
    #[serde(default)]
    pub workers: Vec<WorkerRecord>,
    #[serde(default)]
    pub metrics: BTreeMap<String, MetricValue>,
    /// The GIL recorder's spans (`gil_timeline.py`), read leniently: a malformed one is
    /// dropped when the result is built, never the variant with it.
    #[serde(default)]
    pub gil_timeline: Option<serde_json::Value>,
    /// Why the recorder recorded nothing, in Korean.
    #[serde(default)]
    pub gil_timeline_missing: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WorkerRecord {
    pub id: u64,
    #[serde(default)]
    pub cpu_ns: u64,
    /// `[t0_ns, t1_ns]` from the start of the variant.
    #[serde(default)]
    pub spans: Vec<(i64, i64)>,
}

/// A metric: a number, a flag, a short text, or a list of numbers (latencies, a histogram).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MetricValue {
    Number(serde_json::Number),
    Flag(bool),
    Text(String),
    Numbers(Vec<f64>),
    /// Anything else (objects, nested lists): read so the record survives, never kept.
    #[serde(skip_serializing)]
    Unsupported(serde::de::IgnoredAny),
}

impl MetricValue {
    /// The number, if this metric is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            MetricValue::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// The number, or every number of a list.
    pub fn numbers(&self) -> Vec<f64> {
        match self {
            MetricValue::Numbers(values) => values.clone(),
            other => other.as_f64().into_iter().collect(),
        }
    }
}

impl Record {
    /// Parses one line; `None` for anything that is not a record of the protocol.
    pub fn parse(line: &[u8]) -> Option<Record> {
        serde_json::from_slice(line).ok()
    }
}

/// CPU time of every measured variant together, in seconds: what the program itself used.
pub fn measured_cpu_s(records: &[Record]) -> f64 {
    let ns: u64 = records
        .iter()
        .map(|r| match r {
            Record::Variant(v) => v.cpu_ns,
            _ => 0,
        })
        .sum();
    ns as f64 / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variant_line_parses_with_its_workers_and_metrics() {
        let line = br#"{"type":"variant","name":"threads","repeat":1,"wall_ns":5,"cpu_ns":4,
            "workers":[{"id":0,"cpu_ns":3,"spans":[[0,2]],"truncated":false}],
            "metrics":{"lost":3,"lat":[1.5,2],"odd":{"x":1}}}"#;
        let Some(Record::Variant(variant)) = Record::parse(line) else { panic!("a variant") };
        assert_eq!(variant.workers[0].spans, [(0, 2)]);
        assert_eq!(variant.metrics["lost"].as_f64(), Some(3.0));
        assert_eq!(variant.metrics["lat"].numbers(), [1.5, 2.0]);
        assert!(matches!(variant.metrics["odd"], MetricValue::Unsupported(_)));
    }

    #[test]
    fn unknown_types_are_known_as_unknown_and_malformed_lines_are_none() {
        assert_eq!(Record::parse(br#"{"type":"future","x":1}"#), Some(Record::Unknown));
        assert_eq!(Record::parse(br#"{"type":"variant","name":"x","wall_ns":-1}"#), None);
        assert_eq!(Record::parse(b"\"text\""), None);
    }
}
