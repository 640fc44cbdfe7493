//! Live events of runs in progress: status, output and results, fanned out to every watcher.

use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::broadcast;

use super::result::RunResult;
use super::waiting::Waiting;
use super::{RunId, RunStatus};

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RunEvent {
    /// A queued run's place travels flattened: `"position": 3, "eta_s": 12.5`; a running
    /// run's clock too: `"elapsed_s": 3.2, "limit_s": 40`.
    Status {
        status: RunStatus,
        #[serde(flatten)]
        position: Option<Place>,
        #[serde(flatten)]
        clock: Option<Clock>,
    },
    Output {
        stream: Stream,
        text: String,
    },
    Result {
        result: RunResult,
    },
    Done {
        status: RunStatus,
        reason: Option<String>,
    },
}

impl RunEvent {
    pub fn name(&self) -> &'static str {
        match self {
            RunEvent::Status { .. } => "status",
            RunEvent::Output { .. } => "output",
            RunEvent::Result { .. } => "result",
            RunEvent::Done { .. } => "done",
        }
    }
}

/// A queued run's place in the queue and when it is expected to start.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Place {
    /// 1 for the run that executes next.
    pub position: i64,
    /// Seconds until it is expected to start, from when this was sent.
    pub eta_s: f64,
}

impl Place {
    pub fn of(waiting: &Waiting) -> Place {
        // Tenths of a second are all a countdown in whole seconds can use.
        Place { position: waiting.position, eta_s: (waiting.eta_s * 10.0).round() / 10.0 }
    }
}

/// How long a running run has run and the wall limit it is stopped at, so a card can count
/// the seconds up against the limit without asking again.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Clock {
    /// Seconds since it started, when this was sent (tenths).
    pub elapsed_s: f64,
    /// Its wall-clock limit in seconds.
    pub limit_s: f64,
}

impl Clock {
    /// The clock of a run that started at `since` and is stopped after `limit`.
    pub fn since(since: Instant, limit: Duration) -> Clock {
        let elapsed = (since.elapsed().as_secs_f64() * 10.0).round() / 10.0;
        Clock { elapsed_s: elapsed, limit_s: limit.as_secs_f64().round() }
    }
}

/// An estimate that drifts from its countdown by more than this many seconds is sent again.
const ETA_DRIFT_S: f64 = 1.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Output already sent for a run, so a watcher who arrives late sees it from the start.
#[derive(Debug, Default, Clone)]
pub struct Backlog {
    pub stdout: String,
    pub stderr: String,
    pub result: Option<RunResult>,
    /// When a running run started and its wall limit, as the worker told it.
    pub running: Option<(Instant, Duration)>,
}

impl Backlog {
    /// The clock of the run as it is now, if it runs with a known limit.
    pub fn clock(&self) -> Option<Clock> {
        self.running.map(|(since, limit)| Clock::since(since, limit))
    }
}

struct Channel {
    sender: broadcast::Sender<RunEvent>,
    backlog: Backlog,
    /// The queue place last told and when, so the poller only speaks when it changes.
    told: Option<(Place, Instant)>,
    /// Once running, a place read from the queue a moment earlier is stale: never send it.
    started: bool,
}

impl Channel {
    fn new() -> Channel {
        Channel {
            sender: broadcast::channel(CAPACITY).0,
            backlog: Backlog::default(),
            told: None,
            started: false,
        }
    }

    /// Whether `now` says more than the countdown from the place last told: a new position,
    /// or an estimate that moved (the run ahead ended early, or runs late).
    fn news(&self, now: &Place) -> bool {
        let Some((told, at)) = self.told else { return true };
        let counted_down = (told.eta_s - at.elapsed().as_secs_f64()).max(0.0);
        told.position != now.position || (now.eta_s - counted_down).abs() > ETA_DRIFT_S
    }
}

/// One broadcast channel per unfinished run that someone watches or that is executing.
#[derive(Clone, Default)]
pub struct Hub {
    channels: Arc<Mutex<HashMap<RunId, Channel>>>,
    /// Whether the one queue-position poller runs; changed only under the channels' lock.
    polling: Arc<AtomicBool>,
    /// How many runs execute at once, for the estimates (0 until set: taken as 1).
    workers: Arc<AtomicUsize>,
}

const CAPACITY: usize = 256;

impl Hub {
    fn lock(&self) -> MutexGuard<'_, HashMap<RunId, Channel>> {
        // A panic while holding this lock cannot leave the map inconsistent: take it back.
        self.channels.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Subscribes to a run's events, returning what was already sent.
    pub fn subscribe(&self, id: &RunId) -> (Backlog, broadcast::Receiver<RunEvent>) {
        let mut channels = self.lock();
        let channel = channels.entry(id.clone()).or_insert_with(Channel::new);
        (channel.backlog.clone(), channel.sender.subscribe())
    }

    /// What was sent so far for a run in progress, without watching it.
    pub fn snapshot(&self, id: &RunId) -> Option<Backlog> {
        self.lock().get(id).map(|channel| channel.backlog.clone())
    }

    pub fn publish(&self, id: &RunId, event: RunEvent) {
        let mut channels = self.lock();
        let channel = channels.entry(id.clone()).or_insert_with(Channel::new);
        match &event {
            RunEvent::Output { stream: Stream::Stdout, text } => {
                channel.backlog.stdout.push_str(text)
            }
            RunEvent::Output { stream: Stream::Stderr, text } => {
                channel.backlog.stderr.push_str(text)
            }
            RunEvent::Result { result } => channel.backlog.result = Some(result.clone()),
            RunEvent::Status { status, clock, .. } => {
                channel.started = *status != RunStatus::Queued;
                channel.backlog.running = clock.map(|c| {
                    let elapsed = Duration::from_secs_f64(c.elapsed_s.max(0.0));
                    let since = Instant::now().checked_sub(elapsed).unwrap_or_else(Instant::now);
                    (since, Duration::from_secs_f64(c.limit_s))
                });
            }
            RunEvent::Done { .. } => {}
        }
        let done = matches!(event, RunEvent::Done { .. });
        // No receivers is fine: nobody is watching.
        let _ = channel.sender.send(event);
        if done {
            channels.remove(id);
        }
    }

