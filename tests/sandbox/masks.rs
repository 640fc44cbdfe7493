//! What a run can touch of the machine beyond its files: a read-only `/dev` without ptys, and a
//! `/proc` that shows its own processes but nothing host-wide (issue 12, item 6).

use gil_lab::sandbox::Ending;

use crate::support::{Sandbox, limits};

const MIB: u64 = 1024 * 1024;

const FILL_DEV: &str = r#"
import os
chunk = b"x" * (1 << 20)
def fill(path, mib):
    written = 0
    try:
        with open(path, "wb") as f:
            for _ in range(mib):
                f.write(chunk)
                f.flush()
                written += len(chunk)
        print(path, "WROTE", written)
    except OSError as e:
        print(path, "refused after", written, e.strerror)
    try:
        os.unlink(path)
    except OSError:
        pass
fill("/dev/fill", 100)
fill("/dev/shm/fill", 100)
for p in ["/dev/null", "/dev/zero", "/dev/full"]:
    try:
        with open(p, "wb") as f:
            f.write(b"ok")
        print(p, "sink ok")
    except OSError as e:
        print(p, "sink refused", e.strerror)
with open("/dev/urandom", "rb") as f:
    print("urandom", len(f.read(16)))
print("dev", sorted(os.listdir("/dev")))
"#;

/// The number in "<path> refused after N" or "<path> WROTE N".
fn bytes_written(stdout: &str, path: &str) -> u64 {
    let line = stdout.lines().find(|l| l.starts_with(path)).expect("a line for the path");
    let number = line.split_whitespace().find_map(|w| w.parse().ok());
    number.expect("a byte count")
}

#[tokio::test]
async fn dev_is_read_only_and_only_shm_takes_files_up_to_its_cap() {
    let sandbox = Sandbox::new(25);
    let ran = sandbox.run(FILL_DEV, limits()).await;
    assert_eq!(ran.ending(), Ending::Exited(0), "{}", ran.stderr());
    let out = ran.stdout();
    assert!(out.contains("/dev/fill refused after 0"), "{out}");
    let shm = bytes_written(out, "/dev/shm/fill");
    assert!(shm > 0 && shm <= limits().tmpfs_bytes, "/dev/shm took {shm} bytes: {out}");
    assert!(out.contains("/dev/null sink ok") && out.contains("/dev/zero sink ok"), "{out}");
    assert!(out.contains("/dev/full sink refused"), "/dev/full is full: {out}");
    assert!(out.contains("urandom 16"), "{out}");
    for absent in ["'pts'", "'ptmx'", "'tty'", "'console'", "'core'"] {
        assert!(!out.contains(absent), "{absent} in /dev: {out}");
    }
    assert!(shm < 100 * MIB);
}

const OPEN_PTY: &str = r#"
import os, pty
for how in ("ptmx", "openpty", "pts"):
    try:
        if how == "ptmx":
            os.open("/dev/ptmx", os.O_RDWR | os.O_NOCTTY)
        elif how == "openpty":
            os.openpty()
        else:
            os.listdir("/dev/pts")
        print(how, "OPENED")
    except OSError as e:
        print(how, "refused:", e.strerror)
"#;

#[tokio::test]
async fn no_pseudo_terminal_can_be_opened() {
    let sandbox = Sandbox::new(26);
    let ran = sandbox.run(OPEN_PTY, limits()).await;
    assert_eq!(ran.ending(), Ending::Exited(0), "{}", ran.stderr());
    let out = ran.stdout();
    for how in ["ptmx", "openpty", "pts"] {
        assert!(out.contains(&format!("{how} refused")), "{how}: {out}");
    }
    assert!(!out.contains("OPENED"), "{out}");
}

const PEEK_PROC: &str = r#"
import json, os, resource
seen = {}
for p in ["/proc/cmdline", "/proc/meminfo", "/proc/loadavg", "/proc/pressure/cpu",
          "/proc/pressure/memory", "/proc/pressure/io", "/proc/kcore", "/proc/keys",
          "/proc/timer_list", "/proc/sysrq-trigger", "/proc/sys/kernel/hostname",
          "/proc/stat", "/proc/uptime"]:
    try:
        with open(p, "rb") as f:
            seen[p] = f.read(4096).decode(errors="replace")
    except OSError as e:
        seen[p] = "refused: " + e.strerror
seen["cpu_count"] = os.cpu_count()
seen["affinity"] = len(os.sched_getaffinity(0))
seen["maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
seen["fds"] = len(os.listdir("/proc/self/fd"))
print(json.dumps(seen))
"#;

#[tokio::test]
async fn proc_shows_nothing_of_the_host() {
    let sandbox = Sandbox::new(27);
    let ran = sandbox.run(PEEK_PROC, limits()).await;
    assert_eq!(ran.ending(), Ending::Exited(0), "{}", ran.stderr());
    let seen: serde_json::Value = serde_json::from_str(ran.stdout()).expect("the program's JSON");
    let host_wide = seen.as_object().expect("object").iter().filter(|(k, _)| k.starts_with('/'));
    for (path, what) in host_wide {
        let what = what.as_str().unwrap_or_default();
        assert!(what.is_empty() || what.starts_with("refused"), "{path}: {what}");
    }
    // What the lab needs of /proc keeps working.
    assert!(seen["cpu_count"].as_u64().is_some_and(|n| n >= 1), "{seen}");
    assert!(seen["affinity"].as_u64().is_some_and(|n| n >= 1), "{seen}");
    assert!(seen["maxrss"].as_u64().is_some_and(|n| n > 0), "{seen}");
    assert!(seen["fds"].as_u64().is_some_and(|n| n >= 3), "{seen}");
}
