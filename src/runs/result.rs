//! From the harness's JSON lines to a run's result: variants with medians, spread and speedups.

use serde_json::{Map, Value, json};

const MAX_VARIANTS: usize = 16;
const MAX_WORKERS: usize = 64;
const MAX_SPANS: usize = 4000;
const MAX_METRICS: usize = 32;
const MAX_NAME: usize = 64;

/// One measurement of one variant, as checked from a `variant` record.
#[derive(Debug, Clone)]
struct Measurement {
    name: String,
    wall_ns: u64,
    cpu_ns: u64,
    workers: Vec<Value>,
    metrics: Map<String, Value>,
}

/// Builds the result; records that are not well-formed are skipped, never trusted.
pub fn build(records: &[Value], contended: bool) -> Value {
    let mut environment = json!({});
    let mut run_metrics = Map::new();
    let mut measurements: Vec<Measurement> = Vec::new();
    for record in records {
        match record["type"].as_str() {
            Some("environment") => environment = clean_environment(record),
            Some("metric") => {
                let name = short_name(&record["name"]);
                let value = clean_metric(&record["value"]);
                if let (Some(name), Some(value)) = (name, value)
                    && run_metrics.len() < MAX_METRICS
                {
                    run_metrics.insert(name, value);
                }
            }
            Some("variant") => measurements.extend(measurement(record)),
            _ => {}
        }
    }
    environment["contended"] = Value::Bool(contended);
    let variants = summarize(&measurements);
    json!({ "variants": variants, "environment": environment, "metrics": run_metrics })
}

fn short_name(value: &Value) -> Option<String> {
    value.as_str().filter(|s| !s.is_empty() && s.chars().count() <= MAX_NAME).map(str::to_owned)
}

fn clean_environment(record: &Value) -> Value {
    let text = |key: &str| record[key].as_str().map(|s| s.chars().take(64).collect::<String>());
    json!({
        "python": text("python"),
        "implementation": text("implementation"),
        "gil_enabled": record["gil_enabled"].as_bool(),
        "cores": record["cores"].as_u64(),
        "switch_interval": record["switch_interval"].as_f64(),
    })
}

/// Numbers, booleans, short strings, and short lists of numbers (histograms) are kept.
fn clean_metric(value: &Value) -> Option<Value> {
    match value {
        Value::Number(_) | Value::Bool(_) => Some(value.clone()),
        Value::String(s) if s.chars().count() <= 200 => Some(value.clone()),
        Value::Array(items) if items.len() <= 1000 && items.iter().all(Value::is_number) => {
            Some(value.clone())
        }
        _ => None,
    }
}

fn measurement(record: &Value) -> Option<Measurement> {
    let name = short_name(&record["name"])?;
    let wall_ns = record["wall_ns"].as_u64().filter(|&w| w > 0)?;
    let cpu_ns = record["cpu_ns"].as_u64().unwrap_or(0);
    let workers = record["workers"]
        .as_array()
        .map(|ws| ws.iter().take(MAX_WORKERS).filter_map(worker).collect())
        .unwrap_or_default();
    let metrics = record["metrics"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| k.chars().count() <= MAX_NAME)
                .filter_map(|(k, v)| clean_metric(v).map(|v| (k.clone(), v)))
                .take(MAX_METRICS)
                .collect()
        })
        .unwrap_or_default();
    Some(Measurement { name, wall_ns, cpu_ns, workers, metrics })
}

fn worker(value: &Value) -> Option<Value> {
    let id = value["id"].as_u64()?;
    let cpu_s = value["cpu_ns"].as_u64().unwrap_or(0) as f64 / 1e9;
    let spans: Vec<Value> = value["spans"]
        .as_array()
        .map(|spans| {
            spans
                .iter()
                .take(MAX_SPANS)
                .filter_map(|span| {
                    let (t0, t1) = (span.get(0)?.as_i64()?, span.get(1)?.as_i64()?);
                    (t1 >= t0).then(|| json!([seconds(t0), seconds(t1)]))
                })
                .collect()
        })
        .unwrap_or_default();
    Some(json!({ "id": id, "cpu_s": cpu_s, "spans": spans }))
}

/// Seconds with microsecond precision, so the JSON stays small.
fn seconds(ns: i64) -> f64 {
    (ns as f64 / 1e3).round() / 1e6
}

