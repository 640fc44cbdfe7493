//! What experiments need still works inside: multiprocessing with every start method, threads,
//! and the harness's records on their own channel.

use std::time::Duration;

use gil_lab::sandbox::Ending;
use serde_json::json;

use crate::support::{Ran, Sandbox, limits};

/// Every multiprocessing primitive the lessons use, with the start method from the config.
const MULTIPROCESSING: &str = r#"
import multiprocessing as mp, threading
import gil_lab as lab

def add(value, lock, n):
    for _ in range(n):
        with lock:
            value.value += 1

def put(queue):
    queue.put("queue-ok")

def send(end):
    end.send("pipe-ok")
    end.close()

def mark(shared):
    shared["child"] = "manager-ok"

def square(x):
    return x * x

if __name__ == "__main__":
    method = lab.param("method")
    ctx = mp.get_context(method)
    value, lock = ctx.Value("i", 0), ctx.Lock()
    adders = [ctx.Process(target=add, args=(value, lock, 500)) for _ in range(2)]
    for p in adders:
        p.start()
    for p in adders:
        p.join()
    queue = ctx.Queue()
    p = ctx.Process(target=put, args=(queue,))
    p.start()
    queued = queue.get(timeout=10)
    p.join()
    mine, theirs = ctx.Pipe()
    p = ctx.Process(target=send, args=(theirs,))
    p.start()
    piped = mine.recv()
    p.join()
    with ctx.Manager() as manager:
        shared = manager.dict()
        p = ctx.Process(target=mark, args=(shared,))
        p.start()
        p.join()
        managed = shared["child"]
    with ctx.Pool(2) as pool:
        squares = pool.map(square, range(6))
    seen = []
    threads = [threading.Thread(target=seen.append, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(method, value.value, queued, piped, managed, squares, sorted(seen))
"#;

async fn multiprocessing_with(n: u32, method: &str) -> Ran {
    let sandbox = Sandbox::new(n);
    let config = json!({ "params": { "method": method }, "variants": [], "repeats": 1 });
    let mut limits = limits();
    limits.wall = Duration::from_secs(20);
    let ran = sandbox.run_with(MULTIPROCESSING, config, limits).await;
    assert_eq!(ran.ending(), Ending::Exited(0), "{}", ran.stderr());
    let expected = format!(
        "{method} 1000 queue-ok pipe-ok manager-ok [0, 1, 4, 9, 16, 25] [0, 1, 2, 3, 4, 5, 6, 7]"
    );
    assert_eq!(ran.stdout().trim(), expected, "{}", ran.stderr());
    ran
}

#[tokio::test]
async fn multiprocessing_and_threads_work_inside_with_fork() {
    multiprocessing_with(21, "fork").await;
}

#[tokio::test]
async fn multiprocessing_and_threads_work_inside_with_forkserver() {
    multiprocessing_with(22, "forkserver").await;
}

#[tokio::test]
async fn multiprocessing_and_threads_work_inside_with_spawn() {
    multiprocessing_with(23, "spawn").await;
}

const COMPARE: &str = r#"
import gil_lab as lab

def count(worker, n):
    for chunk in worker.chunks(n):
        for _ in range(chunk):
            pass

if __name__ == "__main__":
    print("learner output on stdout")
    lab.compare(count, workers=lab.param("workers"), args=(lab.param("iterations"),),
                variants=["sequential", "threads", "processes"])
    with lab.variant("custom"):
        lab.metric("lost_updates", 137)
"#;

#[tokio::test]
async fn the_harness_records_arrive_on_their_own_channel() {
    let sandbox = Sandbox::new(24);
    let config = json!({
        "params": { "workers": 2, "iterations": 200_000 },
        "variants": ["sequential", "threads", "processes"],
        "repeats": 2,
    });
    let mut limits = limits();
    limits.wall = Duration::from_secs(20);
    let ran = sandbox.run_with(COMPARE, config, limits).await;
    assert_eq!(ran.ending(), Ending::Exited(0), "{}", ran.stderr());
    assert_eq!(ran.stdout(), "learner output on stdout\n", "records never mix with stdout");
    let environment = ran.environments();
    assert_eq!(environment.len(), 1, "{:?}", ran.outcome.records);
    assert_eq!(environment[0].implementation.as_deref(), Some("cpython"));
    let variants = ran.variants();
    let names: Vec<&str> = variants.iter().map(|v| v.name.as_str()).collect();
    let expected = ["sequential", "threads", "processes"].repeat(2);
    assert_eq!(names[..6], expected[..], "two interleaved repeats, then the custom one");
    assert_eq!(names.get(6), Some(&"custom"));
    for variant in &variants[..6] {
        assert!(variant.wall_ns > 0 && variant.cpu_ns > 0, "{variant:?}");
        assert_eq!(variant.workers.len(), 2, "{variant:?}");
        assert!(variant.workers.iter().all(|w| !w.spans.is_empty()), "{variant:?}");
    }
    assert_eq!(variants[6].metrics["lost_updates"].as_f64(), Some(137.0));
    assert_eq!(ran.live[2], ran.outcome.records.len(), "every record was also sent live");
}

/// `steady` sleeps the same every time; `jumpy` alternates 5 ms and 40 ms.
const ADAPTIVE: &str = r#"
import time
import gil_lab as lab

def measure(names):
    for r in lab.rounds():
        for name in names:
            with lab.variant(name, r):
                time.sleep(0.02 if name == "steady" else (0.005, 0.04)[r % 2])

measure(["steady"])
measure(["steady", "jumpy"])
"#;

#[tokio::test]
async fn repeats_stop_at_the_minimum_once_the_spread_is_small_and_go_on_while_it_is_large() {
    let sandbox = Sandbox::new(42);
    let config = json!({ "params": {}, "repeats": 6, "min_repeats": 2, "spread": 0.25 });
    let ran = sandbox.run_with(ADAPTIVE, config, limits()).await;
    assert_eq!(ran.ending(), Ending::Exited(0), "{}", ran.stderr());
    let names: Vec<&str> = ran.variants().iter().map(|v| v.name.as_str()).collect();
    let count = |from: usize, name: &str| names[from..].iter().filter(|n| **n == name).count();
    assert_eq!(
        &names[..2],
        ["steady", "steady"],
        "a steady variant alone stops after 2: {names:?}"
    );
    assert_eq!(count(2, "jumpy"), 6, "a jumpy one runs to the maximum: {names:?}");
    assert_eq!(count(2, "steady"), 6, "its neighbours repeat with it: {names:?}");
}

const START_METHODS: &str = r#"
import gil_lab as lab

def count(worker, n):
    for chunk in worker.chunks(n):
        for _ in range(chunk):
            pass

if __name__ == "__main__":
    lab.compare(count, workers=2, args=(2_000_000,), variants=["processes"],
                start_method=lab.param("start_method"))
"#;

/// Forkserver workers are the forkserver's children, not the program's: RUSAGE_CHILDREN misses
/// them. A variant's CPU time must still hold its workers' CPU, whatever the start method.
#[tokio::test]
async fn a_process_variant_counts_its_workers_cpu_with_every_start_method() {
    let sandbox = Sandbox::new(43);
    for method in ["fork", "forkserver", "spawn"] {
        let config = json!({ "params": { "start_method": method }, "repeats": 1 });
        let ran = sandbox.run_with(START_METHODS, config, limits()).await;
        assert_eq!(ran.ending(), Ending::Exited(0), "{method}: {}", ran.stderr());
        let variants = ran.variants();
        let processes = variants.first().expect("one variant");
        let workers: u64 = processes.workers.iter().map(|w| w.cpu_ns).sum();
        assert!(workers > 0, "{method}: the workers recorded their CPU");
        assert!(
            processes.cpu_ns >= workers,
            "{method}: the variant's CPU {} ns holds its workers' {workers} ns",
            processes.cpu_ns
        );
        let runtime = processes.runtime.as_deref().unwrap_or_default();
        assert!(
            runtime.starts_with("cpython-3.") && !runtime.ends_with('t'),
            "{method}: {runtime}"
        );
        assert_eq!(processes.gil_enabled, Some(true), "{method}");
    }
}
