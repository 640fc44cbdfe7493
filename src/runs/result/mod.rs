//! A run's result: one set of types from the harness's records to the page, stored as typed
//! JSON. The JSON field names are the API contract of DESIGN §6.

pub mod bound;
mod build;
mod gil;
mod measure;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::sandbox::protocol::MetricValue;
pub use build::{Builder, build};
pub use gil::{GilSpans, GilTimeline};

/// Named metrics, in name order.
pub type Metrics = BTreeMap<String, MetricValue>;

/// Per variant, in order, its workers' spans and its GIL timeline's: most of a result's size,
/// stored apart from its numbers.
pub type Timelines = Vec<VariantTimeline>;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "StoredTimeline")]
pub struct VariantTimeline {
    pub workers: Vec<Worker>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gil: Option<GilSpans>,
}

/// Results stored before GIL timelines kept only the workers, as a plain list.
#[derive(Deserialize)]
#[serde(untagged)]
enum StoredTimeline {
    Workers(Vec<Worker>),
    Both {
        workers: Vec<Worker>,
        #[serde(default)]
        gil: Option<GilSpans>,
    },
}

impl From<StoredTimeline> for VariantTimeline {
    fn from(stored: StoredTimeline) -> VariantTimeline {
        match stored {
            StoredTimeline::Workers(workers) => VariantTimeline { workers, gil: None },
            StoredTimeline::Both { workers, gil } => VariantTimeline { workers, gil },
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    #[serde(default)]
    pub variants: Vec<Variant>,
    #[serde(default)]
    pub environment: Environment,
    /// Metrics of the whole run, outside any variant.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: Metrics,
}

/// One variant (sequential, threads, processes…) summarised over its repetitions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// `threads`; `gil-off/threads` when measured on one of the experiment's other runtimes.
    pub name: String,
    /// The interpreter that measured it (`cpython-3.11`, `cpython-3.13t`, `pypy3`), as the
    /// harness reported it; `None` in results from before runtimes were recorded.
    #[serde(default)]
    pub runtime: Option<String>,
    /// Whether the GIL was on while it ran; `true` on interpreters that always have one.
    #[serde(default)]
    pub gil_enabled: Option<bool>,
    /// Median wall time over the repetitions.
    pub wall_s: f64,
    #[serde(default)]
    pub wall_min_s: f64,
    #[serde(default)]
    pub wall_max_s: f64,
    /// CPU time of the repetition whose wall time is the median.
    #[serde(default)]
    pub cpu_s: f64,
    /// CPU time ÷ wall time of that repetition.
    #[serde(default)]
    pub effective_cores: f64,
    /// Median wall time of `sequential` on the same runtime (`gil-off/sequential` for
    /// `gil-off/threads`) ÷ this one's; none without such a variant.
    #[serde(default)]
    pub speedup: Option<f64>,
    #[serde(default = "one")]
    pub repeats: u32,
    /// Wall time of every repetition, in the order they ran.
    #[serde(default)]
    pub walls_s: Vec<f64>,
    /// The workers of the median repetition, with their spans of work (the timeline).
    #[serde(default)]
    pub workers: Vec<Worker>,
    /// Metrics of the median repetition.
    #[serde(default)]
    pub metrics: Metrics,
    /// Metrics of every repetition, in the order they ran.
    #[serde(default)]
    pub metrics_by_repeat: Vec<Metrics>,
    /// Who held the GIL and what each thread did in the median repetition, recorded inside
    /// the run; `null` where this runtime or server could not record it.
    #[serde(default)]
    pub gil_timeline: Option<GilTimeline>,
    /// Why there is no GIL timeline, in Korean, where the recorder said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gil_timeline_missing: Option<String>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Worker {
    pub id: u64,
    #[serde(default)]
    pub cpu_s: f64,
    /// `[start, end]` in seconds from the start of the variant.
    #[serde(default)]
    pub spans: Vec<[f64; 2]>,
}

/// Where the run was measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    #[serde(default)]
    pub python: Option<String>,
    #[serde(default)]
    pub implementation: Option<String>,
    #[serde(default)]
    pub gil_enabled: Option<bool>,
    #[serde(default)]
    pub cores: Option<u64>,
    #[serde(default)]
    pub switch_interval: Option<f64>,
    /// The CPUs of the slot the run was kept on, in the kernel's list format (`0-1`); `None`
    /// when it could use any CPU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<String>,
    /// Other programs kept the run's CPUs busy while it ran: the numbers may be off.
    #[serde(default)]
    pub contended: bool,
    /// How many of the run's cores other programs kept busy while it ran (two decimals);
    /// `None` in results from before it was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub others_cores: Option<f64>,
    /// The program wrote more than a result keeps: spans were thinned or parts dropped.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// Where a run ran, as the worker saw it: its slot's CPUs and how busy others kept them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Place {
    pub cpus: Option<String>,
    /// Cores other programs kept busy beside the run (0 while it goes on).
    pub others_cores: f64,
}

impl RunResult {
    pub fn variant(&self, name: &str) -> Option<&Variant> {
        self.variants.iter().find(|v| v.name == name)
    }

    /// The most repetitions any variant had.
    pub fn repeats(&self) -> u32 {
        self.variants.iter().map(|v| v.repeats).max().unwrap_or(1)
    }

    /// The numbers apart from the workers' spans, which are most of a result's size: lists of
    /// many runs (the class pages, the CSV) read the numbers only.
    pub fn split_timelines(mut self) -> (RunResult, Timelines) {
        let timelines = self
            .variants
            .iter_mut()
            .map(|v| VariantTimeline {
                workers: std::mem::take(&mut v.workers),
                gil: v.gil_timeline.as_mut().map(GilTimeline::take_spans),
            })
            .collect();
        (self, timelines)
    }

    /// Puts back what [`RunResult::split_timelines`] took out.
    pub fn with_timelines(mut self, timelines: Timelines) -> RunResult {
        for (variant, timeline) in self.variants.iter_mut().zip(timelines) {
            variant.workers = timeline.workers;
            if let (Some(gil), Some(spans)) = (variant.gil_timeline.as_mut(), timeline.gil) {
                gil.put_spans(spans);
            }
        }
        self
    }
}

impl Variant {
    /// A metric of every repetition, where it is a number.
    pub fn metric_by_repeat(&self, name: &str) -> Vec<f64> {
        self.metrics_by_repeat.iter().filter_map(|m| m.get(name)?.as_f64()).collect()
    }
}