fn summarize(measurements: &[Measurement]) -> Vec<Value> {
    let mut names: Vec<&str> = Vec::new();
    for m in measurements {
        if !names.contains(&m.name.as_str()) && names.len() < MAX_VARIANTS {
            names.push(&m.name);
        }
    }
    // A speedup is against running the same work sequentially; without that variant there is none.
    let baseline = median_of(measurements, "sequential").map(|m| m.wall_ns as f64);
    names
        .iter()
        .filter_map(|name| {
            let runs: Vec<&Measurement> = measurements.iter().filter(|m| m.name == *name).collect();
            let median = median_of(measurements, name)?;
            Some(variant_summary(median, &runs, baseline))
        })
        .collect()
}

/// The measurement with the median wall time (the lower middle for an even count).
fn median_of<'a>(measurements: &'a [Measurement], name: &str) -> Option<&'a Measurement> {
    let mut runs: Vec<&Measurement> = measurements.iter().filter(|m| m.name == name).collect();
    runs.sort_by_key(|m| m.wall_ns);
    runs.get(runs.len().saturating_sub(1) / 2).copied()
}

fn variant_summary(median: &Measurement, runs: &[&Measurement], baseline: Option<f64>) -> Value {
    let walls: Vec<f64> = runs.iter().map(|m| m.wall_ns as f64 / 1e9).collect();
    let min = walls.iter().copied().fold(f64::INFINITY, f64::min);
    let max = walls.iter().copied().fold(0.0, f64::max);
    let wall_s = median.wall_ns as f64 / 1e9;
    let cpu_s = median.cpu_ns as f64 / 1e9;
    let metrics_by_repeat: Vec<Value> =
        runs.iter().map(|m| Value::Object(m.metrics.clone())).collect();
    json!({
        "name": median.name,
        "wall_s": wall_s,
        "wall_min_s": min,
        "wall_max_s": max,
        "cpu_s": cpu_s,
        "effective_cores": round3(cpu_s / wall_s),
        "speedup": baseline.map(|b| round3(b / median.wall_ns as f64)),
        "repeats": runs.len(),
        "walls_s": walls,
        "workers": median.workers,
        "metrics": median.metrics,
        "metrics_by_repeat": metrics_by_repeat,
    })
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(name: &str, wall_ms: u64, cpu_ms: u64) -> Value {
        json!({"type": "variant", "name": name, "repeat": 0, "wall_ns": wall_ms * 1_000_000,
               "cpu_ns": cpu_ms * 1_000_000, "workers": [{"id": 0, "cpu_ns": 1, "spans": [[0, 1000]]}],
               "metrics": {"lost_updates": 3}})
    }

    #[test]
    fn variants_get_the_median_of_their_repeats_and_a_speedup_against_sequential() {
        let records = [
            variant("sequential", 1000, 1000),
            variant("processes", 500, 1000),
            variant("sequential", 1200, 1200),
            variant("processes", 700, 1400),
            variant("sequential", 900, 900),
            variant("processes", 400, 800),
        ];
        let result = build(&records, false);
        let variants = result["variants"].as_array().expect("variants");
        assert_eq!(variants.len(), 2);
        assert_eq!(variants[0]["name"], "sequential");
        assert_eq!(variants[0]["wall_s"], 1.0);
        assert_eq!(variants[0]["speedup"], 1.0);
        assert_eq!(variants[1]["wall_s"], 0.5);
        assert_eq!(variants[1]["speedup"], 2.0);
        assert_eq!(variants[1]["effective_cores"], 2.0);
        assert_eq!(variants[1]["wall_min_s"], 0.4);
        assert_eq!(variants[1]["wall_max_s"], 0.7);
        assert_eq!(variants[1]["workers"][0]["spans"][0][1], 0.000001);
    }

    #[test]
    fn without_a_sequential_variant_there_is_no_speedup() {
        let result = build(&[variant("locked", 100, 100), variant("unlocked", 50, 50)], false);
        assert_eq!(result["variants"][1]["speedup"], Value::Null);
    }

    #[test]
    fn malformed_records_are_skipped_not_trusted() {
        let records = [
            json!({"type": "variant", "name": "x".repeat(100), "wall_ns": 5}),
            json!({"type": "variant", "name": "ok", "wall_ns": -1}),
            json!({"type": "variant", "name": "ok", "wall_ns": 10, "metrics": {"big": {"nested": 1}}}),
            json!("not an object"),
        ];
        let result = build(&records, true);
        let variants = result["variants"].as_array().expect("variants");
        assert_eq!(variants.len(), 1);
        assert!(variants[0]["metrics"].as_object().expect("metrics").is_empty());
        assert_eq!(result["environment"]["contended"], true);
    }
}
