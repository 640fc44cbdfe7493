//! From the harness's records to a run's result: bounded, summarised per variant, with speedups.

use super::{
    Environment, GilTimeline, MetricValue, Metrics, Place, RunResult, Variant, Worker, bound,
};
use crate::runs::stats::Spread;
use crate::sandbox::protocol::{EnvironmentRecord, Record, VariantRecord, WorkerRecord};

const MAX_VARIANTS: usize = 16;
const MAX_WORKERS: usize = 64;
const MAX_SPANS: usize = 4000;
const MAX_METRICS: usize = 32;
const MAX_NAME: usize = 64;
const MAX_TEXT: usize = 200;
const MAX_NUMBERS: usize = 1000;
/// GIL timeline spans kept of one run's measurements (≈ 2.4 MB at most).
const MAX_GIL_SPANS: usize = 100_000;
/// Measurements kept of one run (the harness's records are already capped at 10 000).
const MAX_MEASUREMENTS: usize = 2000;

/// Builds the result of a finished run; records that break a bound are skipped or cut.
pub fn build(records: Vec<Record>, place: Place) -> RunResult {
    let mut builder = Builder::default();
    for record in records {
        builder.push(record);
    }
    builder.result(&place)
}

/// One measurement of one variant, already bounded: what is kept of a `variant` record.
#[derive(Debug)]
struct Measurement {
    runtime: Option<String>,
    gil_enabled: Option<bool>,
    wall_ns: u64,
    cpu_ns: u64,
    workers: Vec<Worker>,
    metrics: Metrics,
    gil_timeline: Option<GilTimeline>,
    gil_timeline_missing: Option<String>,
}

/// Gathers the harness's records one at a time, as they arrive, and summarises them on demand:
/// the live result after each variant costs one pass over what was kept, never a re-read of
/// every record.
#[derive(Debug, Default)]
pub struct Builder {
    environment: Environment,
    metrics: Metrics,
    /// Each variant's measurements, variants in the order they were first seen.
    variants: Vec<(String, Vec<Measurement>)>,
    measurements: usize,
    /// GIL timeline spans kept over all measurements, before the median one is known.
    gil_spans: usize,
}

impl Builder {
    /// Takes one record; true when it was a measurement (the result changed).
    pub fn push(&mut self, record: Record) -> bool {
        match record {
            Record::Environment(env) => self.environment = environment(&env),
            Record::Metric { name, value } if self.metrics.len() < MAX_METRICS => {
                if let (true, Some(value)) = (short(&name), kept(&value)) {
                    self.metrics.insert(name, value);
                }
            }
            Record::Variant(v) if short(&v.name) && v.wall_ns > 0 => return self.measure(v),
            _ => {}
        }
        false
    }

    fn measure(&mut self, record: VariantRecord) -> bool {
        if self.measurements >= MAX_MEASUREMENTS {
            return false;
        }
        let at = match self.variants.iter().position(|(name, _)| *name == record.name) {
            Some(at) => at,
            None if self.variants.len() < MAX_VARIANTS => {
                self.variants.push((record.name.clone(), Vec::new()));
                self.variants.len() - 1
            }
            None => return false,
        };
        let measurement = Measurement {
            runtime: text(&record.runtime),
            gil_enabled: record.gil_enabled,
            wall_ns: record.wall_ns,
            cpu_ns: record.cpu_ns,
            workers: record.workers.iter().take(MAX_WORKERS).map(worker).collect(),
            metrics: metrics(&record),
            gil_timeline: record.gil_timeline.as_ref().and_then(GilTimeline::from_record),
            gil_timeline_missing: record
                .gil_timeline_missing
                .as_ref()
                .map(|why| why.chars().take(MAX_TEXT).collect()),
        };
        let mut measurement = measurement;
        let spans = measurement.gil_timeline.as_ref().map_or(0, GilTimeline::span_count);
        if self.gil_spans + spans > MAX_GIL_SPANS {
            measurement.gil_timeline = None;
        } else {
            self.gil_spans += spans;
        }
        self.variants[at].1.push(measurement);
        self.measurements += 1;
        true
    }

