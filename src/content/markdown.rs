//! Markdown to HTML: headings with anchors, callouts, highlighted code, and experiment placeholders.

use pulldown_cmark::{
    BlockQuoteKind, CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html,
};

use super::experiment::ExperimentId;
use super::{Highlighter, Segment, TocEntry};

pub(super) struct Rendered {
    pub segments: Vec<Segment>,
    pub toc: Vec<TocEntry>,
}

/// An error at a byte offset of the body.
type RenderError = (usize, String);

pub(super) fn render(
    body: &str,
    highlighter: &Highlighter,
    known_experiment: &dyn Fn(&ExperimentId) -> bool,
) -> Result<Rendered, RenderError> {
    let options = Options::ENABLE_TABLES | Options::ENABLE_GFM | Options::ENABLE_STRIKETHROUGH;
    let mut parser = Parser::new_ext(body, options).into_offset_iter();
    let mut writer = Writer::default();
    while let Some((event, range)) = parser.next() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                let inner =
                    take_until(&mut parser, |e| matches!(e, Event::End(TagEnd::Heading(_))));
                writer.heading(level, inner);
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let code = collect_text(&mut parser);
                let info = match kind {
                    CodeBlockKind::Fenced(info) => info.into_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                writer
                    .code_block(&info, &code, highlighter, known_experiment)
                    .map_err(|message| (range.start, message))?;
            }
            Event::Start(Tag::BlockQuote(Some(kind))) => writer.html(callout_open(kind)),
            Event::End(TagEnd::BlockQuote(Some(_))) => writer.html("</aside>".to_owned()),
            Event::Start(Tag::Table(alignments)) => {
                writer.html(r#"<div class="table-wrap">"#.to_owned());
                writer.events.push(Event::Start(Tag::Table(alignments)));
            }
            Event::End(TagEnd::Table) => {
                writer.events.push(Event::End(TagEnd::Table));
                writer.html("</div>".to_owned());
            }
            other => writer.events.push(other),
        }
    }
    Ok(writer.finish())
}

#[derive(Default)]
struct Writer<'a> {
    events: Vec<Event<'a>>,
    segments: Vec<Segment>,
    toc: Vec<TocEntry>,
}

impl<'a> Writer<'a> {
    fn html(&mut self, html: String) {
        self.events.push(Event::Html(CowStr::from(html)));
    }

