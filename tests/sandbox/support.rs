//! The real sandbox for one test: its own uid, a run, and the checks every run must pass
//! afterwards (no process of the uid left, the run folder and the cgroup gone).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::{Duration, Instant};

use gil_lab::runs::RunId;
use gil_lab::sandbox::cgroup::{self, CgroupMode};
use gil_lab::sandbox::protocol::{EnvironmentRecord, Record, VariantRecord};
use gil_lab::sandbox::{Backend, Chunk, Ending, Job, JobId, Outcome, RunLimits, SandboxBackend};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::watch::{HostProcess, Peak, Watch, describe, processes_of};

pub const MIB: u64 = 1024 * 1024;

/// Set in this (the "server") process before any run; no sandbox may ever see it.
pub const SECRET_NAME: &str = "GILLAB_SANDBOX_TEST_SECRET";
pub const SECRET_VALUE: &str = "tea-kettle-7f3a9c-never-inside";

/// Small limits so that the hostile programs hit them fast.
pub fn limits() -> RunLimits {
    RunLimits {
        wall: Duration::from_secs(4),
        cpu_seconds: 10,
        memory_bytes: 256 * MIB,
        max_processes: 64,
        output_bytes: 64 * 1024,
        file_size_bytes: 4 * MIB,
        tmpfs_bytes: 16 * MIB,
        result_bytes: 1 << 20,
    }
}

/// The harness configuration of a program that reads no parameters.
pub fn no_params() -> Value {
    json!({ "params": {}, "variants": [], "repeats": 1 })
}

/// Sandbox uid of test number `n`: each test its own, so tests run in parallel and "nothing of
/// this uid is left" is a check about this test alone.
pub fn uid_of(n: u32) -> u32 {
    62_000 + n
}

pub fn cgroups_available() -> bool {
    cgroup::detect() != CgroupMode::None
}

/// The real backend as the server builds it, for the sandbox uid of test `n`.
pub fn real_backend(n: u32) -> SandboxBackend {
    let root = std::fs::metadata("/proc/self").map(|m| m.uid()).ok() == Some(0);
    assert!(root, "the real-sandbox tests run as root: the launcher drops to the sandbox uid");
    plant_secret();
    SandboxBackend {
        exe: env!("CARGO_BIN_EXE_gil-lab").into(),
        python: gil_lab::sandbox::resolve_python("python3".as_ref()).expect("python3 under /usr"),
        uid: uid_of(n),
        runs_dir: gil_lab::sandbox::runs_dir().expect("runs dir"),
        use_cgroups: cgroups_available(),
        gil_sample_us: 500,
    }
}

fn plant_secret() {
    static PLANTED: Once = Once::new();
    // SAFETY: done once, before this test starts its run. Other test threads touch the
    // environment only through std (`env::var`, `Command::spawn`), whose environment lock
    // serializes them with this write; nothing here reads it through libc directly.
    PLANTED.call_once(|| unsafe { std::env::set_var(SECRET_NAME, SECRET_VALUE) });
}

pub struct Sandbox {
    backend: SandboxBackend,
    /// Host processes of the sandbox uid that the test started itself (decoys).
    spare: Vec<u32>,
}

/// One finished run and what the host saw of it.
pub struct Ran {
    pub outcome: Outcome,
    pub elapsed: Duration,
    pub peak: Peak,
    /// Chunks of stdout, stderr and records that arrived live, in that order.
    pub live: [usize; 3],
    pub leftovers: Leftovers,
}

impl Sandbox {
    pub fn new(n: u32) -> Sandbox {
        Sandbox { backend: real_backend(n), spare: Vec::new() }
    }

    pub fn uid(&self) -> u32 {
        self.backend.uid
    }

    /// The host folder that holds this server's run folders.
    pub fn runs_dir(&self) -> &Path {
        &self.backend.runs_dir
    }

    /// A host process of the sandbox uid that is expected to outlive the run.
    pub fn spare(&mut self, pid: u32) {
        self.spare.push(pid);
    }

    pub async fn run(&self, code: &str, limits: RunLimits) -> Ran {
        self.run_with(code, no_params(), limits).await
    }

    /// Runs the program, then checks that nothing of it is left on the host.
    pub async fn run_with(&self, code: &str, config: Value, limits: RunLimits) -> Ran {
        let job_id = RunId::new().job_id();
        let job = Job { id: job_id.clone(), code: code.to_owned(), config, limits, cpus: None };
        let (sender, receiver) = mpsc::channel(256);
        let live = tokio::spawn(count_live(receiver));
        let watch = Watch::start(self.uid());
        let started = Instant::now();
        let outcome = self.backend.execute(job, sender, CancellationToken::new()).await;
        let elapsed = started.elapsed();
        let peak = watch.stop();
        let live = live.await.expect("live output counted");
        let mut ran = Ran { outcome, elapsed, peak, live, leftovers: Leftovers::default() };
        ran.print_summary();
        assert_ne!(ran.outcome.ending, Ending::SandboxFailed, "{:?}", ran.outcome.error);
        ran.leftovers =
            assert_left_nothing(self.uid(), &self.spare, &self.backend.runs_dir, &job_id);
        let at_return = &ran.leftovers.at_return;
        if !at_return.is_empty() {
            eprintln!(
                "-- left when the run returned, all gone after {:.2} s: {}",
                ran.leftovers.gone_after.as_secs_f64(),
                describe(at_return)
            );
        }
        ran
    }
}

