//! A running job's output and partial results, forwarded to its watchers as they come.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::RunId;
use super::events::{Hub, RunEvent, Stream};
use super::result::{Builder, Place};
use crate::sandbox::Chunk;

/// Sends output to watchers as it comes, and the partial result after a variant, at most every
/// `LIVE_RESULT_EVERY` (the last one always): a flood of records costs one pass each, not a
/// rebuild each. Returns what it gathered, from which the final result is made.
pub fn forward_live(hub: &Hub, id: &RunId, mut receiver: mpsc::Receiver<Chunk>) -> Builder {
    let mut builder = Builder::default();
    let mut last: Option<Instant> = None;
    let mut pending = false;
    while let Some(chunk) = receiver.blocking_recv() {
        match chunk {
            Chunk::Stdout(text) => {
                hub.publish(id, RunEvent::Output { stream: Stream::Stdout, text })
            }
            Chunk::Stderr(text) => {
                hub.publish(id, RunEvent::Output { stream: Stream::Stderr, text })
            }
            Chunk::Record(record) => pending |= builder.push(record),
        }
        if pending && last.is_none_or(|at| at.elapsed() >= LIVE_RESULT_EVERY) {
            hub.publish(id, RunEvent::Result { result: builder.result(&Place::default()) });
            (last, pending) = (Some(Instant::now()), false);
        }
    }
    // The final result follows from `finish`, with where the run ran.
    builder
}

/// How often watchers get a fresh partial result while measurements pour in.
const LIVE_RESULT_EVERY: Duration = Duration::from_millis(200);