    fn heading(&mut self, level: HeadingLevel, inner: Vec<Event<'a>>) {
        let text = plain_text(&inner);
        let id = unique_id(&self.toc, &slugify(&text));
        let n = level as u8;
        if matches!(level, HeadingLevel::H2 | HeadingLevel::H3) {
            self.toc.push(TocEntry { level: n, id: id.clone(), text });
        }
        self.html(format!(r#"<h{n} id="{id}">"#));
        self.events.extend(inner);
        self.html(format!(
            r##"<a class="anchor" href="#{id}" aria-label="이 절로 가는 링크">#</a></h{n}>"##
        ));
    }

    fn code_block(
        &mut self,
        info: &str,
        code: &str,
        highlighter: &Highlighter,
        known_experiment: &dyn Fn(&ExperimentId) -> bool,
    ) -> Result<(), String> {
        let mut words = info.split_whitespace();
        match words.next() {
            Some("experiment") => {
                let raw = words.next().unwrap_or_default();
                let id = ExperimentId::parse(raw)
                    .filter(|id| known_experiment(id))
                    .ok_or_else(|| format!("unknown experiment `{raw}`"))?;
                self.flush();
                self.segments.push(Segment::Experiment(id));
            }
            language => self.html(highlighter.code_block(language.unwrap_or_default(), code)),
        }
        Ok(())
    }

    fn flush(&mut self) {
        if self.events.is_empty() {
            return;
        }
        let mut out = String::new();
        html::push_html(&mut out, self.events.drain(..));
        self.segments.push(Segment::Html(out));
    }

    fn finish(mut self) -> Rendered {
        self.flush();
        Rendered { segments: self.segments, toc: self.toc }
    }
}

fn callout_open(kind: BlockQuoteKind) -> String {
    let (class, label) = match kind {
        BlockQuoteKind::Note => ("note", "참고"),
        BlockQuoteKind::Tip => ("tip", "팁"),
        BlockQuoteKind::Important => ("important", "중요"),
        BlockQuoteKind::Warning => ("warning", "주의"),
        // Caution is reserved for corrections of the seed notes.
        BlockQuoteKind::Caution => ("correction", "바로잡기"),
    };
    format!(r#"<aside class="callout callout-{class}"><p class="callout-title">{label}</p>"#)
}

fn take_until<'a>(
    parser: &mut impl Iterator<Item = (Event<'a>, std::ops::Range<usize>)>,
    is_end: impl Fn(&Event<'a>) -> bool,
) -> Vec<Event<'a>> {
    parser.map(|(event, _)| event).take_while(|e| !is_end(e)).collect()
}

fn collect_text<'a>(
    parser: &mut impl Iterator<Item = (Event<'a>, std::ops::Range<usize>)>,
) -> String {
    let inner = take_until(parser, |e| matches!(e, Event::End(TagEnd::CodeBlock)));
    plain_text(&inner)
}

fn plain_text(events: &[Event<'_>]) -> String {
    events
        .iter()
        .filter_map(|event| match event {
            Event::Text(text) | Event::Code(text) => Some(text.as_ref()),
            _ => None,
        })
        .collect()
}

/// Keeps letters (Hangul included) and digits, joins words with `-`.
fn slugify(text: &str) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() { "section".to_owned() } else { words.join("-") }
}

fn unique_id(toc: &[TocEntry], base: &str) -> String {
    let taken = |id: &str| toc.iter().any(|entry| entry.id == id);
    if !taken(base) {
        return base.to_owned();
    }
    (2..).map(|n| format!("{base}-{n}")).find(|id| !taken(id)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_ok(body: &str) -> Rendered {
        let known = |id: &ExperimentId| id.as_str() == "cpu-bound";
        render(body, &Highlighter::new(), &known).expect("renders")
    }

    fn html_of(rendered: &Rendered) -> String {
        rendered
            .segments
            .iter()
            .map(|s| match s {
                Segment::Html(html) => html.clone(),
                Segment::Experiment(id) => format!("[{id}]"),
            })
            .collect()
    }

    #[test]
    fn korean_headings_get_anchors_and_enter_the_table_of_contents() {
        let rendered = render_ok("## GIL이란 무엇인가?\n\n본문\n\n## GIL이란 무엇인가?\n");
        let html = html_of(&rendered);
        assert!(html.contains(r#"<h2 id="gil이란-무엇인가">"#), "{html}");
        assert_eq!(rendered.toc[1].id, "gil이란-무엇인가-2");
        assert_eq!(rendered.toc[0].text, "GIL이란 무엇인가?");
    }

    #[test]
    fn an_experiment_block_splits_the_lesson_into_segments() {
        let rendered = render_ok("앞\n\n```experiment cpu-bound\n```\n\n뒤\n");
        assert_eq!(html_of(&rendered), "<p>앞</p>\n[cpu-bound]<p>뒤</p>\n");
    }

    #[test]
    fn an_unknown_experiment_is_an_error_at_its_offset() {
        let known = |_: &ExperimentId| false;
        let body = "첫\n\n```experiment nope\n```\n";
        let (offset, message) = render(body, &Highlighter::new(), &known).err().expect("error");
        assert_eq!(offset, body.find("```").expect("fence"));
        assert!(message.contains("nope"));
    }

    #[test]
    fn a_caution_alert_becomes_a_correction_callout() {
        let html = html_of(&render_ok("> [!CAUTION]\n> 노트는 틀렸습니다.\n"));
        assert!(html.contains(r#"<aside class="callout callout-correction">"#), "{html}");
        assert!(html.contains("바로잡기"));
    }

    #[test]
    fn tables_are_wrapped_so_they_scroll_on_phones() {
        let html = html_of(&render_ok("| a | b |\n|---|---|\n| 1 | 2 |\n"));
        assert!(html.starts_with(r#"<div class="table-wrap"><table>"#), "{html}");
    }

    #[test]
    fn raw_text_in_code_is_escaped() {
        let html = html_of(&render_ok("```text\n<script>alert(1)</script>\n```\n"));
        assert!(!html.contains("<script>"), "{html}");
    }
}
