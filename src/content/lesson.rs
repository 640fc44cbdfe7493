//! One lesson: `content/lessons/NN-slug.md` with TOML front matter, rendered once to HTML segments.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::experiment::ExperimentId;
use super::{ContentError, Highlighter, markdown};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: String,
    summary: String,
    order: u32,
}

/// A piece of a rendered lesson: trusted HTML from our Markdown, or the place of an experiment card.
#[derive(Debug, Clone)]
pub enum Segment {
    Html(String),
    Experiment(ExperimentId),
}

#[derive(Debug, Clone)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub text: String,
}

#[derive(Debug)]
pub struct Lesson {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub order: u32,
    pub segments: Vec<Segment>,
    pub toc: Vec<TocEntry>,
    pub path: PathBuf,
}

impl Lesson {
    pub fn experiment_ids(&self) -> impl Iterator<Item = &ExperimentId> {
        self.segments.iter().filter_map(|segment| match segment {
            Segment::Experiment(id) => Some(id),
            Segment::Html(_) => None,
        })
    }
}

pub(super) fn load_all(
    dir: &Path,
    highlighter: &Highlighter,
    known_experiment: &dyn Fn(&ExperimentId) -> bool,
) -> Result<Vec<Lesson>, ContentError> {
    let mut lessons = Vec::new();
    let mut orders: HashMap<u32, PathBuf> = HashMap::new();
    for path in sorted_entries(dir)? {
        if path.extension().is_none_or(|ext| ext != "md") {
            continue;
        }
        let lesson = load_one(&path, highlighter, known_experiment)?;
        if let Some(other) = orders.insert(lesson.order, path.clone()) {
            let message = format!("order {} is also used by {}", lesson.order, other.display());
            return Err(ContentError::new(&path, Some(front_matter_line(&path, "order")), message));
        }
        lessons.push(lesson);
    }
    if lessons.is_empty() {
        return Err(ContentError::new(dir, None, "no lessons (*.md) found"));
    }
    Ok(lessons)
}

fn load_one(
    path: &Path,
    highlighter: &Highlighter,
    known_experiment: &dyn Fn(&ExperimentId) -> bool,
) -> Result<Lesson, ContentError> {
    let slug = slug_of(path)?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| ContentError::new(path, None, format!("cannot read: {e}")))?;
    let (front, body, body_line) = split_front_matter(&text)
        .ok_or_else(|| ContentError::new(path, Some(1), "missing `+++` front matter"))?;
    let front: FrontMatter = toml::from_str(front).map_err(|e| {
        let line = e.span().map(|span| 1 + line_of(front, span.start));
        ContentError::new(path, line, format!("front matter: {}", e.message()))
    })?;
    if front.title.trim().is_empty() {
        return Err(ContentError::new(path, Some(2), "front matter: `title` is empty"));
    }
    let rendered =
        markdown::render(body, highlighter, known_experiment).map_err(|(offset, message)| {
            ContentError::new(path, Some(body_line + line_of(body, offset) - 1), message)
        })?;
    Ok(Lesson {
        slug,
        title: front.title,
        summary: front.summary,
        order: front.order,
        segments: rendered.segments,
        toc: rendered.toc,
        path: path.to_owned(),
    })
}

/// `03-threading-bottleneck.md` → `threading-bottleneck`.
fn slug_of(path: &Path) -> Result<String, ContentError> {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    let slug = stem
        .split_once('-')
        .filter(|(number, _)| !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()))
        .map(|(_, slug)| slug)
        .filter(|slug| ExperimentId::parse(slug).is_some());
    slug.map(str::to_owned).ok_or_else(|| {
        ContentError::new(path, None, "a lesson file must be named NN-slug.md (slug: a-z, 0-9, -)")
    })
}

/// Splits `+++\n<toml>\n+++\n<body>`; returns the TOML, the body and the body's first line number.
fn split_front_matter(text: &str) -> Option<(&str, &str, usize)> {
    let rest = text.strip_prefix("+++\n").or_else(|| text.strip_prefix("+++\r\n"))?;
    let end = rest.find("\n+++")?;
    let front = &rest[..end];
    let after = &rest[end + 4..];
    let body = after.strip_prefix("\r\n").or_else(|| after.strip_prefix('\n')).unwrap_or(after);
    let body_line = 1 + front.lines().count() + 2;
    Some((front, body, body_line))
}

fn front_matter_line(path: &Path, key: &str) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines().position(|line| line.trim_start().starts_with(key)).map_or(1, |i| i + 1)
}

/// The 1-based line of a byte offset.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    1 + text.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count()
}

/// The entries of a folder in name order, so loading is deterministic.
pub(super) fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, ContentError> {
    let read = std::fs::read_dir(dir)
        .map_err(|e| ContentError::new(dir, None, format!("cannot read the folder: {e}")))?;
    let mut paths: Vec<PathBuf> = read.filter_map(|entry| entry.ok().map(|e| e.path())).collect();
    paths.sort();
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_comes_from_the_file_name_after_its_number() {
        let slug = slug_of(Path::new("content/lessons/03-threading-bottleneck.md"));
        assert_eq!(slug.expect("valid"), "threading-bottleneck");
        assert!(slug_of(Path::new("lessons/intro.md")).is_err());
        assert!(slug_of(Path::new("lessons/01-Intro.md")).is_err());
    }

    #[test]
    fn front_matter_is_split_from_the_body_with_its_line_numbers() {
        let text = "+++\ntitle = \"t\"\norder = 1\n+++\n첫 줄\n";
        let (front, body, line) = split_front_matter(text).expect("split");
        assert_eq!(front, "title = \"t\"\norder = 1");
        assert_eq!(body, "첫 줄\n");
        assert_eq!(line, 5);
        assert!(split_front_matter("no front matter").is_none());
    }
}
