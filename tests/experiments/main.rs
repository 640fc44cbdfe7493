//! Every experiment of the catalogue, run on its defaults in the real sandbox, and its result
//! checked against what its lesson claims, with margins honest for two noisy cores.
//!
//! The runs share the machine, so they take turns (`exclusive`), as runs do in the server.

mod cpu_bound;
// One module per experiment; add yours below in alphabetical order.
mod asyncio_blocking;
mod convoy;
mod free_threaded;
mod gil_release;
mod gil_timeline;
mod granularity;
#[path = "../support/install_script.rs"]
mod install_script;
mod io_bound;
mod races;
#[path = "../support/runtimes.rs"]
mod runtimes;
mod sharing_cost;
mod start_methods;
mod thread_safety;
mod timeline;
mod ways_out;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gil_lab::content::{Content, ExperimentId, Measure};
use gil_lab::runs::load::CpuSnapshot;
use gil_lab::runs::result::{self, MetricValue, RunResult, Variant};
use gil_lab::runs::{RunId, job};
use gil_lab::sandbox::protocol::measured_cpu_s;
use gil_lab::sandbox::{Backend, Ending, Outcome, SandboxBackend};
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

/// One experiment's run: how it ended, and its result as the server would store it.
pub struct Measured {
    pub outcome: Outcome,
    pub result: RunResult,
    /// Cores that other programs kept busy while it ran.
    pub others_busy: f64,
}

impl Measured {
    /// The named variant of the result.
    pub fn variant(&self, name: &str) -> &Variant {
        self.result.variant(name).unwrap_or_else(|| panic!("no variant {name}: {:?}", self.result))
    }

    /// A number of a variant (`wall_s`, `speedup`…), read as predictions read it.
    pub fn number(&self, variant: &str, field: &str) -> f64 {
        let measure = Measure::parse(&format!("{field}:{variant}")).expect("a measure");
        measure.eval(&self.result).unwrap_or_else(|| panic!("{variant}.{field}: {:?}", self.result))
    }

    /// A metric of the variant's median repetition.
    pub fn metric(&self, variant: &str, name: &str) -> &MetricValue {
        self.variant(variant).metrics.get(name).unwrap_or_else(|| panic!("{variant}.{name}"))
    }

    /// A numeric metric of the variant's median repetition.
    pub fn metric_f64(&self, variant: &str, name: &str) -> f64 {
        self.metric(variant, name).as_f64().unwrap_or_else(|| panic!("{variant}.{name}: a number"))
    }

    /// The metric of every repetition of a variant, in order.
    pub fn metric_by_repeat(&self, variant: &str, name: &str) -> Vec<f64> {
        let v = self.variant(variant);
        let values = v.metric_by_repeat(name);
        assert_eq!(values.len(), v.metrics_by_repeat.len(), "{name} in every repetition");
        values
    }
}

static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Other programs on two cores can hide parallelism (or slow one variant at random), so a claim
/// is decided by *quiet* measurements: one taken while others kept the cores busy is re-taken
/// once the machine is quiet again, waiting up to [`QUIET_WAIT`]. The claim holds if any
/// measurement shows it and fails when three deciding ones contradict it. With no quiet moment
/// in the wait it says "machine busy" and passes undecided — except under `CI=true`, where the
/// machine is meant to be quiet and the test must decide: there, once the wait is spent, busy
/// measurements decide too.
pub async fn check(
    id: &str,
    params: Value,
    claim: impl Fn(&Measured) -> Result<(), String>,
) -> Measured {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    // One claim's measurements follow each other, and its wait starts when its turn does.
    let _turn = TURN.lock().await;
    let give_up = Instant::now() + QUIET_WAIT;
    let (mut failures, mut decided) = (Vec::new(), 0);
    let mut last = None;
    while decided < 3 {
        if decided + failures.len() > 0 && !wait_for_quiet(give_up).await && !ci {
            break;
        }
        let measured = measure(id, params.clone()).await;
        let busy = measured.others_busy > BUSY;
        match claim(&measured) {
            Ok(()) => return measured,
            Err(failure) if !busy || (ci && Instant::now() >= give_up) => {
                decided += 1;
                let how = if busy { "busy, deciding under CI" } else { "quiet" };
                failures.push(format!(
                    "{how} (others used {:.2} cores): {failure}",
                    measured.others_busy
                ));
            }
            Err(failure) => failures
                .push(format!("busy (others used {:.2} cores): {failure}", measured.others_busy)),
        }
        last = Some(measured);
    }
    if decided > 0 {
        panic!("{id}: the claim failed: {failures:#?}");
    }
    eprintln!("{id}: machine busy, the claim is undecided: {failures:#?}");
    last.expect("at least one measurement")
}

