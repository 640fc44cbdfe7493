//! Programs that try to exhaust the machine: each stops at its limit, which the run names.

use std::time::Duration;

use gil_lab::sandbox::Ending;

use crate::support::{MIB, Sandbox, cgroups_available, limits};

/// The cgroup's pids limit is the run's process limit plus a few for the launcher and the init.
const MOST_TASKS_SEEN: u64 = 64 + 8;

#[tokio::test]
async fn a_fork_bomb_stops_at_the_process_limit_and_names_it() {
    let sandbox = Sandbox::new(1);
    let ran = sandbox.run("import os\nwhile True:\n    os.fork()\n", limits()).await;
    assert_eq!(ran.ending(), Ending::Exited(1), "{}", ran.stderr());
    ran.limit_sentence("프로세스·스레드 수 제한(64개)");
    assert!(ran.stderr().contains("BlockingIOError"), "{}", ran.stderr());
    assert!(ran.peak.tasks <= MOST_TASKS_SEEN, "the host saw {} tasks", ran.peak.tasks);
    assert!(ran.elapsed < limits().wall, "ended by itself, not by the wall clock");
}

#[tokio::test]
async fn a_fork_bomb_that_swallows_its_errors_is_killed_at_the_wall_limit() {
    let sandbox = Sandbox::new(2);
    let code =
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n";
    let mut limits = limits();
    limits.wall = Duration::from_secs(3);
    let ran = sandbox.run(code, limits).await;
    assert_eq!(ran.ending(), Ending::TimedOut);
    assert!(ran.peak.tasks <= MOST_TASKS_SEEN, "the host saw {} tasks", ran.peak.tasks);
    assert!(ran.elapsed < Duration::from_secs(6), "killed promptly: {:?}", ran.elapsed);
}

#[tokio::test]
async fn a_thread_bomb_stops_at_the_process_limit_and_names_it() {
    let sandbox = Sandbox::new(3);
    // Holds its threads a moment after the refusal, so the host can count them.
    let code = r#"
import threading, time
try:
    while True:
        threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
except RuntimeError:
    print("threads:", threading.active_count())
    time.sleep(0.3)
    raise
"#;
    let ran = sandbox.run(code, limits()).await;
    assert_eq!(ran.ending(), Ending::Exited(1), "{}", ran.stderr());
    assert!(ran.stderr().contains("can't start new thread"), "{}", ran.stderr());
    ran.limit_sentence("프로세스·스레드 수 제한(64개)");
    assert!(ran.peak.tasks <= MOST_TASKS_SEEN, "the host saw {} tasks", ran.peak.tasks);
}

const SIX_HUNGRY_CHILDREN: &str = r#"
import os, time
pids = []
for i in range(6):
    pid = os.fork()
    if pid == 0:
        block = bytearray(200 << 20)
        for j in range(0, len(block), 4096):
            block[j] = 1
        time.sleep(1)
        os._exit(0)
    pids.append(pid)
statuses = [os.waitpid(p, 0)[1] for p in pids]
print("killed", sum(1 for s in statuses if os.WIFSIGNALED(s)), "of 6")
"#;

#[tokio::test]
async fn memory_across_processes_is_bounded_by_the_run_as_a_whole() {
    if !cgroups_available() {
        eprintln!("no cgroup on this host: memory across processes is bounded per process only");
        return;
    }
    let sandbox = Sandbox::new(4);
    // Reclaim and OOM kills take seconds on two busy cores; the wall clock must not win.
    let mut limits = limits();
    limits.wall = Duration::from_secs(15);
    let ran = sandbox.run(SIX_HUNGRY_CHILDREN, limits).await;
    assert_eq!(ran.ending(), Ending::Exited(0), "{}", ran.stderr());
    let killed: u32 = ran
        .stdout()
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("the parent counted its children");
    assert!(killed >= 4, "only {killed} of 6 children were stopped");
    ran.limit_sentence("메모리 제한(모든 프로세스 합계 256 MiB)");
    let peak = ran.peak_memory_bytes().expect("the cgroup measured the peak");
    assert!(peak <= 256 * MIB, "peak {} MiB", peak / MIB);
}

#[tokio::test]
async fn an_endless_loop_is_killed_at_the_wall_limit() {
    let sandbox = Sandbox::new(5);
    let mut limits = limits();
    limits.wall = Duration::from_secs(3);
    let ran = sandbox.run("while True:\n    pass\n", limits).await;
    assert_eq!(ran.ending(), Ending::TimedOut);
    assert!(
        ran.elapsed >= limits.wall && ran.elapsed < Duration::from_secs(5),
        "{:?}",
        ran.elapsed
    );
}

