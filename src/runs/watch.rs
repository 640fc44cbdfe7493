//! Watching one run as one stream of events: a finished run is replayed from its row; an
//! unfinished one sends what happened so far, then follows live, and while it waits in the
//! queue hears its place change.

use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

use super::events::{Backlog, Hub, RunEvent, Stream};
use super::store::{self, RunRow};
use super::{RunId, RunStatus};

/// How often a queued run's watchers are told their place, if it changed.
const POSITION_POLL: Duration = Duration::from_secs(1);

/// What a watch needs of the runner.
#[derive(Clone)]
pub struct Watch {
    pub db: SqlitePool,
    pub hub: Hub,
    pub shutdown: CancellationToken,
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
        let position = store::queue_position(&self.db, &id).await.ok().flatten();
        let mut first = vec![RunEvent::Status { status: run.status, position }];
        first.extend(backlog_events(backlog));
        if send_all(&out, first).await {
            self.follow(&id, position, &mut live, &out).await;
        }
    }

    async fn follow(
        &self,
        id: &RunId,
        mut position: Option<i64>,
        live: &mut broadcast::Receiver<RunEvent>,
        out: &mpsc::Sender<RunEvent>,
    ) {
        let mut tick = tokio::time::interval(POSITION_POLL);
        loop {
            let event = tokio::select! {
                received = live.recv() => match received {
                    Ok(event) => event,
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = tick.tick(), if position.is_some() => {
                    let now = store::queue_position(&self.db, id).await.ok().flatten();
                    if now == position || now.is_none() {
                        continue;
                    }
                    position = now;
                    RunEvent::Status { status: RunStatus::Queued, position }
                }
                () = self.shutdown.cancelled() => return,
            };
            if matches!(event, RunEvent::Status { status: RunStatus::Running, .. }) {
                position = None;
            }
            let done = matches!(event, RunEvent::Done { .. });
            if out.send(event).await.is_err() || done {
                return;
            }
        }
    }
}

/// Sends every event; false once the watcher is gone.
async fn send_all(out: &mpsc::Sender<RunEvent>, events: Vec<RunEvent>) -> bool {
    for event in events {
        if out.send(event).await.is_err() {
            return false;
        }
    }
    true
}

fn backlog_events(backlog: Backlog) -> Vec<RunEvent> {
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
    let backlog =
        Backlog { stdout: run.stdout.clone(), stderr: run.stderr.clone(), result: run.result() };
    let mut events = vec![RunEvent::Status { status: run.status, position: None }];
    events.extend(backlog_events(backlog));
    events.push(RunEvent::Done { status: run.status, reason: run.reason.clone() });
    events
}
