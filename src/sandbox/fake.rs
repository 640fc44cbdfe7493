//! A fast, deterministic stand-in for the sandbox, for tests of everything around it.
//!
//! It runs nothing. It reads directives from comments in the code — `# fake: sleep 200`,
//! `# fake: exit 1`, `# fake: print 안녕`, `# fake: raise NameError: …` (a traceback naming the
//! directive's line, then exit 1), `# fake: forge 16 64 4000` — and answers with harness records shaped like a
//! real CPU experiment's (sequential 1 s, threads 1 s on one core, processes 0.55 s on two).

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::backend::{Backend, Chunk, ChunkSender, Ending, Job, Outcome};
use super::protocol::{EnvironmentRecord, Record, VariantRecord, WorkerRecord};

#[derive(Debug, Default, Clone)]
pub struct FakeBackend;

impl Backend for FakeBackend {
    fn execute(
        &self,
        job: Job,
        live: ChunkSender,
        cancel: CancellationToken,
    ) -> BoxFuture<'_, Outcome> {
        Box::pin(run(job, live, cancel))
    }

    fn describe(&self) -> String {
        "fake backend (tests only): nothing is executed".to_owned()
    }
}

async fn run(job: Job, live: ChunkSender, cancel: CancellationToken) -> Outcome {
    let mut outcome = Outcome {
        ending: Ending::Exited(0),
        stdout: String::new(),
        stderr: String::new(),
        limits_hit: Vec::new(),
        records: Vec::new(),
        runtime: json!({ "backend": "fake" }),
        error: None,
    };
    for (verb, arg) in directives(&job.code) {
        match verb {
            "print" => {
                let line = format!("{arg}\n");
                outcome.stdout.push_str(&line);
                live.send(Chunk::Stdout(line)).await.ok();
            }
            "sleep" => {
                let pause = Duration::from_millis(arg.parse().unwrap_or(0));
                tokio::select! {
                    () = tokio::time::sleep(pause.min(job.limits.wall)) => {}
                    () = cancel.cancelled() => {
                        outcome.ending = Ending::Cancelled;
                        return outcome;
                    }
                }
                if pause > job.limits.wall {
                    outcome.ending = Ending::TimedOut;
                    return outcome;
                }
            }
            "exit" => outcome.ending = Ending::Exited(arg.parse().unwrap_or(1)),
            "raise" => {
                let line =
                    job.code.lines().position(|l| l.contains("fake: raise")).unwrap_or(0) + 1;
                let traceback = format!(
                    "Traceback (most recent call last):\n  File \"<string>\", line 4, in <module>\n  \
                     File \"/sandbox/main.py\", line {line}, in <module>\n{arg}\n"
                );
                outcome.stderr.push_str(&traceback);
                live.send(Chunk::Stderr(traceback)).await.ok();
                outcome.ending = Ending::Exited(1);
                return outcome;
            }
            _ => {}
        }
    }
    if outcome.ending == Ending::Exited(0) {
        let forged = directives(&job.code).find(|(verb, _)| *verb == "forge").map(|(_, a)| a);
        let records = match forged {
            Some(sizes) => forge(sizes),
            None => records(&job.config),
        };
        for record in records {
            live.send(Chunk::Record(record.clone())).await.ok();
            outcome.records.push(record);
        }
    }
    outcome
}

/// `# fake: forge 16 64 4000`: that many variants × workers × spans, as a hostile program
/// could write them on the result channel.
fn forge(sizes: &str) -> Vec<Record> {
    let n: Vec<u64> = sizes.split_whitespace().filter_map(|n| n.parse().ok()).collect();
    let (variants, workers, spans) = (n.first(), n.get(1), n.get(2));
    let (variants, workers, spans) =
        (*variants.unwrap_or(&1), *workers.unwrap_or(&1), *spans.unwrap_or(&1) as i64);
    // Bursts of 200 spans 1 µs apart, bursts 10 ms apart: what thinning cannot join away.
    let start = |s: i64| (s / 200) * 10_000_000 + (s % 200) * 1000;
    let worker = |id| WorkerRecord {
        id,
        cpu_ns: 1,
        spans: (0..spans).map(|s| (start(s), start(s) + 500)).collect(),
    };
    (0..variants)
        .map(|v| {
            Record::Variant(VariantRecord {
                name: format!("v{v}"),
                repeat: 0,
                runtime: None,
                gil_enabled: None,
                wall_ns: start(spans) as u64 + 1,
                cpu_ns: 1,
                workers: (0..workers).map(worker).collect(),
                metrics: Default::default(),
                gil_timeline: None,
                gil_timeline_missing: None,
            })
        })
        .collect()
}

/// What the GIL recorder would see: threads taking 5 ms turns while the others wait, each
/// process holding its own GIL, sequential work on the main thread.
fn gil_timeline(variant: &str, workers: u64, wall_ns: u64) -> Value {
    const TURN: u64 = 5_000_000;
    let wall = wall_ns as i64;
    match variant {
        "threads" => {
            let turns = wall_ns / TURN;
            let holds: Vec<Value> =
                (0..turns).map(|i| json!([i % workers.max(1), i * TURN, (i + 1) * TURN])).collect();
            let waits: Vec<Value> = (0..turns)
                .flat_map(|i| {
                    (0..workers)
                        .filter(move |w| *w != i % workers.max(1))
                        .map(move |w| json!([w, i * TURN, (i + 1) * TURN]))
                })
                .collect();
            json!({"gil": true, "period_ns": 100_000, "holds": holds, "waits": waits,
                   "sleeps": [[-1, 0, wall]]})
        }
        "processes" => {
            let holds: Vec<Value> = (0..workers).map(|w| json!([w, 0, wall])).collect();
            json!({"gil": true, "processes": true, "period_ns": 100_000, "holds": holds})
        }
        _ => json!({"gil": true, "period_ns": 100_000, "holds": [[-1, 0, wall]]}),
    }
}

fn directives(code: &str) -> impl Iterator<Item = (&str, &str)> {
    code.lines().filter_map(|line| {
        let rest = line.trim().strip_prefix("# fake:")?.trim();
        Some(rest.split_once(' ').unwrap_or((rest, "")))
    })
}

fn records(config: &Value) -> Vec<Record> {
    let workers = config["params"]["workers"].as_u64().unwrap_or(2);
    let repeats = config["repeats"].as_u64().unwrap_or(1);
    let variants: Vec<&str> = config["variants"]
        .as_array()
        .map(|v| v.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = vec![Record::Environment(EnvironmentRecord {
        python: Some("3.11.2".into()),
        implementation: Some("cpython".into()),
        gil_enabled: Some(true),
        cores: Some(2),
        switch_interval: Some(0.005),
    })];
    for repeat in 0..repeats {
        for name in &variants {
            let (wall, cores) = match *name {
                "processes" => (550_000_000u64, 2u64),
                _ => (1_000_000_000, 1),
            };
            let per_worker = wall * cores / workers.max(1);
            let workers_n = workers;
            let workers = (0..workers)
                .map(|id| WorkerRecord {
                    id,
                    cpu_ns: per_worker,
                    spans: vec![(0, per_worker as i64)],
                })
                .collect();
            out.push(Record::Variant(VariantRecord {
                name: (*name).to_owned(),
                repeat: repeat as u32,
                runtime: Some("cpython-3.11".to_owned()),
                gil_enabled: Some(true),
                wall_ns: wall + repeat,
                cpu_ns: wall * cores,
                workers,
                metrics: Default::default(),
                gil_timeline: Some(gil_timeline(name, workers_n, wall)),
                gil_timeline_missing: None,
            }));
        }
    }
    out
}
