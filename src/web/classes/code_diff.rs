//! A learner's edited program against the experiment's original, as lines the template shows:
//! hunks of changes with three lines of context, each line numbered on its side.

use similar::{ChangeTag, TextDiff};

pub struct DiffLine {
    /// `add`, `del` or `same`: the CSS modifier and the sign shown.
    pub kind: &'static str,
    pub old_line: Option<usize>,
    pub new_line: Option<usize>,
    pub text: String,
}

impl DiffLine {
    pub fn sign(&self) -> &'static str {
        match self.kind {
            "add" => "+",
            "del" => "−",
            _ => " ",
        }
    }
}

pub struct CodeDiff {
    pub hunks: Vec<Vec<DiffLine>>,
    pub added: usize,
    pub removed: usize,
}

/// The changes from `original` to `edited`; no hunks when they are the same.
pub fn diff(original: &str, edited: &str) -> CodeDiff {
    let diff = TextDiff::from_lines(original, edited);
    let (mut added, mut removed) = (0, 0);
    let hunks = diff
        .grouped_ops(3)
        .iter()
        .map(|group| {
            group
                .iter()
                .flat_map(|op| diff.iter_changes(op))
                .map(|change| {
                    let kind = match change.tag() {
                        ChangeTag::Insert => {
                            added += 1;
                            "add"
                        }
                        ChangeTag::Delete => {
                            removed += 1;
                            "del"
                        }
                        ChangeTag::Equal => "same",
                    };
                    DiffLine {
                        kind,
                        old_line: change.old_index().map(|i| i + 1),
                        new_line: change.new_index().map(|i| i + 1),
                        text: change.value().trim_end_matches(['\n', '\r']).to_owned(),
                    }
                })
                .collect()
        })
        .collect();
    CodeDiff { hunks, added, removed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_line_shows_as_removed_then_added_with_its_line_numbers() {
        let original = "a = 1\nb = 2\nc = 3\n";
        let edited = "a = 1\nb = 20\nc = 3\nd = 4\n";
        let diff = diff(original, edited);
        assert_eq!((diff.added, diff.removed), (2, 1));
        let lines = &diff.hunks[0];
        let removed = lines.iter().find(|l| l.kind == "del").expect("removed line");
        assert_eq!(
            (removed.old_line, removed.new_line, removed.text.as_str()),
            (Some(2), None, "b = 2")
        );
        let added =
            lines.iter().filter(|l| l.kind == "add").map(|l| l.new_line).collect::<Vec<_>>();
        assert_eq!(added, [Some(2), Some(4)]);
    }

    #[test]
    fn identical_programs_have_no_hunks() {
        assert!(diff("x\n", "x\n").hunks.is_empty());
    }
}
