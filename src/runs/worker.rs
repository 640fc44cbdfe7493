//! The run workers: claim a run, execute it in the sandbox, record the outcome, tell watchers.

use std::sync::Arc;
use std::time::Duration;

use crate::db::Pool;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

use super::active::ActiveRuns;
use super::changes::{self, RunChanges};
use super::events::{Clock, Hub, RunEvent};
use super::job::{job, judge};
use super::lease::{self, Lease};
use super::live::forward_live;
use super::load::LoadWatch;
use super::result::{Builder, Place, RunResult};
use super::store::{self, Finish, RunRow};
use super::watch::Watch;
use super::{RunId, RunStatus};
use crate::content::{Content, ExperimentId};
use crate::sandbox::protocol::measured_cpu_s;
use crate::sandbox::{Backend, CpuSet, Ending, Job, Outcome, RunLimits};

/// Why a run could not be cancelled.
#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    #[error("이미 끝난 실행입니다.")]
    Finished,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// How many times a run may be started before a crash during it counts as its failure.
const MAX_ATTEMPTS: i64 = 2;

/// Shared by the workers and the web handlers (to wake workers and cancel runs).
#[derive(Clone)]
pub struct Runner {
    inner: Arc<Inner>,
}

struct Inner {
    db: Pool,
    content: Arc<Content>,
    backend: Arc<dyn Backend>,
    hub: Hub,
    limits: RunLimits,
    wake: Notify,
    shutdown: CancellationToken,
    active: ActiveRuns,
    /// How long a claim holds a run before it must be renewed.
    lease_length: Duration,
    /// Status changes made on other hosts (PostgreSQL), for the watches.
    changes: RunChanges,
}

/// After a crash or restart: runs left `running` are queued again, or failed after repeated tries.
pub async fn recover_interrupted(db: &Pool) -> sqlx::Result<()> {
    let (requeued, failed) = store::recover_interrupted(db, MAX_ATTEMPTS).await?;
    if requeued + failed > 0 {
        tracing::warn!(requeued, failed, "recovered runs interrupted by a stop");
    }
    Ok(())
}

impl Runner {
    pub fn new(
        db: Pool,
        content: Arc<Content>,
        backend: Arc<dyn Backend>,
        limits: RunLimits,
        shutdown: CancellationToken,
        lease_length: Duration,
    ) -> Runner {
        let changes = RunChanges::start(&db, &shutdown);
        let inner = Inner {
            db,
            content,
            backend,
            hub: Hub::default(),
            limits,
            wake: Notify::new(),
            shutdown,
            active: ActiveRuns::default(),
            lease_length,
            changes,
        };
        Runner { inner: Arc::new(inner) }
    }

    pub fn hub(&self) -> &Hub {
        &self.inner.hub
    }

    pub fn backend(&self) -> &dyn Backend {
        self.inner.backend.as_ref()
    }

    /// A run was enqueued: let an idle worker look now rather than at its next poll.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Cancels a run: a queued one at once, a running one by stopping its sandbox (this process's,
    /// or another's, which sees the mark). The status after the request.
    pub async fn cancel(&self, id: &RunId) -> Result<RunStatus, CancelError> {
        match store::request_cancel(&self.inner.db, id).await? {
            Some(RunStatus::Cancelled) => {
                let reason = Some(store::CANCELLED_REASON.to_owned());
                self.inner.hub.publish(id, RunEvent::Done { status: RunStatus::Cancelled, reason });
                Ok(RunStatus::Cancelled)
            }
            Some(status) => {
                self.inner.active.cancel(id);
                Ok(status)
            }
            None => Err(CancelError::Finished),
        }
    }

    /// The run's events, replayed if it is finished, followed live if not.
    pub fn watch(&self, id: RunId) -> ReceiverStream<RunEvent> {
        let watch = Watch {
            db: self.inner.db.clone(),
            hub: self.inner.hub.clone(),
            shutdown: self.inner.shutdown.clone(),
            changes: self.inner.changes.clone(),
        };
        watch.events(id)
    }

    /// Starts one worker per slot, each keeping its runs on its slot's CPUs (`None`: any CPU),
    /// and the sweep of lost leases; each ends when the shutdown token fires and its run is put
    /// back.
    pub fn spawn_workers(&self, slots: &[Option<CpuSet>]) -> Vec<JoinHandle<()>> {
        let unpinned = [None];
        let slots = if slots.is_empty() { &unpinned[..] } else { slots };
        let mut handles: Vec<JoinHandle<()>> = slots
            .iter()
            .cloned()
            .enumerate()
            .map(|(n, slot)| {
                let runner = self.clone();
                let cpus = slot.as_ref().map(ToString::to_string);
                let lease = Lease::for_slot(n, cpus, self.inner.lease_length);
                tokio::spawn(async move { runner.work(slot, lease).await })
            })
            .collect();
        let runner = self.clone();
        let sweep = lease::sweep_lost(
            self.inner.db.clone(),
            MAX_ATTEMPTS,
            self.inner.lease_length,
            self.inner.shutdown.clone(),
            move || runner.wake(),
        );
        handles.push(tokio::spawn(sweep));
        handles
    }

    async fn work(&self, slot: Option<CpuSet>, lease: Lease) {
        let shutdown = self.inner.shutdown.clone();
        while !shutdown.is_cancelled() {
            match self.run_next_on(slot.as_ref(), &lease).await {
                Ok(Some(_)) => continue,
                Ok(None) => {}
                Err(error) => tracing::error!(%error, "run worker: database error"),
            }
            tokio::select! {
                () = self.inner.wake.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
                () = shutdown.cancelled() => {}
            }
        }
    }

