//! The isolating backend: per run a folder and a cgroup, then `gil-lab sandbox-exec` as a child
//! (see `supervise`), then the folder and the cgroup removed and the limits hit named.

use std::path::PathBuf;

use futures_util::future::BoxFuture;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::backend::{Backend, ChunkSender, Ending, GIL_TIMELINE, HARNESS, Job, Outcome};
use super::cgroup::{CgroupStats, RunCgroup};
use super::error::{SandboxError, chain};
use super::explain;
use super::run_dir::RunDir;
use super::spec::LaunchSpec;
use super::supervise::supervise;

pub struct SandboxBackend {
    /// The `gil-lab` binary to re-execute (`/proc/self/exe` in the server).
    pub exe: PathBuf,
    pub python: PathBuf,
    pub uid: u32,
    /// This server's folder of run folders; removed runs leave nothing behind.
    pub runs_dir: PathBuf,
    pub use_cgroups: bool,
    /// The GIL recorder's period in µs (0: none), handed to the harness in its config.
    pub gil_sample_us: u32,
}

impl Backend for SandboxBackend {
    fn execute(
        &self,
        job: Job,
        live: ChunkSender,
        cancel: CancellationToken,
    ) -> BoxFuture<'_, Outcome> {
        Box::pin(self.run(job, live, cancel))
    }

    fn describe(&self) -> String {
        let cgroups = if self.use_cgroups { "with a per-run cgroup" } else { "WITHOUT cgroups" };
        format!("sandbox (uid {}, {}, {cgroups})", self.uid, self.python.display())
    }
}

/// What was set up for one run. Both guards release on drop, also when the run's future is
/// dropped or panics; the cgroup is declared first so that its processes are killed before
/// their folder is removed.
struct Prepared {
    cgroup: Option<RunCgroup>,
    dir: RunDir,
    spec: LaunchSpec,
}

impl SandboxBackend {
    async fn run(&self, job: Job, live: ChunkSender, cancel: CancellationToken) -> Outcome {
        let (limits, cpus) = (job.limits, job.cpus.as_ref().map(ToString::to_string));
        let prepared = match self.prepare(&job).await {
            Ok(prepared) => prepared,
            Err(error) => return failed(error),
        };
        let outcome =
            supervise(&self.exe, &prepared.spec, &job, live, cancel, prepared.cgroup.as_ref())
                .await;
        let Prepared { cgroup, dir, .. } = prepared;
        let stats =
            tokio::task::spawn_blocking(move || clean_up(cgroup, dir)).await.unwrap_or_default();
        let limits_hit = explain::limits_hit(&outcome.ended, &stats, &outcome.stderr, &limits);
        Outcome {
            ending: outcome.ended.ending(),
            stdout: outcome.stdout,
            stderr: outcome.stderr,
            limits_hit,
            records: outcome.records,
            runtime: json!({
                "backend": "sandbox",
                "python": self.python,
                "uid": self.uid,
                "cgroup": self.use_cgroups,
                "peak_memory_bytes": stats.peak_memory_bytes,
                "cpus": cpus,
            }),
            error: outcome.error.map(|error| chain(&error)),
        }
    }

    /// The job's configuration with what the harness needs from this backend: the GIL
    /// recorder's period, the experiment's own if it asks for one, none if the server's is off.
    fn harness_config(&self, job: &Job) -> serde_json::Value {
        let mut config = job.config.clone();
        if let Some(fields) = config.as_object_mut() {
            let asked = fields.get("gil_sample_ns").and_then(serde_json::Value::as_u64);
            let ns = match asked {
                _ if self.gil_sample_us == 0 => 0,
                Some(ns) => ns,
                None => u64::from(self.gil_sample_us) * 1000,
            };
            fields.insert("gil_sample_ns".into(), json!(ns));
        }
        config
    }

    async fn prepare(&self, job: &Job) -> Result<Prepared, SandboxError> {
        let (uid, limits, use_cgroups) = (self.uid, job.limits, self.use_cgroups);
        let files = vec![
            ("main.py", job.code.clone()),
            ("gil_lab.py", HARNESS.to_owned()),
            ("gil_timeline.py", GIL_TIMELINE.to_owned()),
            ("config.json", self.harness_config(job).to_string()),
        ];
        let python = self.python.clone();
        let path = self.runs_dir.join(job.id.as_str());
        let name = format!("{}-{}", std::process::id(), job.id);
        let slot = job.cpus.clone();
        tokio::task::spawn_blocking(move || {
            let cpus = slot.as_ref();
            let dir = RunDir::create(path, &files)?;
            let cgroup = if use_cgroups {
                Some(RunCgroup::create(&name, limits.cgroup(), cpus)?)
            } else {
                None
            };
            let spec = LaunchSpec {
                python,
                args: LaunchSpec::default_args(),
                program_dir: dir.program(),
                work_dir: dir.work(),
                uid,
                gid: uid,
                env: Default::default(),
                rlimits: limits.rlimits(),
                tmpfs_bytes: limits.tmpfs_size(),
                cgroup_join: cgroup.as_ref().map(RunCgroup::join_files).unwrap_or_default(),
                cpus: cpus.map(|set| set.cpus().to_vec()).unwrap_or_default(),
            };
            Ok(Prepared { cgroup, dir, spec })
        })
        .await
        .map_err(SandboxError::Prepare)?
    }
}

fn failed(error: SandboxError) -> Outcome {
    Outcome {
        ending: Ending::SandboxFailed,
        stdout: String::new(),
        stderr: String::new(),
        limits_hit: Vec::new(),
        records: Vec::new(),
        runtime: json!({ "backend": "sandbox" }),
        error: Some(chain(&error)),
    }
}

/// Empties the cgroup and reads its figures; dropping the guards then removes the cgroup
/// and the folder, in that order.
fn clean_up(cgroup: Option<RunCgroup>, dir: RunDir) -> CgroupStats {
    let stats = cgroup.as_ref().map(RunCgroup::empty_and_measure).unwrap_or_default();
    drop(cgroup);
    drop(dir);
    stats
}
