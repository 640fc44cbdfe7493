//! `gil-lab worker` (and `serve --workers 0`) refuse a configuration they cannot work with, in
//! one line that names the fix, before doing anything: no root, a SQLite store (no other host
//! can share it), a database out of reach, a schema older than the binary.

use std::os::unix::process::CommandExt;
use std::process::Command;

/// The worker's stderr and whether it exited with failure, run with `args` (and as `uid`).
fn worker(args: &[&str], uid: Option<u32>) -> (bool, String) {
    gil_lab(&[&["worker"], args].concat(), uid)
}

fn gil_lab(args: &[&str], uid: Option<u32>) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gil-lab"));
    command.args(args).args(["--log", "off"]);
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
fn a_worker_or_a_web_only_node_on_sqlite_stops_and_says_it_needs_postgres() {
    if unsafe { libc::geteuid() } != 0 {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("one-host.db").display());
    let (failed, stderr) = worker(&["--database-url", &url], None);
    assert!(failed, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("PostgreSQL store") && stderr.contains("with SQLite"), "{stderr}");
    let web_only = ["serve", "--workers", "0", "--addr", "127.0.0.1:0", "--database-url", &url];
    let (failed, stderr) = gil_lab(&web_only, None);
    assert!(failed, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("--workers 0 leaves the runs to `gil-lab worker`"), "{stderr}");
}

#[tokio::test]
async fn a_worker_on_a_schema_older_than_itself_stops_and_says_to_migrate_first() {
    if unsafe { libc::geteuid() } != 0 {
        return;
    }
    // A database no web node of this version has migrated yet.
    let url = crate::postgres::fresh_database_url().await;
    let (failed, stderr) =
        tokio::task::spawn_blocking(move || worker(&["--database-url", &url], None))
            .await
            .expect("the worker ran");
    assert!(failed, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("schema is older than this gil-lab"), "{stderr}");
    assert!(stderr.contains("start `gil-lab serve` of this version once"), "{stderr}");
}