/// Cores that other programs may use beside a measurement that still decides a claim.
const BUSY: f64 = 0.25;
/// How long a busy machine is waited for before a claim is left undecided.
const QUIET_WAIT: Duration = Duration::from_secs(120);

/// Waits until the other programs use at most [`BUSY`] cores over one second; false if `until`
/// came first.
async fn wait_for_quiet(until: Instant) -> bool {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    while Instant::now() < until {
        let before = CpuSnapshot::take();
        tokio::time::sleep(Duration::from_secs(1)).await;
        match (before, CpuSnapshot::take()) {
            (Some(before), Some(after)) if after.busy_cores_since(&before, cores) > BUSY => {}
            _ => return true,
        }
    }
    false
}

/// Runs an experiment's own program with its default parameters (overridden by `params`).
pub async fn run(id: &str, params: Value) -> Measured {
    let _turn = TURN.lock().await;
    measure(id, params).await
}

/// [`run`], by one who already has the turn.
async fn measure(id: &str, params: Value) -> Measured {
    let content =
        Content::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("content")).expect("content");
    let experiment = content.experiment(&ExperimentId::parse(id).expect("id")).expect("experiment");
    let given: Map<String, Value> = params.as_object().cloned().unwrap_or_default();
    let values = gil_lab::content::check_values(&experiment.params, &given).expect("valid params");
    let code = experiment.code.clone().expect("a runnable experiment");
    let config = gil_lab::config::Config::for_tests(String::new(), Default::default());
    let job = job(experiment, RunId::new(), code, &values, config.run_limits());
    let backend = Arc::new(SandboxBackend {
        exe: env!("CARGO_BIN_EXE_gil-lab").into(),
        python: gil_lab::sandbox::resolve_python("python3".as_ref()).expect("python3"),
        uid: config.sandbox_uid,
        runs_dir: gil_lab::sandbox::runs_dir().expect("runs dir"),
        use_cgroups: true,
        gil_sample_us: config.gil_sample_us,
    });
    let (sender, mut receiver) = tokio::sync::mpsc::channel(64);
    let drain = tokio::spawn(async move { while receiver.recv().await.is_some() {} });
    let (before, started) = (CpuSnapshot::take(), Instant::now());
    let outcome = backend.execute(job, sender, CancellationToken::new()).await;
    let others_busy = others_busy(before, started, &outcome);
    drain.await.ok();
    assert_eq!(outcome.ending, Ending::Exited(0), "{id}: {}\n{}", outcome.stderr, outcome.stdout);
    let result = result::build(outcome.records.clone(), Default::default());
    Measured { outcome, result, others_busy }
}

/// Cores that programs other than the run kept busy while it ran.
fn others_busy(before: Option<CpuSnapshot>, started: Instant, outcome: &Outcome) -> f64 {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let (Some(before), Some(after)) = (before, CpuSnapshot::take()) else { return 0.0 };
    let wall = started.elapsed().as_secs_f64();
    after.busy_cores_since(&before, cores) - measured_cpu_s(&outcome.records) / wall
}
