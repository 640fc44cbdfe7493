//! The experiment catalogue: `content/experiments/<id>/experiment.toml`, parsed and checked.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::ContentError;
use super::columns::{self, Column, ColumnSpec};
use super::params::{ParamSpec, ParamValues};
use super::presentation::{ChartSpec, PredictionSpec};

/// An experiment id: lowercase ASCII letters, digits and `-`, as in the folder names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct ExperimentId(String);

impl ExperimentId {
    pub fn parse(raw: &str) -> Option<ExperimentId> {
        let valid = !raw.is_empty()
            && raw.len() <= 64
            && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        valid.then(|| ExperimentId(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ExperimentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How pages name an experiment's variants, from its `[variant_labels]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct VariantLabels(BTreeMap<String, String>);

impl VariantLabels {
    /// The variant's label, or its own name when the experiment gives none.
    pub fn of<'a>(&'a self, variant: &'a str) -> &'a str {
        self.0.get(variant).map_or(variant, String::as_str)
    }

    /// The label given to `name`, if any.
    pub fn named(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}

impl FromIterator<(String, String)> for VariantLabels {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        VariantLabels(pairs.into_iter().collect())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExperimentFile {
    title: String,
    lesson: String,
    description: String,
    #[serde(default)]
    variants: Vec<String>,
    /// How pages name each variant (`sequential = "순차 (sequential)"`); others keep their name.
    #[serde(default)]
    variant_labels: VariantLabels,
    /// How pages name the metrics a prediction or chart reads (`lost_updates = "잃어버린 업데이트 수"`).
    #[serde(default)]
    metric_labels: VariantLabels,
    #[serde(default = "default_repeats")]
    repeats: u32,
    /// Adaptive repeats: at least this many, more only while the spread is large. Without it,
    /// always `repeats`.
    min_repeats: Option<u32>,
    #[serde(default = "default_spread")]
    spread: f64,
    /// The GIL recorder's period for this experiment, where it must see finer than the
    /// server's (`--gil-sample-us`) and the experiment accepts the cost.
    gil_sample_us: Option<u32>,
    #[serde(default = "default_time_limit")]
    time_limit_s: u64,
    /// What a run at the defaults costs, so that its wall limit follows its parameters.
    cost: Option<Cost>,
    #[serde(default)]
    params: Vec<ParamSpec>,
    #[serde(default)]
    charts: Vec<ChartSpec>,
    /// The results table's columns, what carries the point first.
    #[serde(default)]
    columns: Vec<ColumnSpec>,
    prediction: Option<PredictionSpec>,
    /// The lesson's point and its reference figure at the defaults.
    claim: Option<super::claim::Claim>,
    /// Python modules the program imports that a machine may lack (e.g. `numba`).
    #[serde(default)]
    needs: Vec<String>,
    /// Runtimes the program is run on again after the host's (`lab.on_other_runtimes()`).
    #[serde(default)]
    runtimes: Vec<RuntimeSpec>,
}

/// `[[runtimes]]`: one more interpreter the same program runs on; its variants are named
/// `<key>/<variant>`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeSpec {
    /// `gil-off`: the prefix of its variants' names.
    pub key: String,
    /// `free-threaded` (the newest free-threaded CPython), `pypy3` or `host`.
    pub runtime: String,
    /// `-X gil=1` or `-X gil=0` on a free-threaded build; none: as it starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gil: Option<bool>,
    /// How the output and pages name it ("자유 스레드 빌드, GIL 끔").
    pub label: String,
}

fn default_repeats() -> u32 {
    3
}

fn default_spread() -> f64 {
    0.15
}

fn default_time_limit() -> u64 {
    60
}

/// `[cost]`: the wall time of a run at the defaults on a 2-core slot, all repeats and fixed
/// costs included, and the parameters it grows in proportion to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cost {
    pub seconds: f64,
    #[serde(default)]
    pub grows_with: Vec<String>,
}

/// A run may take this many times what its parameters need before it is stopped: room for a
/// busy machine and the maximum of adaptive repeats, not for an endless loop.
const LIMIT_FACTOR: f64 = 4.0;
/// No run is stopped sooner: interpreter and process start-up are not in a run's cost.
const LIMIT_FLOOR_S: f64 = 10.0;
/// A run with a tenth of the work still starts interpreters and processes: it is counted as
/// at least this share of a default run.
const SMALLEST_SIZE: f64 = 0.3;

#[derive(Debug)]
pub struct Experiment {
    pub id: ExperimentId,
    pub title: String,
    /// The slug of the lesson that places this experiment.
    pub lesson: String,
    pub description: String,
    /// Names of what the program compares (`sequential`, `threads`, `locked`…).
    pub variants: Vec<String>,
    /// The Korean names pages give the variants.
    pub labels: VariantLabels,
    /// The Korean names pages give the metrics (same lookup: a metric without one keeps its name).
    pub metric_labels: VariantLabels,
    /// How many times each variant is measured at most.
    pub repeats: u32,
    /// How many times at least; the harness stops between the two once the wall times of
    /// every variant lie within `spread` (a fraction) of their median.
    pub min_repeats: u32,
    pub spread: f64,
    /// The GIL recorder's period, where the experiment asks for its own (in µs, 20 to 100 000).
    pub gil_sample_us: Option<u32>,
    /// The longest a run of this experiment may take, whatever its parameters.
    pub time_limit_s: u64,
    pub cost: Option<Cost>,
    pub params: Vec<ParamSpec>,
    /// How the result is drawn; empty means a timeline per variant.
    pub charts: Vec<ChartSpec>,
    /// The results table's columns after the variant's name, in order (see `columns.rs`).
    pub columns: Vec<Column>,
    pub prediction: Option<PredictionSpec>,
    pub claim: Option<super::claim::Claim>,
    pub needs: Vec<String>,
    pub runtimes: Vec<RuntimeSpec>,
    /// The program shown to the learner (`main.py`); without one the experiment is not runnable yet.
    pub code: Option<String>,
    pub path: PathBuf,
}

impl Experiment {
    /// The wall-clock limit of a run with `params`: [`LIMIT_FACTOR`] times what they cost (the
    /// cost at the defaults, scaled up by each `grows_with` parameter raised above its default,
    /// by the ratio; a lowered one does not lower the limit), at least [`LIMIT_FLOOR_S`] and at
    /// most `time_limit_s`. Without a `[cost]`, `time_limit_s`.
    pub fn wall_limit(&self, params: &ParamValues) -> Duration {
        let ceiling = self.time_limit_s as f64;
        let Some(cost) = &self.cost else {
            return Duration::from_secs(self.time_limit_s);
        };
        let growth: f64 = cost
            .grows_with
            .iter()
            .filter_map(|name| {
                let spec = self.params.iter().find(|p| &p.name == name)?;
                let (value, default) = (number(params.get(name)?)?, number(&spec.default_json())?);
                (default > 0.0).then(|| (value / default).max(1.0))
            })
            .product();
        let seconds =
            (LIMIT_FACTOR * cost.seconds * growth).clamp(LIMIT_FLOOR_S.min(ceiling), ceiling);
        Duration::from_secs_f64(seconds)
    }

    /// How much work `params` ask for against the defaults: the product of the `grows_with`
    /// parameters' ratios, between [`SMALLEST_SIZE`] (fixed costs stay whatever the work) and
    /// 100. 1 without a `[cost]`. The queue's estimate scales recent durations by it.
    pub fn size(&self, params: &ParamValues) -> f64 {
        let Some(cost) = &self.cost else { return 1.0 };
        let ratios = cost.grows_with.iter().filter_map(|name| {
            let spec = self.params.iter().find(|p| &p.name == name)?;
            let (value, default) = (number(params.get(name)?)?, number(&spec.default_json())?);
            (default > 0.0).then(|| value / default)
        });
        ratios.product::<f64>().clamp(SMALLEST_SIZE, 100.0)
    }
}

impl Experiment {
    /// A run's parameters as people read them: each parameter's Korean label and its value,
    /// numbers with thousands commas and choices as they are (`작업자당 반복 횟수`, `6,000,000`),
    /// in the order the experiment declares them; unknown names keep their name.
    pub fn described(&self, params: &ParamValues) -> Vec<(String, String)> {
        let value = |v: &serde_json::Value| match v {
            serde_json::Value::String(text) => text.clone(),
            serde_json::Value::Bool(true) => "예".to_owned(),
            serde_json::Value::Bool(false) => "아니오".to_owned(),
            other => other.as_f64().map_or_else(|| other.to_string(), crate::format::grouped),
        };
        let declared = self
            .params
            .iter()
            .filter_map(|spec| Some((spec.label.clone(), value(params.get(&spec.name)?))));
        let unknown = params
            .iter()
            .filter(|(name, _)| !self.params.iter().any(|p| &p.name == *name))
            .map(|(name, v)| (name.clone(), value(v)));
        declared.chain(unknown).collect()
    }
}

/// A parameter's value as a number: ints and floats, and choices that are numbers
/// (`chunk_bytes = "1048576"`).
fn number(value: &serde_json::Value) -> Option<f64> {
    match value {
        serde_json::Value::String(text) => text.parse().ok(),
        other => other.as_f64(),
    }
}

pub(super) fn load_all(dir: &Path) -> Result<BTreeMap<ExperimentId, Experiment>, ContentError> {
    let mut experiments = BTreeMap::new();
    for folder in super::lesson::sorted_entries(dir)? {
        if !folder.is_dir() {
            continue;
        }
        let experiment = load_one(&folder)?;
        experiments.insert(experiment.id.clone(), experiment);
    }
    Ok(experiments)
}

fn load_one(folder: &Path) -> Result<Experiment, ContentError> {
    let name = folder.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let id = ExperimentId::parse(name).ok_or_else(|| {
        ContentError::new(folder, None, "an experiment folder name may hold only a-z, 0-9 and -")
    })?;
    let path = folder.join("experiment.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| ContentError::new(&path, None, format!("cannot read: {e}")))?;
    let file: ExperimentFile = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|span| super::lesson::line_of(&text, span.start));
        ContentError::new(&path, line, e.message().to_owned())
    })?;
    check(&file).map_err(|message| ContentError::new(&path, None, message))?;
    let columns = columns::resolve(&file.columns, &file.metric_labels)
        .map_err(|message| ContentError::new(&path, None, message))?;
    let code = read_program(&folder.join("main.py"))?;
    Ok(Experiment {
        id,
        title: file.title,
        lesson: file.lesson,
        description: file.description,
        variants: file.variants,
        labels: file.variant_labels,
        metric_labels: file.metric_labels,
        repeats: file.repeats,
        min_repeats: file.min_repeats.unwrap_or(file.repeats),
        spread: file.spread,
        gil_sample_us: file.gil_sample_us.filter(|us| (20..=100_000).contains(us)),
        time_limit_s: file.time_limit_s,
        cost: file.cost,
        params: file.params,
        charts: file.charts,
        columns,
        prediction: file.prediction,
        claim: file.claim,
        needs: file.needs,
        runtimes: file.runtimes,
        code,
        path,
    })
}

fn check(file: &ExperimentFile) -> Result<(), String> {
    if file.title.trim().is_empty() {
        return Err("`title` is empty".to_owned());
    }
    if !(1..=100).contains(&file.repeats) {
        return Err("`repeats` must be between 1 and 100".to_owned());
    }
    if !(1..=600).contains(&file.time_limit_s) {
        return Err("`time_limit_s` must be between 1 and 600".to_owned());
    }
    for (at, spec) in file.runtimes.iter().enumerate() {
        let valid_key = !spec.key.is_empty()
            && spec.key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid_key || file.runtimes[..at].iter().any(|other| other.key == spec.key) {
            return Err(format!("runtime key `{}`: a-z, 0-9 and -, once each", spec.key));
        }
        if !["free-threaded", "pypy3", "host"].contains(&spec.runtime.as_str()) {
            return Err(format!("runtime `{}`: use free-threaded, pypy3 or host", spec.runtime));
        }
    }
    if file.min_repeats.is_some_and(|least| least == 0 || least > file.repeats) {
        return Err("`min_repeats` must be between 1 and `repeats`".to_owned());
    }
    if !(0.0..=1.0).contains(&file.spread) {
        return Err("`spread` must be a fraction between 0 and 1".to_owned());
    }
    if let Some(cost) = &file.cost {
        if !(cost.seconds > 0.0 && cost.seconds <= file.time_limit_s as f64) {
            return Err("`cost.seconds` must be positive and within `time_limit_s`".to_owned());
        }
        let numeric = |name: &String| {
            file.params.iter().any(|p| &p.name == name && number(&p.default_json()).is_some())
        };
        if let Some(name) = cost.grows_with.iter().find(|n| !numeric(n)) {
            return Err(format!("`cost.grows_with` names `{name}`, which is no numeric parameter"));
        }
    }
    if let Some(need) = file.needs.iter().find(|n| !crate::runtimes::is_known_need(n)) {
        return Err(format!(
            "unknown need `{need}`: use module:numba, runtime:pypy3, runtime:python3.13t…"
        ));
    }
    if let Some(unknown) = file.variant_labels.0.keys().find(|v| !file.variants.contains(v)) {
        return Err(format!("`variant_labels` names unknown variant `{unknown}`"));
    }
    if let Some((variant, _)) = file.variant_labels.0.iter().find(|(_, l)| l.trim().is_empty()) {
        return Err(format!("`variant_labels`: the label of `{variant}` is empty"));
    }
    for chart in &file.charts {
        chart.check()?;
    }
    if let Some(prediction) = &file.prediction {
        prediction.check(&file.variants)?;
    }
    if let Some(claim) = &file.claim {
        claim.check(&file.variants)?;
    }
    for (i, param) in file.params.iter().enumerate() {
        param.check()?;
        if file.params[..i].iter().any(|p| p.name == param.name) {
            return Err(format!("parameter `{}` is declared twice", param.name));
        }
    }
    Ok(())
}

fn read_program(path: &Path) -> Result<Option<String>, ContentError> {
    match std::fs::read_to_string(path) {
        Ok(code) => Ok(Some(code)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ContentError::new(path, None, format!("cannot read: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_experiment_id_with_spaces_or_capitals_is_rejected() {
        assert!(ExperimentId::parse("cpu-bound").is_some());
        assert!(ExperimentId::parse("CPU").is_none());
        assert!(ExperimentId::parse("cpu bound").is_none());
        assert!(ExperimentId::parse("../etc").is_none());
        assert!(ExperimentId::parse("").is_none());
    }

    /// An experiment folder with this `experiment.toml` and a one-line program.
    fn load(toml: &str) -> Result<Experiment, ContentError> {
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = dir.path().join("sized");
        std::fs::create_dir(&folder).expect("folder");
        std::fs::write(folder.join("experiment.toml"), toml).expect("toml");
        std::fs::write(folder.join("main.py"), "print(1)\n").expect("program");
        load_one(&folder)
    }

    const SIZED: &str = r#"
title = "t"
lesson = "l"
description = "d"
time_limit_s = 60
[cost]
seconds = 2.0
grows_with = ["iterations", "workers"]
[[params]]
name = "iterations"
label = "n"
type = "int"
default = 1000
min = 10
max = 100000
[[params]]
name = "workers"
label = "w"
type = "int"
default = 2
min = 1
max = 8
"#;

    fn params(iterations: i64, workers: i64) -> ParamValues {
        ParamValues::from([
            ("iterations".to_owned(), serde_json::json!(iterations)),
            ("workers".to_owned(), serde_json::json!(workers)),
        ])
    }

    #[test]
    fn the_wall_limit_follows_the_parameters_between_a_floor_and_the_ceiling() {
        let experiment = load(SIZED).expect("a valid experiment");
        let limit = |n, w| experiment.wall_limit(&params(n, w)).as_secs_f64();
        assert_eq!(limit(1000, 2), 10.0, "4 × 2 s is under the floor");
        assert_eq!(limit(2000, 2), 16.0, "twice the work, 4 × 4 s");
        assert_eq!(limit(2000, 4), 32.0, "both raised: the ratios multiply");
        assert_eq!(limit(100_000, 8), 60.0, "never past time_limit_s");
        assert_eq!(limit(10, 1), 10.0, "a lowered parameter does not lower the limit");
    }

    #[test]
    fn a_runs_size_is_its_work_against_the_defaults_with_a_floor_for_fixed_costs() {
        let experiment = load(SIZED).expect("a valid experiment");
        assert_eq!(experiment.size(&params(1000, 2)), 1.0);
        assert_eq!(experiment.size(&params(2000, 4)), 4.0, "the ratios multiply");
        assert_eq!(experiment.size(&params(500, 2)), 0.5);
        assert_eq!(experiment.size(&params(10, 1)), SMALLEST_SIZE, "start-up costs remain");
    }

    #[test]
    fn parameters_read_with_their_korean_labels_and_grouped_numbers() {
        let experiment = load(SIZED).expect("a valid experiment");
        let mut given = params(6_000_000, 4);
        given.insert("stray".to_owned(), serde_json::json!("x"));
        let described = experiment.described(&given);
        let expected = [("n", "6,000,000"), ("w", "4"), ("stray", "x")];
        let expected: Vec<(String, String)> =
            expected.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect();
        assert_eq!(described, expected);
    }

    #[test]
    fn without_a_cost_the_limit_is_the_experiments_time_limit() {
        let experiment = load(
            &SIZED
                .replace("seconds = 2.0\n", "")
                .replace("[cost]\n", "")
                .replace("grows_with = [\"iterations\", \"workers\"]\n", ""),
        )
        .expect("a valid experiment");
        assert_eq!(experiment.wall_limit(&params(1000, 2)).as_secs(), 60);
    }

    #[test]
    fn an_experiment_declares_its_tables_columns_and_a_bad_one_stops_the_load() {
        let declared = format!(
            "{SIZED}\n[metric_labels]\nus_per_op = \"연산 한 번\"\n\n\
             [[columns]]\nvalue = \"metric:us_per_op\"\nunit = \"µs\"\n\n\
             [[columns]]\nvalue = \"wall_s\"\n"
        );
        let experiment = load(&declared).expect("a valid experiment");
        let labels: Vec<&str> = experiment.columns.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["연산 한 번", "벽시계 시간"]);
        assert_eq!(experiment.columns[0].unit, "µs");
        let unknown = format!("{SIZED}\n[[columns]]\nvalue = \"metric:lost\"\n");
        let error = load(&unknown).expect_err("a metric column without a label");
        assert!(error.to_string().contains("column `metric:lost` needs a `label`"), "{error}");
        let default = load(SIZED).expect("a valid experiment");
        assert_eq!(default.columns[0].label, "속도 향상", "speedup first by default");
    }

    #[test]
    fn adaptive_repeats_and_costs_are_checked_at_load() {
        let bad = [
            SIZED.replace("time_limit_s = 60", "time_limit_s = 60\nrepeats = 3\nmin_repeats = 4"),
            SIZED.replace("time_limit_s = 60", "time_limit_s = 60\nspread = 1.5"),
            SIZED.replace("seconds = 2.0", "seconds = 0.0"),
            SIZED.replace("grows_with = [\"iterations\", \"workers\"]", "grows_with = [\"size\"]"),
        ];
        for toml in bad {
            assert!(load(&toml).is_err(), "{toml}");
        }
        let adaptive =
            SIZED.replace("time_limit_s = 60", "time_limit_s = 60\nrepeats = 5\nmin_repeats = 2");
        let experiment = load(&adaptive).expect("a valid experiment");
        assert_eq!((experiment.min_repeats, experiment.repeats, experiment.spread), (2, 5, 0.15));
    }
}
