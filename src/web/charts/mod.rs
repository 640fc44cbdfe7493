//! The chart kit: every chart on a page is one [`Plot`] — shapes laid out in SVG units, numbers
//! already written, a Korean text alternative — and `templates/partials/plot.html` draws any of
//! them, with no arithmetic of its own.
//!
//! Each file here draws one kind. The kinds an `experiment.toml` may declare are listed once, in
//! the `kinds!` call below, which declares each file and sends its declarations to its
//! `draw(&Chart) -> Vec<Plot>`. Adding a chart kind is therefore one new file here, its name in
//! [`ChartKind`](crate::content::ChartKind) and its line in `kinds!` (which stands in for the
//! `mod` line every file needs); the compiler names any line missing.
//!
//! `class_histogram` draws a class's measurements (one per learner) rather than one result, so
//! the class pages call it directly.

pub mod class_histogram;
mod gil_lanes;
mod scale;
mod series;

use std::fmt;

use crate::content::{ChartKind, ChartSpec, Experiment, VariantLabels};
use crate::format;
use crate::runs::result::RunResult;

/// One chart declaration of an experiment, and what it draws from.
pub struct Chart<'a> {
    pub spec: &'a ChartSpec,
    pub result: &'a RunResult,
    pub labels: &'a VariantLabels,
}

/// Declares each kind's file and routes a declaration of that kind to its `draw`.
macro_rules! kinds {
    ($($kind:ident => $file:ident),* $(,)?) => {
        $(mod $file;)*

        /// The plots of one chart declaration (none where the result lacks its numbers).
        fn draw(chart: &Chart) -> Vec<Plot> {
            match chart.spec.kind {
                $(ChartKind::$kind => $file::draw(chart),)*
            }
        }
    };
}

kinds! {
    Timeline => timeline,
    Bars => bars,
    Histogram => histogram,
    Distribution => distribution,
}

pub use timeline::overlap_share;

/// The plots of a result, in the order its experiment declares them; a timeline per variant
/// when it declares none (or the experiment is unknown).
pub fn of_result(result: &RunResult, experiment: Option<&Experiment>) -> Vec<Plot> {
    let timeline = [ChartSpec {
        kind: ChartKind::Timeline,
        value: String::new(),
        label: String::new(),
        nonzero: None,
        scale: None,
    }];
    let declared = experiment.map(|e| e.charts.as_slice()).unwrap_or_default();
    let specs = if declared.is_empty() { &timeline[..] } else { declared };
    let no_labels = VariantLabels::default();
    let labels = experiment.map_or(&no_labels, |e| &e.labels);
    specs.iter().flat_map(|spec| draw(&Chart { spec, result, labels })).collect()
}

/// A height, a length down the chart or a radius, in CSS pixels (text keeps its size at every
/// width), written with at most two decimals.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Coord(pub f64);

impl fmt::Display for Coord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format::decimals(self.0, 2))
    }
}

/// A place or length across the chart, as a share of its width (0 to 1), written as a
/// percentage: the SVG has no `viewBox`, so it re-flows to any width while its text and
/// heights stay in pixels.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Across(pub f64);

impl fmt::Display for Across {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", format::decimals(self.0 * 100.0, 3))
    }
}

/// What a plot is drawn with. `class` names the CSS that colours it.
pub enum Shape {
    /// `tooltip` becomes the rect's `<title>`: what a pointer over it reads.
    Rect {
        x: Across,
        y: Coord,
        w: Across,
        h: Coord,
        class: String,
        tooltip: Option<String>,
    },
    Line {
        x1: Across,
        y1: Coord,
        x2: Across,
        y2: Coord,
        class: String,
    },
    Circle {
        cx: Across,
        cy: Coord,
        r: Coord,
        class: String,
    },
    Text {
        x: Across,
        y: Coord,
        anchor: &'static str,
        class: String,
        text: String,
    },
}

impl Shape {
    pub fn rect(x: Across, y: f64, w: Across, h: f64, class: impl Into<String>) -> Shape {
        Shape::Rect { x, y: Coord(y), w, h: Coord(h), class: class.into(), tooltip: None }
    }

    pub fn line(from: (Across, f64), to: (Across, f64), class: impl Into<String>) -> Shape {
        let (x1, y1, x2, y2) = (from.0, Coord(from.1), to.0, Coord(to.1));
        Shape::Line { x1, y1, x2, y2, class: class.into() }
    }

    pub fn circle(cx: Across, cy: f64, r: f64, class: impl Into<String>) -> Shape {
        Shape::Circle { cx, cy: Coord(cy), r: Coord(r), class: class.into() }
    }

    /// Text anchored at its `start`, `middle` or `end`.
    pub fn text(
        (x, y): (Across, f64),
        anchor: &'static str,
        class: impl Into<String>,
        text: String,
    ) -> Shape {
        Shape::Text { x, y: Coord(y), anchor, class: class.into(), text }
    }

    /// The same rect, with a tooltip.
    pub fn with_tooltip(self, text: String) -> Shape {
        match self {
            Shape::Rect { x, y, w, h, class, .. } => {
                Shape::Rect { x, y, w, h, class, tooltip: Some(text) }
            }
            other => other,
        }
    }

    pub fn class(&self) -> &str {
        match self {
            Shape::Rect { class, .. }
            | Shape::Line { class, .. }
            | Shape::Circle { class, .. }
            | Shape::Text { class, .. } => class,
        }
    }
}

/// The numbers behind a chart as a table, for those who would rather read than look.
pub struct Table {
    /// Column headings; columns after the first hold numbers.
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

pub struct Plot {
    /// The CSS block its classes are named after: `plot`, `timeline` or `hist`.
    pub block: &'static str,
    pub title: String,
    /// A short note beside the title (a timeline's share of overlap).
    pub aside: Option<String>,
    /// The height in pixels; the width is the page's.
    pub height: Coord,
    /// Empty where there is nothing worth drawing (one learner's value): the words say it.
    pub shapes: Vec<Shape>,
    /// The Korean text alternative: the SVG's label, read out instead of the picture.
    pub description: String,
    /// Shown under the chart for everyone; without it the description is for screen readers only.
    pub summary: Option<String>,
    pub table: Option<Table>,
}

impl Plot {
    /// A plot with nothing beside its shapes but its title and text alternative.
    pub fn new(block: &'static str, title: String, height: f64, shapes: Vec<Shape>) -> Plot {
        Plot {
            block,
            title,
            aside: None,
            height: Coord(height),
            shapes,
            description: String::new(),
            summary: None,
            table: None,
        }
    }

    pub fn described(mut self, description: String) -> Plot {
        self.description = description;
        self
    }
}

/// Plots of a result written as JSON, for the kinds' tests; `sequential` has a label.
#[cfg(test)]
fn plots_of(kind: ChartKind, value: &str, result: serde_json::Value) -> Vec<Plot> {
    let result: RunResult = serde_json::from_value(result).expect("a result");
    let labels = [("sequential".to_owned(), "순차 (sequential)".to_owned())].into_iter().collect();
    let spec =
        ChartSpec { kind, value: value.into(), label: "값".into(), nonzero: None, scale: None };
    draw(&Chart { spec: &spec, result: &result, labels: &labels })
}