async fn count_live(mut receiver: mpsc::Receiver<Chunk>) -> [usize; 3] {
    let mut counts = [0; 3];
    while let Some(chunk) = receiver.recv().await {
        let slot = match chunk {
            Chunk::Stdout(_) => 0,
            Chunk::Stderr(_) => 1,
            Chunk::Record(_) => 2,
        };
        counts[slot] += 1;
    }
    counts
}

/// A process of the uid still running after the run is an escape; one that is dying gets this
/// long to finish.
const DYING_GRACE: Duration = Duration::from_millis(500);
/// Zombies adopted by the host's init wait for it to reap them, on its own schedule.
const ZOMBIE_GRACE: Duration = Duration::from_secs(5);

/// What of the uid was still in /proc when `execute` returned, and when it was all gone.
#[derive(Default)]
pub struct Leftovers {
    pub at_return: Vec<HostProcess>,
    pub gone_after: Duration,
}

/// No process of the uid (but the test's own decoys), no run folder, no cgroup.
pub fn assert_left_nothing(uid: u32, spare: &[u32], runs_dir: &Path, job_id: &JobId) -> Leftovers {
    let started = Instant::now();
    let left = || -> Vec<HostProcess> {
        processes_of(uid).into_iter().filter(|p| !spare.contains(&p.pid)).collect()
    };
    let at_return = left();
    let living =
        wait_for_none(DYING_GRACE, || left().into_iter().filter(|p| !p.is_zombie()).collect());
    assert!(
        living.is_empty(),
        "live processes of uid {uid} outlived the run: {}",
        describe(&living)
    );
    let unreaped = wait_for_none(ZOMBIE_GRACE, left);
    assert!(
        unreaped.is_empty(),
        "processes of uid {uid} were never reaped: {}",
        describe(&unreaped)
    );
    let folder = runs_dir.join(job_id.as_str());
    assert!(!folder.exists(), "run folder {} was not removed", folder.display());
    for dir in cgroup_dirs(job_id) {
        assert!(!dir.exists(), "cgroup {} was not removed", dir.display());
    }
    Leftovers { at_return, gone_after: started.elapsed() }
}

/// Looks until it sees nothing or `grace` has passed; returns the last sighting.
fn wait_for_none(grace: Duration, mut look: impl FnMut() -> Vec<HostProcess>) -> Vec<HostProcess> {
    let deadline = Instant::now() + grace;
    loop {
        let seen = look();
        if seen.is_empty() || Instant::now() >= deadline {
            return seen;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Where the run's cgroup would be, in each hierarchy (see `RunCgroup::create`).
fn cgroup_dirs(job_id: &JobId) -> Vec<PathBuf> {
    let name = format!("{}-{job_id}", std::process::id());
    ["memory/gil-lab", "pids/gil-lab", "cpuset/gil-lab", "gil-lab"]
        .iter()
        .map(|parent| Path::new("/sys/fs/cgroup").join(parent).join(&name))
        .collect()
}

impl Ran {
    pub fn stdout(&self) -> &str {
        &self.outcome.stdout
    }

    pub fn stderr(&self) -> &str {
        &self.outcome.stderr
    }

    pub fn ending(&self) -> Ending {
        self.outcome.ending
    }

    /// The Korean sentence about the limit named by `words`; fails if there is none.
    pub fn limit_sentence(&self, words: &str) -> &str {
        let found = self.outcome.limits_hit.iter().find(|s| s.contains(words));
        let sentence = found.unwrap_or_else(|| {
            panic!("no limit sentence with {words:?}: {:?}", self.outcome.limits_hit)
        });
        assert!(has_hangul(sentence), "{sentence}");
        sentence
    }

    pub fn peak_memory_bytes(&self) -> Option<u64> {
        self.outcome.runtime["peak_memory_bytes"].as_u64()
    }

    pub fn environments(&self) -> Vec<&EnvironmentRecord> {
        let records = self.outcome.records.iter();
        records
            .filter_map(|r| if let Record::Environment(e) = r { Some(e) } else { None })
            .collect()
    }

    pub fn variants(&self) -> Vec<&VariantRecord> {
        let records = self.outcome.records.iter();
        records.filter_map(|r| if let Record::Variant(v) = r { Some(v) } else { None }).collect()
    }

    /// One line per run for the report (`cargo test -- --nocapture`).
    fn print_summary(&self) {
        let thread = std::thread::current();
        let name = thread.name().unwrap_or("?");
        let o = &self.outcome;
        eprintln!(
            "== {name}: {:?} in {:.2} s | limits {:?} | peak: {} procs, {} tasks, {} MiB RSS \
             (host), {:?} MiB (cgroup) | stdout {} B, stderr {} B, records {} | live {:?}\n\
             -- stdout: {}\n-- stderr: {}",
            o.ending,
            self.elapsed.as_secs_f64(),
            o.limits_hit,
            self.peak.processes,
            self.peak.tasks,
            self.peak.rss_bytes / MIB,
            self.peak_memory_bytes().map(|b| b / MIB),
            o.stdout.len(),
            o.stderr.len(),
            o.records.len(),
            self.live,
            head(&o.stdout, 600),
            tail(&o.stderr, 400),
        );
    }
}

pub fn has_hangul(text: &str) -> bool {
    text.chars().any(|c| ('가'..='힣').contains(&c))
}

fn head(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

fn tail(text: &str, n: usize) -> String {
    let count = text.chars().count();
    text.chars().skip(count.saturating_sub(n)).collect()
}

/// A host folder any uid may enter, so only the sandbox keeps the program out of it.
pub fn open_host_dir(mode: u32) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new().prefix("gil-lab-host-").tempdir().expect("host temp dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(mode))
        .expect("chmod host dir");
    dir
}
