//! Following a run that another host executes (PostgreSQL): its row is read when its change is
//! announced (and on a slow poll), and what is new since the last read is told as events: the
//! status, the output its worker shared so far, then the result and the end.

use tokio::sync::mpsc;

use super::events::{Backlog, RunEvent};
use super::store;
use super::watch::{backlog_events, send_all};
use super::{RunId, RunStatus};
use crate::db::Pool;

/// What the watcher has been told of the run so far.
#[derive(Default)]
pub(super) struct Told {
    status: Option<RunStatus>,
    stdout: String,
    stderr: String,
}

impl Told {
    /// Whether the run was told to have left the queue (a queue position heard after that is
    /// stale: this node's poller never heard it start).
    pub(super) fn started(&self) -> bool {
        self.status.is_some_and(|status| status != RunStatus::Queued)
    }

    /// Reads the row and tells what changed. `Some(true)` once the run is finished (or the
    /// watcher gone), `None` if the read failed.
    pub(super) async fn catch_up(
        &mut self,
        db: &Pool,
        id: &RunId,
        out: &mpsc::Sender<RunEvent>,
    ) -> Option<bool> {
        let Ok(Some(run)) = store::get(db, id).await else { return None };
        let mut events = Vec::new();
        if run.status == RunStatus::Queued {
            // Queued (again, if its worker was lost): the queue poller tells its place, and its
            // next attempt's output starts afresh.
            if self.started() {
                *self = Told { status: Some(RunStatus::Queued), ..Told::default() };
            }
        } else if self.status != Some(run.status) && !run.status.is_finished() {
            self.status = Some(run.status);
            // The clock of a run on another host is that host's to tell (a known gap).
            events.push(RunEvent::Status { status: run.status, position: None, clock: None });
        }
        let output = Backlog {
            stdout: new_part(&mut self.stdout, &run.stdout),
            stderr: new_part(&mut self.stderr, &run.stderr),
            result: None,
            running: None,
        };
        events.extend(backlog_events(output));
        let finished = run.status.is_finished();
        if finished {
            if let Some(result) = run.result() {
                events.push(RunEvent::Result { result });
            }
            events.push(RunEvent::Done { status: run.status, reason: run.reason.clone() });
        }
        Some(!send_all(out, events).await || finished)
    }
}

/// The part of `now` after what was told, which becomes all of `now`. Output that no longer
/// starts with what was told (cut short at the end) tells nothing more rather than repeat it.
fn new_part(told: &mut String, now: &str) -> String {
    let new = now.strip_prefix(told.as_str()).map(str::to_owned).unwrap_or_default();
    if !new.is_empty() {
        told.push_str(&new);
    }
    new
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_new_part_of_the_output_is_told_and_never_twice() {
        let mut told = String::new();
        assert_eq!(new_part(&mut told, "하나\n"), "하나\n");
        assert_eq!(new_part(&mut told, "하나\n둘\n"), "둘\n");
        assert_eq!(new_part(&mut told, "하나\n둘\n"), "");
        assert_eq!(new_part(&mut told, "다른 출력"), "", "diverged: nothing repeated");
        assert_eq!(told, "하나\n둘\n");
    }
}
