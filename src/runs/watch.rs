//! Watching one run as one stream of events: a finished run is replayed from its row; an
//! unfinished one sends what happened so far, then follows live, and while it waits in the
//! queue hears its place change. Each watch is one task that ends as soon as its watcher is gone.

use std::time::Duration;

use crate::db::{Dialect, Pool};
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

use super::changes::RunChanges;
use super::events::{Backlog, Hub, Place, RunEvent, Stream};
use super::positions::ensure_polling;
use super::remote::Told;
use super::store::{self, RunRow};
use super::waiting::waiting;
use super::{RunId, RunStatus};

/// How often a watch on a PostgreSQL store reads a run that no worker of this process executes,
/// besides when the run's change is announced (announcements missed while the listener
/// reconnects are caught up with by this).
const REMOTE_POLL: Duration = Duration::from_secs(5);

/// What a watch needs of the runner.
#[derive(Clone)]
pub struct Watch {
    pub db: Pool,
    pub hub: Hub,
    pub shutdown: CancellationToken,
    pub changes: RunChanges,
}

impl Watch {
    /// The run's events until `done`, or until the server shuts down or the receiver is dropped.
    pub fn events(self, id: RunId) -> ReceiverStream<RunEvent> {
        let (sender, receiver) = mpsc::channel(64);
        tokio::spawn(async move { self.feed(id, sender).await });
        ReceiverStream::new(receiver)
    }

    async fn feed(self, id: RunId, out: mpsc::Sender<RunEvent>) {
        let (backlog, mut live) = self.hub.subscribe(&id);
        // Read after subscribing, so nothing between the two is missed.
        let run = match store::get(&self.db, &id).await {
            Ok(Some(run)) => run,
            _ => return self.hub.forget(&id),
        };
        if run.status.is_finished() {
            self.hub.forget(&id);
            send_all(&out, replay(&run)).await;
            return;
        }
        let position = self.place(&id).await;
        if let Some(place) = position {
            self.hub.remember(&id, place);
            ensure_polling(&self.db, &self.hub, &self.shutdown);
        }
        let clock = if run.status == RunStatus::Running { backlog.clock() } else { None };
        let mut first = vec![RunEvent::Status { status: run.status, position, clock }];
        first.extend(backlog_events(backlog));
        if send_all(&out, first).await {
            self.follow(&id, position, &mut live, &out).await;
        }
    }

    /// The run's place and estimate, if it is queued.
    async fn place(&self, id: &RunId) -> Option<Place> {
        let queue = waiting(&self.db, self.hub.workers()).await.ok()?;
        queue.iter().find(|w| w.run_id == *id).map(Place::of)
    }

    /// Live events until `done`; the queue poller's places arrive on the same channel. On a
    /// PostgreSQL store the run may execute on another host, whose events this process never
    /// hears: until it hears one, it reads the row when the run's change is announced (and
    /// every few seconds) and tells what changed.
    async fn follow(
        &self,
        id: &RunId,
        mut position: Option<Place>,
        live: &mut broadcast::Receiver<RunEvent>,
        out: &mpsc::Sender<RunEvent>,
    ) {
        let mut heard_worker = false;
        let mut told = Told::default();
        let mut poll = tokio::time::interval(REMOTE_POLL);
        let remote = self.db.dialect() == Dialect::Postgres;
        let mut announced = self.changes.subscribe();
        loop {
            let event = tokio::select! {
                received = live.recv() => match received {
                    Ok(event) => event,
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                changed = announced.recv(), if remote && !heard_worker => {
                    let ours = match changed {
                        Ok(changed) => changed == *id,
                        Err(broadcast::error::RecvError::Lagged(_)) => true,
                        Err(broadcast::error::RecvError::Closed) => false,
                    };
                    if !ours {
                        continue;
                    }
                    match told.catch_up(&self.db, id, out).await {
                        Some(true) => return,
                        _ => continue,
                    }
                },
                _ = poll.tick(), if remote && !heard_worker => {
                    match told.catch_up(&self.db, id, out).await {
                        Some(true) => return,
                        _ => continue,
                    }
                },
                // The watcher left: waiting on for a run that may sit queued for long would
                // keep this task, and its subscription, alive for nobody.
                () = out.closed() => return,
                () = self.shutdown.cancelled() => return,
            };
            match event {
                RunEvent::Status { status: RunStatus::Queued, position: now, .. } => {
                    if now == position || told.started() {
                        continue;
                    }
                    position = now;
                }
                RunEvent::Status { .. } => {
                    position = None;
                    heard_worker = true;
                }
                _ => heard_worker = true,
            }
            let done = matches!(event, RunEvent::Done { .. });
            if out.send(event).await.is_err() || done {
                return;
            }
        }
    }
}

/// Sends every event; false once the watcher is gone.
pub(super) async fn send_all(out: &mpsc::Sender<RunEvent>, events: Vec<RunEvent>) -> bool {
    for event in events {
        if out.send(event).await.is_err() {
            return false;
        }
    }
    true
}

pub(super) fn backlog_events(backlog: Backlog) -> Vec<RunEvent> {
    let mut events = Vec::new();
    if !backlog.stdout.is_empty() {
        events.push(RunEvent::Output { stream: Stream::Stdout, text: backlog.stdout });
    }
    if !backlog.stderr.is_empty() {
        events.push(RunEvent::Output { stream: Stream::Stderr, text: backlog.stderr });
    }
    if let Some(result) = backlog.result {
        events.push(RunEvent::Result { result });
    }
    events
}

/// A finished run, told again as its events.
fn replay(run: &RunRow) -> Vec<RunEvent> {
    let backlog = Backlog {
        stdout: run.stdout.clone(),
        stderr: run.stderr.clone(),
        result: run.result(),
        running: None,
    };
    let mut events = vec![RunEvent::Status { status: run.status, position: None, clock: None }];
    events.extend(backlog_events(backlog));
    events.push(RunEvent::Done { status: run.status, reason: run.reason.clone() });
    events
}