    /// Runs that someone is watching right now (to tell them their queue position).
    pub fn watched(&self) -> Vec<RunId> {
        self.lock()
            .iter()
            .filter(|(_, c)| c.sender.receiver_count() > 0)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Notes a place a watcher was just told, so the poller does not tell it again unchanged.
    pub fn remember(&self, id: &RunId, place: Place) {
        if let Some(channel) = self.lock().get_mut(id) {
            channel.told = Some((place, Instant::now()));
        }
    }

    /// Sets how many runs execute at once (the server's worker count).
    pub fn set_workers(&self, workers: usize) {
        self.workers.store(workers, Ordering::Relaxed);
    }

    pub fn workers(&self) -> usize {
        self.workers.load(Ordering::Relaxed).max(1)
    }

    /// Tells each watched, still queued run its place in `queue`, if it says something new.
    pub fn tell_positions(&self, queue: &[Waiting]) {
        let places: HashMap<&RunId, Place> =
            queue.iter().map(|w| (&w.run_id, Place::of(w))).collect();
        let mut channels = self.lock();
        for (id, channel) in channels.iter_mut() {
            let Some(place) = places.get(id).copied() else { continue };
            if channel.started || channel.sender.receiver_count() == 0 || !channel.news(&place) {
                continue;
            }
            channel.told = Some((place, Instant::now()));
            let event =
                RunEvent::Status { status: RunStatus::Queued, position: Some(place), clock: None };
            let _ = channel.sender.send(event);
        }
    }

    /// True if the caller should start the poller: nobody else runs it.
    pub fn start_polling(&self) -> bool {
        let _channels = self.lock();
        !self.polling.swap(true, Ordering::SeqCst)
    }

    /// True if the poller should stop because nobody watches any run; decided under the lock
    /// `start_polling` takes, so a watcher arriving now is never left without a poller.
    pub fn stop_polling_if_unwatched(&self) -> bool {
        let channels = self.lock();
        let idle = channels.values().all(|c| c.sender.receiver_count() == 0);
        if idle {
            self.polling.store(false, Ordering::SeqCst);
        }
        idle
    }

    pub fn stop_polling(&self) {
        let _channels = self.lock();
        self.polling.store(false, Ordering::SeqCst);
    }

    /// Drops channels nobody watches for runs that are no longer going to publish.
    pub fn forget(&self, id: &RunId) {
        let mut channels = self.lock();
        if channels.get(id).is_some_and(|c| c.sender.receiver_count() == 0) {
            channels.remove(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_late_watcher_gets_the_output_so_far_and_then_live_events() {
        let hub = Hub::default();
        let id = RunId::new();
        hub.publish(&id, RunEvent::Output { stream: Stream::Stdout, text: "첫 줄\n".into() });
        let (backlog, mut events) = hub.subscribe(&id);
        assert_eq!(backlog.stdout, "첫 줄\n");
        hub.publish(&id, RunEvent::Done { status: RunStatus::Succeeded, reason: None });
        let event = events.recv().await.expect("done event");
        assert_eq!(event.name(), "done");
        assert!(hub.watched().is_empty(), "a finished run's channel is gone");
    }

    #[test]
    fn a_late_watcher_reads_the_running_clock_from_when_it_started() {
        let hub = Hub::default();
        let id = RunId::new();
        let clock = Some(Clock { elapsed_s: 5.0, limit_s: 40.0 });
        hub.publish(&id, RunEvent::Status { status: RunStatus::Running, position: None, clock });
        let now = hub.snapshot(&id).and_then(|b| b.clock()).expect("a clock");
        assert_eq!(now.limit_s, 40.0);
        assert!((5.0..6.0).contains(&now.elapsed_s), "counted from its start: {now:?}");
    }

    #[test]
    fn a_status_carries_its_place_flat_and_a_running_one_none() {
        let place = Place { position: 3, eta_s: 12.5 };
        let queued =
            RunEvent::Status { status: RunStatus::Queued, position: Some(place), clock: None };
        let json = serde_json::to_value(&queued).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"event": "status", "status": "queued", "position": 3, "eta_s": 12.5})
        );
        let running = RunEvent::Status { status: RunStatus::Running, position: None, clock: None };
        let json = serde_json::to_value(&running).expect("json");
        assert_eq!(json, serde_json::json!({"event": "status", "status": "running"}));
        let clock = Some(Clock { elapsed_s: 3.5, limit_s: 40.0 });
        let timed = RunEvent::Status { status: RunStatus::Running, position: None, clock };
        let json = serde_json::to_value(&timed).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"event": "status", "status": "running", "elapsed_s": 3.5, "limit_s": 40.0})
        );
    }

    #[test]
    fn a_place_is_told_again_only_when_it_moves_or_its_estimate_drifts() {
        let mut channel = Channel::new();
        let place = Place { position: 2, eta_s: 20.0 };
        assert!(channel.news(&place));
        channel.told = Some((place, Instant::now()));
        assert!(!channel.news(&Place { eta_s: 19.5, ..place }), "the countdown says as much");
        assert!(channel.news(&Place { eta_s: 10.0, ..place }), "the run ahead ended early");
        assert!(channel.news(&Place { position: 1, ..place }));
    }
}
