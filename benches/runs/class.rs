//! A class at once (issue 11): first what one run of each experiment's defaults costs through
//! gil-lab (the run's own start → finish: the machine time it holds its slot; SIZE_ROUNDS runs
//! each, default 3), then BURSTS times (default 3) LEARNERS learners (default 30), each with a
//! cookie jar of their own, clicking "실험 실행" on the CPU experiment's defaults at the same
//! moment. Printed per burst: when the median and the last result arrived, the median machine
//! time of one run, the error of the learners' first estimated starts, and how many repeats
//! the runs made. Targets: last ≤ 90 s, median ≤ 45 s, ETA error ≤ 20 %.

use std::time::Instant;

use super::http::Agent;
use super::{env_number, median, percentile, submit, wait_done};

/// Every experiment in the catalogue, at its defaults.
const EXPERIMENTS: [&str; 10] = [
    "convoy",
    "cpu-bound",
    "gil-release",
    "granularity",
    "io-bound",
    "races",
    "sharing-cost",
    "start-methods",
    "timeline",
    "ways-out",
];

pub fn class(addr: &str) {
    let rounds = env_number("SIZE_ROUNDS", 3);
    println!("\n## each experiment at its defaults: machine time of one run ({rounds} rounds)");
    println!("{:<14} {:>10} {:>10} {:>10}   target ≤ 2.5 s", "experiment", "median", "min", "max");
    for experiment in EXPERIMENTS {
        let runs: Vec<(f64, u64)> = (0..rounds)
            .filter_map(|_| {
                let mut agent = Agent::new(addr);
                let id = submit(&mut agent, &format!(r#"{{"experiment": "{experiment}"}}"#))?;
                wait_done(&mut agent, &id).then(|| finished_run(&mut agent, &id)).flatten()
            })
            .collect();
        let mut seconds: Vec<f64> = runs.iter().map(|r| r.0).collect();
        if seconds.is_empty() {
            println!("{experiment:<14} (no run finished: is its runtime installed?)");
            continue;
        }
        let (low, high) = (percentile(&mut seconds, 0.0), percentile(&mut seconds, 1.0));
        let repeats = repeat_counts(runs.iter().map(|r| r.1));
        println!(
            "{experiment:<14} {:>9.2}s {low:>9.2}s {high:>9.2}s   repeats {repeats}",
            median(&mut seconds)
        );
    }
    let (learners, bursts) = (env_number("LEARNERS", 30), env_number("BURSTS", 3));
    println!(
        "\n## a class at once: {learners} learners click on the CPU experiment's defaults \
         together, {bursts} times"
    );
    println!(
        "{:<6} {:>8} {:>14} {:>14} {:>10} {:>10}   repeats×runs",
        "burst", "results", "median result", "last result", "one run", "ETA error"
    );
    println!("{:<6} {:>8} {:>14} {:>14} {:>10} {:>10}", "", "", "≤ 45 s", "≤ 90 s", "", "≤ 20 %");
    for round in 1..=bursts {
        burst(addr, learners, round);
    }
}

/// One burst, printed as one row. The ETA error is that of each learner's *first* estimate
/// (the hardest: made before any run of the burst finished), from the runs that waited ≥ 1 s.
fn burst(addr: &str, learners: usize, round: usize) {
    let body = r#"{"experiment": "cpu-bound"}"#;
    // Cookie jars first, so the clicks themselves come at once.
    let agents: Vec<Agent> = (0..learners).map(|_| Agent::new(addr)).collect();
    let clicked = Instant::now();
    let watchers: Vec<_> = agents
        .into_iter()
        .map(|mut agent| {
            std::thread::spawn(move || {
                let id = submit(&mut agent, body)?;
                // The first run starts at once, with no estimate: it waited 0 s, as predicted.
                let (eta, waited) =
                    super::eta::first_eta_and_start(&agent, &id).unwrap_or((0.0, 0.0));
                wait_done(&mut agent, &id).then_some(())?;
                let arrived = clicked.elapsed().as_secs_f64();
                let (machine, repeats) = finished_run(&mut agent, &id)?;
                Some((arrived, machine, eta, waited, repeats))
            })
        })
        .collect();
    let finished: Vec<_> = watchers.into_iter().filter_map(|h| h.join().ok().flatten()).collect();
    if finished.is_empty() {
        println!("{round:<6} no run finished");
        return;
    }
    let mut arrived: Vec<f64> = finished.iter().map(|f| f.0).collect();
    let mut machine: Vec<f64> = finished.iter().map(|f| f.1).collect();
    let mut errors: Vec<f64> =
        finished.iter().filter(|f| f.3 >= 1.0).map(|f| (f.2 - f.3).abs() / f.3 * 100.0).collect();
    let error = if errors.is_empty() { f64::NAN } else { median(&mut errors) };
    println!(
        "{round:<6} {:>8} {:>12.1} s {:>12.1} s {:>8.2} s {:>8.1} %   {}",
        format!("{}/{learners}", finished.len()),
        median(&mut arrived),
        percentile(&mut arrived, 1.0),
        median(&mut machine),
        error,
        repeat_counts(finished.iter().map(|f| f.4)),
    );
    if std::env::var("VERBOSE").is_ok() {
        let mut pairs: Vec<(f64, f64)> = finished.iter().map(|f| (f.3, f.2)).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (actual, predicted) in pairs {
            println!("       waited {actual:6.1} s, first estimate {predicted:6.1} s");
        }
    }
}

/// A succeeded run's machine time (start to finish: how long it held its slot) and how many
/// repeats it made (the most of any variant).
fn finished_run(agent: &mut Agent, id: &str) -> Option<(f64, u64)> {
    let reply = agent.get(&format!("/api/runs/{id}")).ok()?;
    let run: serde_json::Value = serde_json::from_str(&reply.body).ok()?;
    let at = |field: &str| chrono::DateTime::parse_from_rfc3339(run[field].as_str()?).ok();
    let seconds = (at("finished_at")? - at("started_at")?).num_milliseconds() as f64 / 1e3;
    let variants = run["result"]["variants"].as_array()?;
    let repeats = variants.iter().filter_map(|v| v["repeats"].as_u64()).max()?;
    (run["status"] == "succeeded").then_some((seconds, repeats))
}

/// "2×27 4×3": how many runs made how many repeats.
fn repeat_counts(counts: impl Iterator<Item = u64>) -> String {
    let mut tally = std::collections::BTreeMap::new();
    for count in counts {
        *tally.entry(count).or_insert(0) += 1;
    }
    tally.iter().map(|(repeats, runs)| format!("{repeats}×{runs}")).collect::<Vec<_>>().join(" ")
}
