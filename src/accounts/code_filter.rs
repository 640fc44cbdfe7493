//! Which of a class's runs an instructor looks at by their code: all of them, only those that
//! ran the experiment's own program, or only those whose learner changed it. An edited program
//! measures something else, so its numbers should not pass unnoticed into the class's figures.

use super::class_runs::ClassRun;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CodeFilter {
    #[default]
    All,
    Original,
    Edited,
}

impl CodeFilter {
    /// `?code=` as it arrives: missing or empty is everything; anything unknown is `None`.
    pub fn parse(raw: Option<&str>) -> Option<CodeFilter> {
        match raw.map(str::trim).unwrap_or_default() {
            "" | "all" => Some(CodeFilter::All),
            "original" => Some(CodeFilter::Original),
            "edited" => Some(CodeFilter::Edited),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CodeFilter::All => "all",
            CodeFilter::Original => "original",
            CodeFilter::Edited => "edited",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CodeFilter::All => "모든 실행",
            CodeFilter::Original => "원래 코드만",
            CodeFilter::Edited => "고친 코드만",
        }
    }

    pub fn keeps(self, code_edited: bool) -> bool {
        match self {
            CodeFilter::All => true,
            CodeFilter::Original => !code_edited,
            CodeFilter::Edited => code_edited,
        }
    }

    /// The runs this filter keeps, in their order.
    pub fn apply(self, runs: Vec<ClassRun>) -> Vec<ClassRun> {
        runs.into_iter().filter(|r| self.keeps(r.code_edited)).collect()
    }

    pub const EVERY: [CodeFilter; 3] = [CodeFilter::All, CodeFilter::Original, CodeFilter::Edited];
}

/// The Korean message for a `?code=` that names no filter.
pub const UNKNOWN_FILTER: &str =
    "코드 필터는 all(모든 실행), original(원래 코드만), edited(고친 코드만) 가운데 하나입니다.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_reads_its_three_names_and_refuses_others() {
        assert_eq!(CodeFilter::parse(None), Some(CodeFilter::All));
        assert_eq!(CodeFilter::parse(Some(" edited ")), Some(CodeFilter::Edited));
        assert_eq!(CodeFilter::parse(Some("original")), Some(CodeFilter::Original));
        assert_eq!(CodeFilter::parse(Some("Edited")), None);
        for filter in CodeFilter::EVERY {
            assert_eq!(CodeFilter::parse(Some(filter.as_str())), Some(filter));
        }
    }

    #[test]
    fn original_keeps_unedited_runs_and_edited_the_others() {
        assert!(CodeFilter::Original.keeps(false) && !CodeFilter::Original.keeps(true));
        assert!(CodeFilter::Edited.keeps(true) && !CodeFilter::Edited.keeps(false));
        assert!(CodeFilter::All.keeps(true) && CodeFilter::All.keeps(false));
    }
}
