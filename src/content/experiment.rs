//! The experiment catalogue: `content/experiments/<id>/experiment.toml`, parsed and checked.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::ContentError;
use super::params::ParamSpec;
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
    #[serde(default = "default_repeats")]
    repeats: u32,
    #[serde(default = "default_time_limit")]
    time_limit_s: u64,
    #[serde(default)]
    params: Vec<ParamSpec>,
    #[serde(default)]
    charts: Vec<ChartSpec>,
    prediction: Option<PredictionSpec>,
    /// Python modules the program imports that a machine may lack (e.g. `numba`).
    #[serde(default)]
    needs: Vec<String>,
}

fn default_repeats() -> u32 {
    3
}

fn default_time_limit() -> u64 {
    60
}

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
    /// How many times each variant is measured.
    pub repeats: u32,
    /// Wall-clock limit for a whole run of this experiment.
    pub time_limit_s: u64,
    pub params: Vec<ParamSpec>,
    /// How the result is drawn; empty means a timeline per variant.
    pub charts: Vec<ChartSpec>,
    pub prediction: Option<PredictionSpec>,
    pub needs: Vec<String>,
    /// The program shown to the learner (`main.py`); without one the experiment is not runnable yet.
    pub code: Option<String>,
    pub path: PathBuf,
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
    let code = read_program(&folder.join("main.py"))?;
    Ok(Experiment {
        id,
        title: file.title,
        lesson: file.lesson,
        description: file.description,
        variants: file.variants,
        labels: file.variant_labels,
        repeats: file.repeats,
        time_limit_s: file.time_limit_s,
        params: file.params,
        charts: file.charts,
        prediction: file.prediction,
        needs: file.needs,
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
}
