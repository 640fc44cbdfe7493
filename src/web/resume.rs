//! Resuming a run's event stream where it was, on this web node or another (`Last-Event-ID`):
//! each output event's id is how far the run's stdout and stderr had been told after it
//! (`bytes:bytes`), and a stream opened again with that id leaves out the output before it.
//! Every stream tells a run's output from its beginning (the backlog, the row), so the offsets
//! mean the same wherever it is opened.

use axum::http::HeaderMap;

use crate::runs::{RunEvent, Stream};

/// Where the client was, and how far this stream has told.
#[derive(Debug, Default)]
pub struct Resume {
    /// Bytes of stdout and of stderr the client already has.
    had: [usize; 2],
    /// Bytes of each this stream has passed (sent or left out).
    told: [usize; 2],
}

impl Resume {
    /// From the `Last-Event-ID` header the browser sends when it reconnects; none: from the start.
    pub fn from_headers(headers: &HeaderMap) -> Resume {
        let had = headers
            .get("last-event-id")
            .and_then(|value| value.to_str().ok())
            .and_then(|id| id.split_once(':'))
            .and_then(|(out, err)| Some([out.parse().ok()?, err.parse().ok()?]))
            .unwrap_or_default();
        Resume { had, told: [0, 0] }
    }

    /// The event to send, its output cut to what the client lacks (`None`: it has it all), and
    /// the id to send with it (output events only).
    pub fn pass(&mut self, event: RunEvent) -> Option<(RunEvent, Option<String>)> {
        let RunEvent::Output { stream, text } = event else { return Some((event, None)) };
        let n = usize::from(stream == Stream::Stderr);
        let start = self.told[n];
        self.told[n] += text.len();
        let id = Some(format!("{}:{}", self.told[0], self.told[1]));
        let skip = self.had[n].saturating_sub(start);
        if skip >= text.len() {
            return None;
        }
        // Never inside a character: from the first boundary at or after the cut.
        let from = (skip..=text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(text.len());
        Some((RunEvent::Output { stream, text: text[from..].to_owned() }, id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(text: &str) -> RunEvent {
        RunEvent::Output { stream: Stream::Stdout, text: text.to_owned() }
    }

    fn text(passed: Option<(RunEvent, Option<String>)>) -> Option<(String, String)> {
        match passed? {
            (RunEvent::Output { text, .. }, id) => Some((text, id.expect("an id"))),
            _ => None,
        }
    }

    #[test]
    fn a_fresh_stream_tells_everything_with_ids_of_the_bytes_told() {
        let mut resume = Resume::default();
        assert_eq!(text(resume.pass(out("하나\n"))), Some(("하나\n".into(), "7:0".into())));
        assert_eq!(text(resume.pass(out("둘\n"))), Some(("둘\n".into(), "11:0".into())));
    }

    #[test]
    fn a_resumed_stream_leaves_out_what_the_client_has_even_inside_an_event() {
        let mut headers = HeaderMap::new();
        headers.insert("last-event-id", "9:0".parse().expect("header"));
        let mut resume = Resume::from_headers(&headers);
        assert_eq!(text(resume.pass(out("하나\n"))), None, "had it all");
        // 9 bytes in: "둘" (3 bytes) was cut inside; the next boundary is after it.
        assert_eq!(text(resume.pass(out("둘\n"))), Some(("\n".into(), "11:0".into())));
        let status = RunEvent::Done { status: crate::runs::RunStatus::Succeeded, reason: None };
        assert!(matches!(resume.pass(status), Some((RunEvent::Done { .. }, None))));
    }

    #[test]
    fn a_malformed_id_resumes_from_the_start() {
        let mut headers = HeaderMap::new();
        headers.insert("last-event-id", "abc".parse().expect("header"));
        let mut resume = Resume::from_headers(&headers);
        assert_eq!(text(resume.pass(out("하나\n"))), Some(("하나\n".into(), "7:0".into())));
    }
}
