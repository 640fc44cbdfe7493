//! One poller tells every watched queued run its place in the queue and estimated start: one
//! read a second for all watchers together, rather than one per watcher, and none while nobody
//! watches.

use std::time::Duration;

use crate::db::Pool;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use super::events::Hub;
use super::waiting::waiting;

/// How often watched queued runs are told their place, if it changed.
const POSITION_POLL: Duration = Duration::from_secs(1);

/// Starts the poller unless it runs already; a watcher calls this after subscribing.
pub fn ensure_polling(db: &Pool, hub: &Hub, shutdown: &CancellationToken) {
    if hub.start_polling() {
        tokio::spawn(poll(db.clone(), hub.clone(), shutdown.clone()));
    }
}

async fn poll(db: Pool, hub: Hub, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(POSITION_POLL);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = shutdown.cancelled() => return hub.stop_polling(),
        }
        if hub.stop_polling_if_unwatched() {
            return;
        }
        match waiting(&db, hub.workers()).await {
            Ok(queue) => hub.tell_positions(&queue),
            Err(error) => tracing::warn!(%error, "cannot read the queue positions"),
        }
    }
}
