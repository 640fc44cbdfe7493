//! `gil-lab worker` refuses a configuration it cannot work with, in one line that names the
//! fix, before doing anything: no root, a database it cannot reach, a schema older than it.

use std::os::unix::process::CommandExt;
use std::process::Command;

/// The worker's stderr and whether it exited with failure, run with `args` (and as `uid`).
fn worker(args: &[&str], uid: Option<u32>) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gil-lab"));
    command.arg("worker").args(["--log", "off"]).args(args);
    if let Some(uid) = uid {
        command.uid(uid).gid(uid);
    }
    let output = command.output().expect("run gil-lab worker");
    (!output.status.success(), String::from_utf8_lossy(&output.stderr).trim().to_owned())
}

#[test]
fn a_worker_without_root_stops_and_says_to_run_it_as_root() {
    // SAFETY: geteuid has no preconditions.
    let uid = (unsafe { libc::geteuid() } == 0).then_some(65534);
    let (failed, stderr) = worker(&["--database-url", "postgres://gil@127.0.0.1:1/gil"], uid);
    assert!(failed, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("needs root") && stderr.contains("run it as root"), "{stderr}");
}

#[test]
fn a_worker_that_cannot_reach_its_database_stops_and_names_it() {
    if unsafe { libc::geteuid() } != 0 {
        return; // refused for want of root first, as above
    }
    let (failed, stderr) = worker(&["--database-url", "postgres://gil:pw@127.0.0.1:1/gil"], None);
    assert!(failed, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot reach PostgreSQL at postgres://gil:…@127.0.0.1:1/gil"), "{stderr}");
    assert!(stderr.contains("fix --database-url") && !stderr.contains("pw@"), "{stderr}");
}

#[test]
fn a_worker_on_a_schema_older_than_itself_stops_and_says_to_migrate_first() {
    if unsafe { libc::geteuid() } != 0 {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let (failed, stderr) = worker(&["--database-url", &url], None);
    assert!(failed, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("schema is older than this gil-lab"), "{stderr}");
    assert!(stderr.contains("start `gil-lab serve` of this version once"), "{stderr}");
}
