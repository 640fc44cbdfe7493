//! The true GIL timeline of a variant: who held the GIL, and whether each thread ran, waited for
//! the GIL or slept, as the harness's recorder saw it from inside the run (`gil_timeline.py`).

use serde::{Deserialize, Serialize};

use crate::runs::stats::Spread;

/// Spans kept per kind (holds, waits, sleeps, runs) of one variant; the recorder caps its own
/// lists at this too.
const MAX_SPANS: usize = 2000;

/// What `GET /api/runs/{id}` shows as a variant's `gil_timeline` (DESIGN §6).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GilTimeline {
    /// Whether there was a GIL to hold; without one (free-threaded, `-X gil=0`) the lanes show
    /// only when each thread ran and slept.
    pub gil: bool,
    /// One GIL per process (multiprocessing): each lane is a process holding its own.
    #[serde(default)]
    pub processes: bool,
    /// Times the GIL passed from one thread to another: the GIL's own count where the runtime
    /// keeps one, else the hand-overs the recorder saw.
    pub switches: u64,
    /// Median time a worker (or a thread the program started) held the GIL before it passed
    /// on, in ms; `None` where none shared one (sequential work, processes, no GIL).
    pub median_span_ms: Option<f64>,
    /// Time the threads spent waiting for the GIL, all together, in ms.
    pub wait_ms: f64,
    /// How often the recorder looked, in µs (it slows down on long runs to stay bounded).
    pub period_us: f64,
    /// More changes happened than were kept.
    #[serde(default)]
    pub truncated: bool,
    /// `[lane, start_s, end_s]` while `lane` held the GIL; a lane is a worker's id, -1 for the
    /// main thread, -2 for a thread the harness did not start.
    #[serde(default)]
    pub spans: Vec<[f64; 3]>,
    /// `[lane, start_s, end_s]` while `lane` waited for the GIL.
    #[serde(default)]
    pub waits: Vec<[f64; 3]>,
    /// `[lane, start_s, end_s]` while `lane` slept: I/O, a lock, a sleep, a join.
    #[serde(default)]
    pub sleeps: Vec<[f64; 3]>,
    /// `[lane, start_s, end_s]` while `lane` ran without holding the GIL (native code that
    /// released it; every running thread where there is no GIL).
    #[serde(default)]
    pub runs: Vec<[f64; 3]>,
}

/// The spans of a [`GilTimeline`], kept apart from its figures like the workers' spans.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GilSpans {
    pub spans: Vec<[f64; 3]>,
    pub waits: Vec<[f64; 3]>,
    pub sleeps: Vec<[f64; 3]>,
    pub runs: Vec<[f64; 3]>,
}

/// What the harness writes: spans as `[lane, t0_ns, t1_ns]` from the start of the variant.
#[derive(Debug, Deserialize)]
struct Recorded {
    gil: bool,
    #[serde(default)]
    processes: bool,
    #[serde(default)]
    period_ns: u64,
    #[serde(default)]
    truncated: bool,
    /// Hand-overs by the GIL's own count (`switch_number`), which sees those between two looks
    /// of the recorder; negative or absent where unknown.
    #[serde(default)]
    switches: Option<i64>,
    #[serde(default)]
    holds: Vec<(i64, i64, i64)>,
    #[serde(default)]
    waits: Vec<(i64, i64, i64)>,
    #[serde(default)]
    sleeps: Vec<(i64, i64, i64)>,
    #[serde(default)]
    runs: Vec<(i64, i64, i64)>,
}

impl GilTimeline {
    /// From the harness's record, bounded; `None` for anything that is not one (a program may
    /// write what it likes on its result channel).
    pub fn from_record(record: &serde_json::Value) -> Option<GilTimeline> {
        let recorded = Recorded::deserialize(record).ok()?;
        let mut truncated = recorded.truncated;
        let mut convert = |list: &[(i64, i64, i64)]| {
            truncated |= list.len() > MAX_SPANS;
            let mut spans: Vec<[f64; 3]> = list
                .iter()
                .take(MAX_SPANS)
                .filter(|(lane, t0, t1)| t1 >= t0 && (-2..=4096).contains(lane))
                .map(|&(lane, t0, t1)| [lane as f64, seconds(t0), seconds(t1)])
                .collect();
            spans.sort_by(|a, b| a[1].total_cmp(&b[1]));
            spans
        };
        let (spans, waits) = (convert(&recorded.holds), convert(&recorded.waits));
        let (sleeps, runs) = (convert(&recorded.sleeps), convert(&recorded.runs));
        let shared = recorded.gil && !recorded.processes;
        let counted = recorded.switches.filter(|n| (0..1 << 40).contains(n)).map(|n| n as u64);
        let switches = if shared { counted.unwrap_or_else(|| switches(&spans)) } else { 0 };
        let worker_spans: Vec<f64> =
            spans.iter().filter(|s| s[0] >= 0.0).map(|s| (s[2] - s[1]) * 1e3).collect();
        let median_span_ms = if shared && switches > 0 {
            Spread::of(&worker_spans).map(|s| (s.median * 1e3).round() / 1e3)
        } else {
            None
        };
        let wait_s: f64 = waits.iter().map(|s| s[2] - s[1]).sum();
        Some(GilTimeline {
            gil: recorded.gil,
            processes: recorded.processes,
            switches,
            median_span_ms,
            wait_ms: (wait_s.max(0.0) * 1e6).round() / 1e3,
            period_us: recorded.period_ns as f64 / 1e3,
            truncated,
            spans,
            waits,
            sleeps,
            runs,
        })
    }

