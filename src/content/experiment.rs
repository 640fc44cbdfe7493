//! The experiment catalogue: `content/experiments/<id>/experiment.toml`, parsed and checked.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::ContentError;

/// An experiment id: lowercase ASCII letters, digits and `-`, as in the folder names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct ExperimentId(String);

impl ExperimentId {
    pub fn parse(raw: &str) -> Option<ExperimentId> {
        let valid = !raw.is_empty()
            && raw.len() <= 64
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExperimentFile {
    title: String,
    lesson: String,
    description: String,
}

#[derive(Debug)]
pub struct Experiment {
    pub id: ExperimentId,
    pub title: String,
    /// The slug of the lesson that places this experiment.
    pub lesson: String,
    pub description: String,
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
    let name = folder
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let id = ExperimentId::parse(name).ok_or_else(|| {
        ContentError::new(
            folder,
            None,
            "an experiment folder name may hold only a-z, 0-9 and -",
        )
    })?;
    let path = folder.join("experiment.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| ContentError::new(&path, None, format!("cannot read: {e}")))?;
    let file: ExperimentFile = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|span| super::lesson::line_of(&text, span.start));
        ContentError::new(&path, line, e.message().to_owned())
    })?;
    if file.title.trim().is_empty() {
        return Err(ContentError::new(&path, None, "`title` is empty"));
    }
    Ok(Experiment {
        id,
        title: file.title,
        lesson: file.lesson,
        description: file.description,
        path,
    })
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
