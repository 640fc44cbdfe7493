//! What the run workers need from a sandbox: a job in, an outcome out, output streamed live.

use futures_util::future::BoxFuture;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::cpuset::CpuSet;
use super::limits::RunLimits;
use super::protocol::Record;

/// The Python harness, written beside every program as `gil_lab.py`.
pub const HARNESS: &str = include_str!("harness/gil_lab.py");
/// The harness's GIL recorder, written beside it as `gil_timeline.py` (see its docstring).
pub const GIL_TIMELINE: &str = include_str!("harness/gil_timeline.py");

/// The sandbox's own name for a job: it names the job's folder and cgroup, and its log lines.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JobId(String);

impl JobId {
    /// 1 to 64 ASCII letters, digits, `-` or `_`: a single path component, never `.` or `..`.
    pub fn parse(raw: &str) -> Option<JobId> {
        let safe = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        (!raw.is_empty() && raw.len() <= 64 && raw.bytes().all(safe)).then(|| JobId(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One program to run, with the limits that bound it.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: JobId,
    /// The learner's `main.py`.
    pub code: String,
    /// `config.json` for the harness: parameters, variants, repeats.
    pub config: Value,
    pub limits: RunLimits,
    /// The CPUs of the worker's slot, which the run may not leave; `None`: any CPU.
    pub cpus: Option<CpuSet>,
}

/// How a run ended, before the harness records are interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Python exited with this code.
    Exited(i32),
    /// Python (or the sandbox) was killed by a signal.
    Signaled(i32),
    /// The run hit its wall-clock limit and was killed.
    TimedOut,
    /// The learner cancelled, or the server is shutting down.
    Cancelled,
    /// The sandbox could not be built: the program never ran.
    SandboxFailed,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub ending: Ending,
    pub stdout: String,
    pub stderr: String,
    /// Limits that were hit, each as a Korean sentence naming the limit.
    pub limits_hit: Vec<String>,
    /// The harness's records, already parsed and bounded.
    pub records: Vec<Record>,
    /// Facts about where it ran (interpreter, sandbox layers, peak memory…).
    pub runtime: Value,
    /// Internal detail for the log when the sandbox failed.
    pub error: Option<String>,
}

/// Output as it arrives, for live watchers.
#[derive(Debug, Clone)]
pub enum Chunk {
    Stdout(String),
    Stderr(String),
    Record(Record),
}

pub type ChunkSender = mpsc::Sender<Chunk>;

/// A place that runs programs. The real one isolates them; tests use a fast fake.
pub trait Backend: Send + Sync + 'static {
    /// Runs the job to its end, sending output as it comes; `cancel` stops it early.
    fn execute(
        &self,
        job: Job,
        live: ChunkSender,
        cancel: CancellationToken,
    ) -> BoxFuture<'_, Outcome>;

    /// A one-line description for the log at start.
    fn describe(&self) -> String;
}

/// Keeps at most `max` bytes of a stream, cut on a character boundary, and says if it cut.
#[derive(Debug, Default)]
pub struct CappedText {
    text: String,
    max: usize,
    truncated: bool,
}

impl CappedText {
    pub fn new(max: usize) -> CappedText {
        CappedText { text: String::new(), max, truncated: false }
    }

    /// Appends what fits and returns the part that was kept (for live output).
    pub fn push(&mut self, piece: &str) -> &str {
        let start = self.text.len();
        let room = self.max.saturating_sub(start);
        if piece.len() > room {
            self.truncated = true;
        }
        let mut end = room.min(piece.len());
        while !piece.is_char_boundary(end) {
            end -= 1;
        }
        self.text.push_str(&piece[..end]);
        &self.text[start..]
    }

    pub fn truncated(&self) -> bool {
        self.truncated
    }

    pub fn into_string(self) -> String {
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_id_is_one_safe_path_component() {
        assert_eq!(JobId::parse("abc-12_Z").map(|id| id.to_string()), Some("abc-12_Z".into()));
        for bad in ["", "..", "a/b", "a b", "ä", &"x".repeat(65)] {
            assert_eq!(JobId::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn capped_text_keeps_whole_characters_and_notes_the_cut() {
        let mut text = CappedText::new(7);
        assert_eq!(text.push("가나"), "가나");
        assert_eq!(text.push("다라"), "");
        assert!(text.truncated());
        assert_eq!(text.into_string(), "가나");
    }
}