    /// The result so far, measured at `place` (`Place::default()` while the run goes on), within
    /// the bounds a page can show and the database keeps.
    pub fn result(&self, place: &Place) -> RunResult {
        let mut environment = self.environment.clone();
        environment.contended = place.others_cores > crate::runs::load::CONTENDED_CORES;
        environment.others_cores =
            (place.others_cores > 0.0).then(|| (place.others_cores * 100.0).round() / 100.0);
        environment.cpus.clone_from(&place.cpus);
        // A speedup is against running the same work sequentially on the same runtime; without
        // that there is none.
        let baseline = |name: &str| {
            let sequential = format!("{}sequential", series_of(name));
            let (_, measured) = self.variants.iter().find(|(n, _)| *n == sequential)?;
            Spread::of(&walls(measured)).map(|s| s.median)
        };
        let variants =
            self.variants.iter().filter_map(|(n, m)| variant(n, m, baseline(n))).collect();
        let mut result = RunResult { variants, environment, metrics: self.metrics.clone() };
        bound::bound(&mut result);
        result
    }
}

/// `gil-off/` of `gil-off/threads`: the runtime a variant was measured on, as the experiment
/// names it; empty for the host's own.
fn series_of(name: &str) -> &str {
    name.rfind('/').map_or("", |at| &name[..=at])
}

fn short(name: &str) -> bool {
    !name.is_empty() && name.chars().count() <= MAX_NAME
}

fn text(value: &Option<String>) -> Option<String> {
    value.as_ref().map(|s| s.chars().take(MAX_NAME).collect())
}

fn environment(record: &EnvironmentRecord) -> Environment {
    Environment {
        python: text(&record.python),
        implementation: text(&record.implementation),
        gil_enabled: record.gil_enabled,
        cores: record.cores,
        switch_interval: record.switch_interval,
        cpus: None,
        contended: false,
        others_cores: None,
        truncated: false,
    }
}

/// Numbers, flags, short texts and short lists of numbers are kept.
fn kept(value: &MetricValue) -> Option<MetricValue> {
    match value {
        MetricValue::Number(_) | MetricValue::Flag(_) => Some(value.clone()),
        MetricValue::Text(s) if s.chars().count() <= MAX_TEXT => Some(value.clone()),
        MetricValue::Numbers(items) if items.len() <= MAX_NUMBERS => Some(value.clone()),
        _ => None,
    }
}

fn metrics(record: &VariantRecord) -> Metrics {
    record
        .metrics
        .iter()
        .filter(|(name, _)| short(name))
        .filter_map(|(name, value)| Some((name.clone(), kept(value)?)))
        .take(MAX_METRICS)
        .collect()
}

fn worker(record: &WorkerRecord) -> Worker {
    let spans: Vec<[f64; 2]> = record
        .spans
        .iter()
        .take(MAX_SPANS)
        .filter(|(t0, t1)| t1 >= t0)
        .map(|&(t0, t1)| [seconds(t0), seconds(t1)])
        .collect();
    let spans = bound::downsample(spans, bound::SPANS_PER_WORKER);
    Worker { id: record.id, cpu_s: record.cpu_ns as f64 / 1e9, spans }
}

/// Seconds with microsecond precision, so the JSON stays small.
fn seconds(ns: i64) -> f64 {
    (ns as f64 / 1e3).round() / 1e6
}

fn walls(repeats: &[Measurement]) -> Vec<f64> {
    repeats.iter().map(|m| m.wall_ns as f64 / 1e9).collect()
}

