//! Changes of a run's status made on any host, heard here: on a PostgreSQL store a trigger
//! announces each on the channel `run_changed` with the run's id (migrations/postgres/0009), and
//! one listener per process passes the ids on to the watches that follow a run executed
//! elsewhere. A SQLite store has one process, whose hub already hears every change.

use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use tokio::task::JoinHandle;

use super::events::Hub;
use super::{RunId, store};
use crate::db::{Dialect, Pool};

const CHANNEL: &str = "run_changed";

/// The ids of runs whose status changed, as announced; empty on SQLite.
#[derive(Clone)]
pub struct RunChanges(broadcast::Sender<RunId>);

impl RunChanges {
    /// Starts the process's listener on a PostgreSQL store; it ends with `shutdown`.
    pub fn start(db: &Pool, shutdown: &CancellationToken) -> RunChanges {
        let (sender, _) = broadcast::channel(1024);
        if let Pool::Postgres(pool) = db {
            tokio::spawn(listen(pool.clone(), sender.clone(), shutdown.clone()));
        }
        RunChanges(sender)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<RunId> {
        self.0.subscribe()
    }
}

/// Listens until shutdown, reconnecting after an error (what was announced meanwhile is missed;
/// the watches read their run on a slower poll as well).
async fn listen(pool: sqlx::PgPool, sender: broadcast::Sender<RunId>, shutdown: CancellationToken) {
    while !shutdown.is_cancelled() {
        let error = tokio::select! {
            error = pass_on(&pool, &sender) => error,
            () = shutdown.cancelled() => return,
        };
        tracing::warn!(%error, "run change listener: reconnecting");
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
            () = shutdown.cancelled() => return,
        }
    }
}

/// How often a worker shares the output of the run it executes, while there is new output.
const SHARE_EVERY: Duration = Duration::from_millis(500);

/// Shares the output of a run executing here, as it grows, with web nodes on other hosts
/// (PostgreSQL; nothing on SQLite). Abort the task when the run ends: its finish stores the rest.
pub(super) fn share_output(db: Pool, hub: Hub, id: RunId, owner: String) -> Option<JoinHandle<()>> {
    if db.dialect() != Dialect::Postgres {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut shared = (0, 0);
        loop {
            tokio::time::sleep(SHARE_EVERY).await;
            let Some(backlog) = hub.snapshot(&id) else { continue };
            let now = (backlog.stdout.len(), backlog.stderr.len());
            if now == shared {
                continue;
            }
            match store::share_output(&db, &id, &owner, &backlog.stdout, &backlog.stderr).await {
                Ok(()) => shared = now,
                Err(error) => tracing::warn!(run_id = %id, %error, "cannot share the output"),
            }
        }
    }))
}

async fn pass_on(pool: &sqlx::PgPool, sender: &broadcast::Sender<RunId>) -> sqlx::Error {
    let mut listener = match PgListener::connect_with(pool).await {
        Ok(listener) => listener,
        Err(error) => return error,
    };
    if let Err(error) = listener.listen(CHANNEL).await {
        return error;
    }
    loop {
        match listener.recv().await {
            Ok(notification) => {
                if let Some(id) = RunId::parse(notification.payload()) {
                    // Nobody watching is fine: the id is for whoever listens now.
                    let _ = sender.send(id);
                }
            }
            Err(error) => return error,
        }
    }
}
