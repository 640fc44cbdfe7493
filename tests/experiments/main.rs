//! Every experiment of the catalogue, run on its defaults in the real sandbox, and its result
//! checked against what its lesson claims, with margins honest for two noisy cores.
//!
//! The runs share the machine, so they take turns (`exclusive`), as runs do in the server.

mod cpu_bound;
// One module per experiment; add yours below in alphabetical order.
mod convoy;
mod gil_release;
mod granularity;
mod io_bound;
mod races;
mod sharing_cost;
mod start_methods;
mod timeline;
mod ways_out;

use std::path::Path;
use std::sync::Arc;

use gil_lab::content::{Content, ExperimentId};
use gil_lab::runs::{RunId, job, result};
use gil_lab::sandbox::{Backend, Ending, Outcome, SandboxBackend};
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

/// One experiment's run: how it ended, and its result as the server would store it.
pub struct Measured {
    pub outcome: Outcome,
    pub result: Value,
}

impl Measured {
    /// The named variant of the result.
    pub fn variant(&self, name: &str) -> &Value {
        let variants = self.result["variants"].as_array().expect("variants");
        variants
            .iter()
            .find(|v| v["name"] == name)
            .unwrap_or_else(|| panic!("no variant {name}: {}", self.result))
    }

    pub fn number(&self, variant: &str, field: &str) -> f64 {
        self.variant(variant)[field]
            .as_f64()
            .unwrap_or_else(|| panic!("{variant}.{field} in {}", self.result))
    }

    /// The metric of every repetition of a variant, in order.
    pub fn metric_by_repeat(&self, variant: &str, name: &str) -> Vec<f64> {
        let repeats =
            self.variant(variant)["metrics_by_repeat"].as_array().expect("metrics_by_repeat");
        repeats
            .iter()
            .map(|m| m[name].as_f64().unwrap_or_else(|| panic!("{name} in {m}")))
            .collect()
    }
}

static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Other load on two cores can only hide parallelism, never fake it: a claim is checked on up
/// to three runs and holds if any run shows it. The last failure is reported otherwise.
pub async fn check(
    id: &str,
    params: Value,
    claim: impl Fn(&Measured) -> Result<(), String>,
) -> Measured {
    let mut failures = Vec::new();
    for _ in 0..3 {
        let measured = run(id, params.clone()).await;
        match claim(&measured) {
            Ok(()) => return measured,
            Err(failure) => failures.push(failure),
        }
    }
    panic!("{id}: the claim failed three times: {failures:#?}");
}

/// Runs an experiment's own program with its default parameters (overridden by `params`).
pub async fn run(id: &str, params: Value) -> Measured {
    let _turn = TURN.lock().await;
    let content =
        Content::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("content")).expect("content");
    let experiment = content.experiment(&ExperimentId::parse(id).expect("id")).expect("experiment");
    let given: Map<String, Value> = params.as_object().cloned().unwrap_or_default();
    let values = gil_lab::content::check_values(&experiment.params, &given).expect("valid params");
    let code = experiment.code.clone().expect("a runnable experiment");
    let config = gil_lab::config::Config::for_tests(String::new(), Default::default());
    let job = job(
        experiment,
        RunId::new(),
        code,
        serde_json::to_value(values).expect("json"),
        config.run_limits(),
    );
    let backend = Arc::new(SandboxBackend {
        exe: env!("CARGO_BIN_EXE_gil-lab").into(),
        python: gil_lab::sandbox::resolve_python("python3".as_ref()).expect("python3"),
        uid: config.sandbox_uid,
        runs_dir: gil_lab::sandbox::runs_dir().expect("runs dir"),
        use_cgroups: true,
    });
    let (sender, mut receiver) = tokio::sync::mpsc::channel(64);
    let drain = tokio::spawn(async move { while receiver.recv().await.is_some() {} });
    let outcome = backend.execute(job, sender, CancellationToken::new()).await;
    drain.await.ok();
    assert_eq!(outcome.ending, Ending::Exited(0), "{id}: {}\n{}", outcome.stderr, outcome.stdout);
    let result = result::build(&outcome.records, false);
    Measured { outcome, result }
}
