//! Server-side syntax highlighting with CSS classes, so light and dark themes share one markup.

use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

pub struct Highlighter {
    syntaxes: SyntaxSet,
}

/// Class names look like `hl-keyword hl-control`; `static/css/site.css` colours them.
const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

impl Highlighter {
    pub fn new() -> Highlighter {
        Highlighter { syntaxes: SyntaxSet::load_defaults_newlines() }
    }

    /// A `<pre>` block; languages other than Python are shown escaped but uncoloured.
    pub fn code_block(&self, language: &str, code: &str) -> String {
        let body = match language {
            "python" | "py" | "python3" => self.python(code),
            _ => None,
        }
        .unwrap_or_else(|| escape(code));
        let class = if language.is_empty() { "text" } else { language };
        let class = escape(class);
        format!(r#"<pre class="code"><code class="language-{class}">{body}</code></pre>"#)
    }

    fn python(&self, code: &str) -> Option<String> {
        let syntax = self.syntaxes.find_syntax_by_token("python")?;
        let mut generator =
            ClassedHTMLGenerator::new_with_class_style(syntax, &self.syntaxes, CLASS_STYLE);
        for line in LinesWithEndings::from(code) {
            generator.parse_html_for_line_which_includes_newline(line).ok()?;
        }
        Some(generator.finalize())
    }
}

impl Default for Highlighter {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Highlighter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Highlighter")
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    pulldown_cmark_escape::escape_html(&mut out, text).ok();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_keywords_and_strings_get_classes() {
        let html = Highlighter::new().code_block("python", "def f():\n    return \"한글\"\n");
        assert!(html.contains(r#"class="hl-storage"#) || html.contains("hl-keyword"), "{html}");
        assert!(html.contains("hl-string"), "{html}");
        assert!(html.contains("한글"));
    }

    #[test]
    fn unknown_languages_are_escaped_not_coloured() {
        let html = Highlighter::new().code_block("shell", "echo <b>");
        assert!(html.contains("echo &lt;b&gt;"));
        assert!(html.contains("language-shell"));
    }
}