    /// Takes the spans out, leaving the figures (see `RunResult::split_timelines`).
    pub fn take_spans(&mut self) -> GilSpans {
        GilSpans {
            spans: std::mem::take(&mut self.spans),
            waits: std::mem::take(&mut self.waits),
            sleeps: std::mem::take(&mut self.sleeps),
            runs: std::mem::take(&mut self.runs),
        }
    }

    pub fn put_spans(&mut self, spans: GilSpans) {
        (self.spans, self.waits, self.sleeps, self.runs) =
            (spans.spans, spans.waits, spans.sleeps, spans.runs);
    }

    /// Every span of every kind, for the bounds on a whole result.
    pub fn span_count(&self) -> usize {
        self.spans.len() + self.waits.len() + self.sleeps.len() + self.runs.len()
    }

    /// The lanes, in order: workers by id, then the main thread, then other threads.
    pub fn lanes(&self) -> Vec<f64> {
        let mut lanes: Vec<f64> = [&self.spans, &self.waits, &self.sleeps, &self.runs]
            .into_iter()
            .flatten()
            .map(|s| s[0])
            .collect();
        lanes.sort_by(|a, b| lane_order(*a).total_cmp(&lane_order(*b)));
        lanes.dedup();
        lanes
    }
}

fn lane_order(lane: f64) -> f64 {
    if lane < 0.0 { 1e9 - lane } else { lane }
}

/// Hand-overs: each span whose holder differs from the one before it.
fn switches(spans: &[[f64; 3]]) -> u64 {
    spans.windows(2).filter(|pair| pair[0][0] != pair[1][0]).count() as u64
}

/// Seconds with microsecond precision, as the workers' spans.
fn seconds(ns: i64) -> f64 {
    (ns as f64 / 1e3).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn two_threads_taking_turns_give_switches_a_median_span_and_waits() {
        let ms = 1_000_000;
        let holds: Vec<_> = (0..10).map(|i| json!([i % 2, i * 5 * ms, (i + 1) * 5 * ms])).collect();
        let waits: Vec<_> =
            (1..10).map(|i| json!([(i + 1) % 2, i * 5 * ms - 4 * ms, i * 5 * ms])).collect();
        let record = json!({"gil": true, "period_ns": 100_000, "holds": holds, "waits": waits,
                            "sleeps": [[-1, 0, 50 * ms]], "runs": []});
        let timeline = GilTimeline::from_record(&record).expect("a timeline");
        assert_eq!(timeline.switches, 9);
        assert_eq!(timeline.median_span_ms, Some(5.0));
        assert_eq!(timeline.wait_ms, 36.0);
        assert_eq!(timeline.period_us, 100.0);
        assert_eq!(timeline.lanes(), [0.0, 1.0, -1.0]);
    }

    #[test]
    fn the_gils_own_count_of_switches_wins_over_the_spans_seen() {
        let record = json!({"gil": true, "switches": 41, "holds": [[0, 0, 9], [1, 9, 20]]});
        assert_eq!(GilTimeline::from_record(&record).expect("a timeline").switches, 41);
        let unknown = json!({"gil": true, "switches": -1, "holds": [[0, 0, 9], [1, 9, 20]]});
        assert_eq!(GilTimeline::from_record(&unknown).expect("a timeline").switches, 1);
    }

    #[test]
    fn processes_and_no_gil_have_no_switches_nor_a_median_span() {
        let record = json!({"gil": true, "processes": true, "holds": [[0, 0, 9], [1, 0, 9]]});
        let timeline = GilTimeline::from_record(&record).expect("a timeline");
        assert_eq!((timeline.switches, timeline.median_span_ms), (0, None));
        let record = json!({"gil": false, "runs": [[0, 0, 9], [1, 0, 9]]});
        let timeline = GilTimeline::from_record(&record).expect("a timeline");
        assert_eq!((timeline.switches, timeline.median_span_ms), (0, None));
        assert_eq!(timeline.runs.len(), 2);
    }

    #[test]
    fn forged_records_are_refused_or_cut() {
        assert_eq!(GilTimeline::from_record(&json!({"holds": 3})), None);
        assert_eq!(GilTimeline::from_record(&json!("x")), None);
        let many: Vec<_> = (0..5000).map(|i| json!([0, i, i + 1])).collect();
        let backwards = json!({"gil": true, "holds": many, "waits": [[0, 9, 1], [99999, 0, 1]]});
        let timeline = GilTimeline::from_record(&backwards).expect("a timeline");
        assert_eq!(timeline.spans.len(), MAX_SPANS);
        assert!(timeline.truncated);
        assert!(timeline.waits.is_empty(), "a span that ends before it starts, or a wild lane");
    }
}
