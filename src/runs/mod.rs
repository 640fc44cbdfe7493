//! Runs: submitting, the queue in the `run` table, the workers that execute runs, and live events.

mod active;
mod changes;
pub mod claim;
pub mod estimate;
mod events;
pub mod job;
pub mod lease;
mod live;
pub mod load;
mod positions;
pub mod prediction;
pub mod queue;
mod remote;
pub mod result;
pub mod stats;
pub mod store;
pub mod submit;
pub mod waiting;
mod watch;
mod worker;

use std::fmt;

use serde::Serialize;

use crate::sandbox::JobId;

pub use events::{Backlog, Clock, Hub, Place, RunEvent, Stream};
pub use job::job;
pub use submit::{Submission, SubmitLimits, submit};
pub use worker::{CancelError, Runner, recover_interrupted};

/// A run's public id: 12 characters from an alphabet without look-alikes, random.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct RunId(String);

const ID_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";

impl RunId {
    pub fn new() -> RunId {
        let mut bytes = [0u8; 12];
        // The OS random source failing is not something a server can work around.
        getrandom::fill(&mut bytes).expect("the OS random source works");
        let id = bytes.iter().map(|b| ID_ALPHABET[usize::from(b % 32)] as char).collect();
        RunId(id)
    }

    pub fn parse(raw: &str) -> Option<RunId> {
        (raw.len() == 12 && raw.bytes().all(|b| ID_ALPHABET.contains(&b)))
            .then(|| RunId(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The sandbox's name for this run's job: the same 12 characters.
    pub fn job_id(&self) -> JobId {
        // The alphabet above is letters and digits only, which every job id may be.
        JobId::parse(&self.0).expect("a run id is a valid job id")
    }
}

impl Default for RunId {
    fn default() -> Self {
        RunId::new()
    }
}

/// A stored id that is not one of ours is a bad row, not a new id.
impl TryFrom<String> for RunId {
    type Error = String;

    fn try_from(raw: String) -> Result<RunId, String> {
        RunId::parse(&raw).ok_or_else(|| format!("not a run id: {raw:?}"))
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Cancelled,
}

impl TryFrom<String> for RunStatus {
    type Error = String;

    fn try_from(raw: String) -> Result<RunStatus, String> {
        RunStatus::parse(&raw).ok_or_else(|| format!("not a run status: {raw:?}"))
    }
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::TimedOut => "timed_out",
            RunStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<RunStatus> {
        [
            RunStatus::Queued,
            RunStatus::Running,
            RunStatus::Succeeded,
            RunStatus::Failed,
            RunStatus::TimedOut,
            RunStatus::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }

    pub fn is_finished(self) -> bool {
        !matches!(self, RunStatus::Queued | RunStatus::Running)
    }

    /// The Korean word shown on cards and lists.
    pub fn label(self) -> &'static str {
        match self {
            RunStatus::Queued => "대기 중",
            RunStatus::Running => "실행 중",
            RunStatus::Succeeded => "완료",
            RunStatus::Failed => "실패",
            RunStatus::TimedOut => "시간 초과",
            RunStatus::Cancelled => "취소됨",
        }
    }
}

/// Now, as stored and sent: RFC 3339 in UTC with milliseconds, which also sorts as text.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_run_id_parses_and_a_tampered_one_does_not() {
        let id = RunId::new();
        assert_eq!(RunId::parse(id.as_str()), Some(id.clone()));
        assert!(RunId::parse("0000000000000").is_none());
        assert!(RunId::parse("abc").is_none());
        assert!(RunId::parse("ABCDEFGHJKMN").is_none());
    }

    #[test]
    fn every_letter_of_a_run_id_may_name_a_job() {
        let all = std::str::from_utf8(ID_ALPHABET).expect("ASCII");
        assert!(JobId::parse(all).is_some());
        assert_eq!(RunId::new().job_id().as_str().len(), 12);
    }

    #[test]
    fn every_status_round_trips_through_its_text() {
        for status in ["queued", "running", "succeeded", "failed", "timed_out", "cancelled"] {
            assert_eq!(RunStatus::parse(status).map(RunStatus::as_str), Some(status));
        }
        assert!(RunStatus::Cancelled.is_finished() && !RunStatus::Running.is_finished());
    }

    #[test]
    fn timestamps_are_utc_with_milliseconds() {
        let now = now_rfc3339();
        assert_eq!(now.len(), "2026-11-25T08:40:12.345Z".len(), "{now}");
        assert!(now.ends_with('Z'));
    }
}