    /// One step: claims the oldest queued run and executes it on any CPU. `None` when the queue
    /// is empty.
    pub async fn run_next(&self) -> sqlx::Result<Option<RunId>> {
        self.run_next_on(None, &Lease::for_slot(0, None, self.inner.lease_length)).await
    }

    /// [`Runner::run_next`], keeping the run on the CPUs of `slot`, held under `lease`.
    pub async fn run_next_on(
        &self,
        slot: Option<&CpuSet>,
        lease: &Lease,
    ) -> sqlx::Result<Option<RunId>> {
        let Some(row) = store::claim_next(&self.inner.db, lease).await? else {
            return Ok(None);
        };
        let id = row.id();
        tracing::info!(run_id = %id, experiment = %row.experiment, worker = %lease.owner, "run started");
        let job = self.job_for(&row);
        // The card counts the seconds up against the limit the sandbox will enforce.
        let clock = job
            .as_ref()
            .map(|job| Clock { elapsed_s: 0.0, limit_s: job.limits.wall.as_secs_f64() });
        let running = RunEvent::Status { status: RunStatus::Running, position: None, clock };
        self.inner.hub.publish(&id, running);
        let Some(mut job) = job else {
            self.fail_unrunnable(&id, &lease.owner).await?;
            return Ok(Some(id));
        };
        let active = self.inner.active.start(id.clone(), self.inner.shutdown.child_token());
        // A cancel that arrived between the claim and now.
        if store::cancel_requested(&self.inner.db, &id).await? {
            active.token().cancel();
        }
        let limits = job.limits;
        job.cpus = slot.cloned();
        let renewals = lease::renew_while_running(
            self.inner.db.clone(),
            id.clone(),
            lease.clone(),
            active.token().clone(),
        );
        let sharing = changes::share_output(
            self.inner.db.clone(),
            self.inner.hub.clone(),
            id.clone(),
            lease.owner.clone(),
        );
        let (outcome, place, builder) = self.execute(&id, job, active.token().clone()).await;
        renewals.abort();
        if let Some(sharing) = sharing {
            sharing.abort();
        }
        drop(active);
        if outcome.ending == Ending::Cancelled && self.inner.shutdown.is_cancelled() {
            store::requeue(&self.inner.db, &id).await?;
            tracing::info!(run_id = %id, "run interrupted by shutdown, queued again");
            return Ok(Some(id));
        }
        let result = if outcome.records.is_empty() {
            None
        } else {
            tokio::task::spawn_blocking(move || builder.result(&place)).await.ok()
        };
        self.finish(&id, &lease.owner, outcome, result, limits).await?;
        Ok(Some(id))
    }

    fn job_for(&self, row: &RunRow) -> Option<Job> {
        let experiment = self.inner.content.experiment(&ExperimentId::parse(&row.experiment)?)?;
        Some(job(experiment, row.id(), row.code.clone(), &row.params, self.inner.limits))
    }

    /// Runs the job while forwarding its output to watchers; also says where it ran and whether
    /// others kept its CPUs busy, and hands back the records gathered as they came.
    async fn execute(
        &self,
        id: &RunId,
        job: Job,
        cancel: CancellationToken,
    ) -> (Outcome, Place, Builder) {
        let id = id.clone();
        let (sender, receiver) = mpsc::channel(64);
        let hub = self.inner.hub.clone();
        // Off the async threads: a program may write thousands of records.
        let forward = tokio::task::spawn_blocking(move || forward_live(&hub, &id, receiver));
        let cpus = job.cpus.clone();
        let load = LoadWatch::start(cpus.as_ref());
        let outcome = self.inner.backend.execute(job, sender, cancel).await;
        let others_cores = load.others_cores(measured_cpu_s(&outcome.records));
        let builder = forward.await.unwrap_or_default();
        (outcome, Place { cpus: cpus.map(|set| set.to_string()), others_cores }, builder)
    }

    async fn finish(
        &self,
        id: &RunId,
        owner: &str,
        outcome: Outcome,
        result: Option<RunResult>,
        limits: RunLimits,
    ) -> sqlx::Result<()> {
        let (status, reason) = judge(&outcome, limits);
        if let Some(error) = &outcome.error {
            tracing::error!(run_id = %id, %error, "sandbox failed");
        }
        let runtime_text = outcome.runtime.to_string();
        let finish = Finish {
            status,
            reason: reason.as_deref(),
            exit_code: match outcome.ending {
                Ending::Exited(code) => Some(i64::from(code)),
                _ => None,
            },
            stdout: &outcome.stdout,
            stderr: &outcome.stderr,
            result: result.as_ref(),
            runtime: Some(&runtime_text),
        };
        if !store::finish(&self.inner.db, id, owner, &finish).await? {
            tracing::warn!(run_id = %id, "run finished after its lease was lost: not recorded");
            return Ok(());
        }
        tracing::info!(run_id = %id, status = status.as_str(), "run finished");
        if let Some(result) = result {
            self.inner.hub.publish(id, RunEvent::Result { result });
        }
        self.inner.hub.publish(id, RunEvent::Done { status, reason });
        Ok(())
    }

    /// The catalogue changed since the run was queued and its experiment is gone.
    async fn fail_unrunnable(&self, id: &RunId, owner: &str) -> sqlx::Result<()> {
        let reason = "이 실험은 더 이상 실행할 수 없습니다.";
        let finish = Finish {
            status: RunStatus::Failed,
            reason: Some(reason),
            exit_code: None,
            stdout: "",
            stderr: "",
            result: None,
            runtime: None,
        };
        store::finish(&self.inner.db, id, owner, &finish).await?;
        let done = RunEvent::Done { status: RunStatus::Failed, reason: Some(reason.to_owned()) };
        self.inner.hub.publish(id, done);
        Ok(())
    }
}