/// One variant over its repetitions: the median wall time and its spread; CPU time, workers and
/// metrics of the repetition nearest that median (the earlier one on a tie).
fn variant(name: &str, repeats: &[Measurement], baseline: Option<f64>) -> Option<Variant> {
    let walls = walls(repeats);
    let spread = Spread::of(&walls)?;
    // In nanoseconds, where the distances are exact: a tie stays a tie.
    let median_ns = (spread.median * 1e9).round();
    let distance = |m: &&Measurement| (m.wall_ns as f64 - median_ns).abs();
    let nearest = repeats.iter().min_by(|a, b| distance(a).total_cmp(&distance(b)))?;
    let cpu_s = nearest.cpu_ns as f64 / 1e9;
    let nearest_wall = nearest.wall_ns as f64 / 1e9;
    Some(Variant {
        name: name.to_owned(),
        runtime: nearest.runtime.clone(),
        gil_enabled: nearest.gil_enabled,
        wall_s: spread.median,
        wall_min_s: spread.min,
        wall_max_s: spread.max,
        cpu_s,
        effective_cores: round3(cpu_s / nearest_wall),
        speedup: baseline.map(|b| round3(b / spread.median)),
        repeats: repeats.len() as u32,
        walls_s: walls,
        workers: nearest.workers.clone(),
        metrics: nearest.metrics.clone(),
        metrics_by_repeat: repeats.iter().map(|m| m.metrics.clone()).collect(),
        gil_timeline: nearest.gil_timeline.clone(),
        gil_timeline_missing: nearest.gil_timeline_missing.clone(),
    })
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(name: &str, wall_ms: u64, cpu_ms: u64) -> Record {
        let line = format!(
            r#"{{"type": "variant", "name": "{name}", "repeat": 0, "wall_ns": {}, "cpu_ns": {},
               "workers": [{{"id": 0, "cpu_ns": 1, "spans": [[0, 1000]]}}],
               "metrics": {{"lost_updates": 3}}}}"#,
            wall_ms * 1_000_000,
            cpu_ms * 1_000_000
        );
        Record::parse(line.as_bytes()).expect("a variant record")
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
        let result = build(records.to_vec(), Place::default());
        assert_eq!(result.variants.len(), 2);
        let (sequential, processes) = (&result.variants[0], &result.variants[1]);
        assert_eq!(sequential.name, "sequential");
        assert_eq!((sequential.wall_s, sequential.speedup), (1.0, Some(1.0)));
        assert_eq!((processes.wall_s, processes.speedup), (0.5, Some(2.0)));
        assert_eq!(processes.effective_cores, 2.0);
        assert_eq!((processes.wall_min_s, processes.wall_max_s), (0.4, 0.7));
        assert_eq!(processes.workers[0].spans[0][1], 0.000001);
        assert_eq!(processes.metric_by_repeat("lost_updates"), [3.0, 3.0, 3.0]);
    }

    #[test]
    fn a_speedup_is_against_the_sequential_variant_of_the_same_runtime() {
        let on = |runtime: &str, gil: bool, record: Record| match record {
            Record::Variant(mut v) => {
                v.runtime = Some(runtime.to_owned());
                v.gil_enabled = Some(gil);
                Record::Variant(v)
            }
            other => other,
        };
        let records = vec![
            on("cpython-3.11", true, variant("sequential", 1000, 1000)),
            on("cpython-3.11", true, variant("threads", 1000, 1000)),
            on("cpython-3.13t", false, variant("gil-off/sequential", 1500, 1500)),
            on("cpython-3.13t", false, variant("gil-off/threads", 750, 1500)),
        ];
        let result = build(records, Place::default());
        let speedup = |name: &str| result.variant(name).and_then(|v| v.speedup);
        assert_eq!(speedup("threads"), Some(1.0));
        assert_eq!(speedup("gil-off/threads"), Some(2.0), "against 1.5 s, not the host's 1 s");
        let free = result.variant("gil-off/threads").expect("kept");
        assert_eq!(
            (free.runtime.as_deref(), free.gil_enabled),
            (Some("cpython-3.13t"), Some(false))
        );
    }

    #[test]
    fn an_even_count_of_repeats_has_the_mean_of_the_middles_as_its_median() {
        let records = [variant("sequential", 1000, 1000), variant("sequential", 1200, 1200)];
        let result = build(records.to_vec(), Place::default());
        assert!((result.variants[0].wall_s - 1.1).abs() < 1e-12);
        assert_eq!(result.variants[0].cpu_s, 1.0, "the nearest repetition, the earlier on a tie");
    }

    #[test]
    fn without_a_sequential_variant_there_is_no_speedup() {
        let result =
            build(vec![variant("locked", 100, 100), variant("unlocked", 50, 50)], Place::default());
        assert_eq!(result.variants[1].speedup, None);
    }

    #[test]
    fn malformed_records_are_skipped_not_trusted() {
        let lines: [&[u8]; 4] = [
            br#"{"type": "variant", "name": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "wall_ns": 5}"#,
            br#"{"type": "variant", "name": "ok", "wall_ns": 0}"#,
            br#"{"type": "variant", "name": "ok", "wall_ns": 10, "metrics": {"big": {"nested": 1}}}"#,
            br#"{"type": "metric", "name": "note", "value": [[1]]}"#,
        ];
        let records: Vec<Record> = lines.iter().filter_map(|l| Record::parse(l)).collect();
        let result = build(records, Place { cpus: None, others_cores: 0.4 });
        assert_eq!(result.variants.len(), 1);
        assert!(result.variants[0].metrics.is_empty());
        assert!(result.metrics.is_empty());
        assert!(result.environment.contended);
        assert_eq!(result.environment.others_cores, Some(0.4));
    }
}
