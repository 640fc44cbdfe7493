//! Between a run and the sandbox: the job asked of the sandbox for a run, and what the
//! sandbox's outcome means for the run (its status and the reason the learner reads).

use std::time::Duration;

use serde_json::json;

use super::{RunId, RunStatus, store};
use crate::content::{Experiment, ParamValues};
use crate::sandbox::{Ending, Job, Limit, Outcome, RunLimits};

/// The job of one run of `experiment`: the program, its harness configuration and its limits
/// (the wall limit its parameters call for, if it is shorter than the server's).
pub fn job(
    experiment: &Experiment,
    run_id: RunId,
    code: String,
    params: &ParamValues,
    limits: RunLimits,
) -> Job {
    let mut limits = limits;
    limits.wall = wall_limit(experiment, params, limits);
    let config = json!({
        "params": params,
        "variants": experiment.variants,
        "repeats": experiment.repeats,
        "min_repeats": experiment.min_repeats,
        "spread": experiment.spread,
        "gil_sample_ns": experiment.gil_sample_us.map(|us| u64::from(us) * 1000),
        "runtimes": experiment.runtimes,
    });
    Job { id: run_id.job_id(), code, config, limits, cpus: None }
}

/// The wall limit a run of `experiment` with `params` gets: what its parameters call for, or
/// the server's limit if that is shorter.
pub fn wall_limit(experiment: &Experiment, params: &ParamValues, limits: RunLimits) -> Duration {
    limits.wall.min(experiment.wall_limit(params))
}

/// The status of a finished run and the reason shown to the learner.
pub fn judge(outcome: &Outcome, limits: RunLimits) -> (RunStatus, Option<String>) {
    let hits = (!outcome.limits_hit.is_empty()).then(|| outcome.limits_hit.join(" "));
    match outcome.ending {
        Ending::Exited(0) => (RunStatus::Succeeded, hits),
        Ending::Exited(code) => {
            let base = format!("프로그램이 오류로 끝났습니다(종료 코드 {code}).");
            (RunStatus::Failed, Some(join(base, hits)))
        }
        Ending::Signaled(signal) => {
            let base = format!("프로그램이 강제로 종료되었습니다(신호 {signal}).");
            (RunStatus::Failed, Some(hits.unwrap_or(base)))
        }
        Ending::TimedOut => {
            let base = limits.hit_sentence(Limit::Wall, 0).unwrap_or_default();
            (RunStatus::TimedOut, Some(join(base, hits)))
        }
        Ending::Cancelled => (RunStatus::Cancelled, Some(store::CANCELLED_REASON.to_owned())),
        Ending::SandboxFailed => (
            RunStatus::Failed,
            Some("실행 환경(샌드박스)을 준비하지 못했습니다. 관리자에게 알려 주세요.".to_owned()),
        ),
    }
}

fn join(base: String, extra: Option<String>) -> String {
    match extra {
        Some(extra) => format!("{base} {extra}"),
        None => base,
    }
}
