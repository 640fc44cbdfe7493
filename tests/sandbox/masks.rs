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

const READ_MOUNTS: &str = r#"
import os
for p in ["/proc/self/mountinfo", "/proc/self/mounts", "/proc/self/mountstats",
          "/proc/1/mountinfo", "/proc/1/mounts"]:
    try:
        with open(p) as f:
            print("==", p, "\n" + f.read())
    except OSError as e:
        print("==", p, "refused:", e.strerror)
# The root and /sandbox are the run's own tmpfs, owned by its uid: the owner's rights must
# not make them writable.
for name, change in [("chmod", lambda: os.chmod("/sandbox/main.py", 0o777)),
                     ("chmod root", lambda: os.chmod("/", 0o777)),
                     ("utime", lambda: os.utime("/sandbox/main.py")),
                     ("rename", lambda: os.rename("/sandbox/main.py", "/sandbox/x.py")),
                     ("unlink", lambda: os.unlink("/sandbox/gil_lab.py")),
                     ("mkdir", lambda: os.mkdir("/sandbox/x"))]:
    try:
        change()
        print("owner", name, "CHANGED")
    except OSError as e:
        print("owner", name, "refused:", e.strerror)
"#;

/// The host paths a mount table could give away: where the run folder lives, the server's
/// working directory (the repository here), its temp folder and its home.
fn host_paths(sandbox: &Sandbox) -> Vec<String> {
    let runs = sandbox.runs_dir().display().to_string();
    let first = runs.split('/').find(|c| !c.is_empty()).unwrap_or_default();
    let mut paths = vec![runs.clone(), format!("/{first}/"), "gil-lab-runs".to_owned()];
    let cwd = std::env::current_dir().expect("the server's cwd");
    paths.push(cwd.display().to_string());
    paths.push(env!("CARGO_MANIFEST_DIR").to_owned());
    paths.push(std::env::temp_dir().join("").display().to_string());
    if let Some(home) = std::env::var_os("HOME").filter(|h| h.len() > 1) {
        paths.push(home.to_string_lossy().into_owned());
    }
    paths
}

#[tokio::test]
async fn the_mount_table_names_no_host_path() {
    let sandbox = Sandbox::new(28);
    let ran = sandbox.run(READ_MOUNTS, limits()).await;
    assert_eq!(ran.ending(), Ending::Exited(0), "{}", ran.stderr());
    let out = ran.stdout();
    for table in ["mountinfo", "mounts", "mountstats"] {
        assert!(!out.contains(&format!("{table} refused")), "{table} was not read: {out}");
    }
    assert!(out.contains(" /usr ") && out.contains(" /proc "), "tables were read: {out}");
    for path in host_paths(&sandbox) {
        let leaks: Vec<&str> = out.lines().filter(|line| line.contains(&path)).collect();
        assert!(leaks.is_empty(), "host path {path} in the mount table: {leaks:#?}");
    }
    assert_eq!(out.matches("owner ").count(), 6, "{out}");
    assert!(!out.contains("CHANGED"), "{out}");
}