#[tokio::test]
async fn an_endless_loop_hits_the_cpu_limit_first_when_it_is_shorter() {
    let sandbox = Sandbox::new(6);
    let mut limits = limits();
    limits.cpu_seconds = 1;
    limits.wall = Duration::from_secs(8);
    let ran = sandbox.run("while True:\n    pass\n", limits).await;
    assert_eq!(ran.ending(), Ending::Signaled(libc::SIGXCPU));
    ran.limit_sentence("CPU 시간 제한(프로세스당 1초)");
    assert!(ran.elapsed < limits.wall, "{:?}", ran.elapsed);
}

#[tokio::test]
async fn an_output_flood_is_cut_at_the_cap_and_the_run_stopped() {
    let sandbox = Sandbox::new(7);
    let code = "import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n";
    let ran = sandbox.run(code, limits()).await;
    assert_eq!(ran.ending(), Ending::Signaled(libc::SIGKILL));
    assert!(ran.stdout().len() <= limits().output_bytes, "kept {} B", ran.stdout().len());
    assert!(ran.stdout().len() >= limits().output_bytes / 2, "kept {} B", ran.stdout().len());
    ran.limit_sentence("출력 제한(stdout·stderr 각 64 KiB)");
    assert!(ran.elapsed < Duration::from_secs(2), "stopped at once: {:?}", ran.elapsed);
}

/// Fills a folder with 1 MiB files (each under the file size limit) until it is full.
const FILL: &str = r#"
import os, sys
def fill(folder):
    total, i, chunk = 0, 0, b"x" * (1 << 20)
    try:
        while True:
            with open(f"{folder}/MARKER-{i}", "wb", buffering=0) as f:
                total += f.write(chunk)
            i += 1
    except OSError as e:
        print(folder, "stopped:", e, file=sys.stderr)
    return total >> 20
for folder in ("/tmp", "/dev/shm"):
    print(folder, fill(folder), "MiB")
"#;

#[tokio::test]
async fn filling_tmp_and_dev_shm_stops_at_the_tmpfs_size_and_names_it() {
    let sandbox = Sandbox::new(8);
    let marker = format!("gil-lab-fill-{}", sandbox.uid());
    let ran = sandbox.run(&FILL.replace("MARKER", &marker), limits()).await;
    assert_eq!(ran.ending(), Ending::Exited(0), "{}", ran.stderr());
    for folder in ["/tmp", "/dev/shm"] {
        let line = ran.stdout().lines().find(|l| l.starts_with(folder)).expect("a line per folder");
        let mib: u64 = line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("MiB");
        assert!((14..=16).contains(&mib), "{folder}: {mib} MiB");
        let host = std::path::Path::new(folder).join(format!("{marker}-0"));
        assert!(!host.exists(), "the host's {folder} was written");
    }
    assert_eq!(ran.stderr().matches("No space left on device").count(), 2, "{}", ran.stderr());
    ran.limit_sentence("임시 저장 공간 제한(/tmp와 /dev/shm 각 16 MiB)");
}

const ONE_HUGE_FILE: &str = r#"
import os
try:
    with open("/tmp/NAME", "wb", buffering=0) as f:
        while True:
            f.write(b"y" * (1 << 20))
finally:
    print("size", os.path.getsize("/tmp/NAME"))
"#;

#[tokio::test]
async fn one_huge_file_stops_at_the_file_size_limit_and_names_it() {
    let sandbox = Sandbox::new(9);
    let name = format!("gil-lab-huge-{}", sandbox.uid());
    let ran = sandbox.run(&ONE_HUGE_FILE.replace("NAME", &name), limits()).await;
    assert_eq!(ran.ending(), Ending::Exited(1), "{}", ran.stderr());
    assert_eq!(ran.stdout().trim(), format!("size {}", 4 * MIB));
    assert!(ran.stderr().contains("File too large"), "{}", ran.stderr());
    ran.limit_sentence("파일 크기 제한(4 MiB)");
    assert!(!std::path::Path::new("/tmp").join(&name).exists(), "the host's /tmp was written");
}

/// Stricter than every other test, which give the host's init a few seconds to reap zombies.
#[tokio::test]
async fn a_run_killed_at_the_wall_limit_leaves_not_even_a_zombie() {
    let sandbox = Sandbox::new(10);
    let mut limits = limits();
    limits.wall = Duration::from_secs(1);
    let ran = sandbox.run("while True:\n    pass\n", limits).await;
    assert_eq!(ran.ending(), Ending::TimedOut);
    let left = crate::watch::describe(&ran.leftovers.at_return);
    assert!(ran.leftovers.at_return.is_empty(), "left when the run returned: {left}");
}
