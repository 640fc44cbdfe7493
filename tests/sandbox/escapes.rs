//! Programs that reach for the host: its files, its network, its processes and its environment.
//! Each attack is checked from the host's side where it can be.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use gil_lab::sandbox::Ending;

use crate::support::{SECRET_NAME, SECRET_VALUE, Sandbox, limits, open_host_dir};

const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// A Python list literal of the paths (JSON strings are Python strings).
fn python_list(paths: &[String]) -> String {
    serde_json::to_string(paths).expect("paths serialize")
}

/// A real SQLite database, readable by anyone on the host.
async fn secret_database(dir: &Path, secret: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("learners.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("create the database");
    sqlx::query("create table secret (value text)").execute(&pool).await.expect("create table");
    sqlx::query("insert into secret values (?)").bind(secret).execute(&pool).await.expect("insert");
    pool.close().await;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod db");
    path
}

/// What `uid` could do on the host without the sandbox: run a command as it.
fn as_uid(uid: u32, program: &str, args: &[&str]) -> std::process::Output {
    Command::new(program).args(args).uid(uid).gid(uid).output().expect("run as the sandbox uid")
}

const TRY_READ: &str = r#"
import os
for p in PATHS:
    try:
        if os.path.isdir(p):
            print(p, "LISTED", os.listdir(p)[:5])
        else:
            with open(p, "rb") as f:
                print(p, "READ", f.read(64))
    except OSError as e:
        print(p, "refused:", e.strerror)
"#;

#[tokio::test]
async fn host_files_cannot_be_read() {
    let sandbox = Sandbox::new(11);
    let dir = open_host_dir(0o755);
    let secret = "TOP-SECRET-learner-row-4711";
    let db = secret_database(dir.path(), secret).await;
    let db_text = db.display().to_string();
    let outside = as_uid(sandbox.uid(), "/usr/bin/cat", &[&db_text]);
    assert!(
        String::from_utf8_lossy(&outside.stdout).contains(secret),
        "control: without the sandbox its uid could read the database"
    );
    let paths: Vec<String> = [
        "/etc/shadow",
        "/etc/passwd",
        "/root",
        "/root/.bashrc",
        "/usr/../etc/shadow",
        "/sys/fs/cgroup",
        "/tmp/gil-lab-runs",
    ]
    .iter()
    .map(|p| p.to_string())
    .chain([
        REPO.to_owned(),
        format!("{REPO}/Cargo.toml"),
        format!("{REPO}/src/main.rs"),
        dir.path().display().to_string(),
        db_text.clone(),
        format!("/proc/1/root{db_text}"),
        format!("/proc/self/root{REPO}/Cargo.toml"),
    ])
    .collect();
    let code = TRY_READ.replace("PATHS", &python_list(&paths));
    let ran = sandbox.run(&code, limits()).await;
    assert_eq!(ran.ending(), Ending::Exited(0), "{}", ran.stderr());
    let output = format!("{}{}", ran.stdout(), ran.stderr());
    assert_eq!(ran.stdout().matches("refused:").count(), paths.len(), "{output}");
    for leak in ["READ", "LISTED", secret, "SQLite format", "[package]", "root:"] {
        assert!(!output.contains(leak), "{leak:?} reached the program: {output}");
    }
}

const TRY_WRITE: &str = r#"
import ctypes, os
for p in PATHS:
    try:
        with open(p, "a") as f:
            f.write("pwned")
        print(p, "WRITTEN")
    except OSError as e:
        print(p, "refused:", e.strerror)
libc = ctypes.CDLL(None, use_errno=True)
MS_REMOUNT, MS_BIND = 0x20, 0x1000
rc = libc.mount(b"none", b"/usr", None, MS_REMOUNT | MS_BIND, None)
print("remount /usr read-write:", rc, os.strerror(ctypes.get_errno()))
"#;

#[tokio::test]
async fn host_files_cannot_be_written() {
    let sandbox = Sandbox::new(12);
    let uid = sandbox.uid();
    let dir = open_host_dir(0o777);
    let control = dir.path().join("control");
    let touched = as_uid(uid, "/usr/bin/touch", &[&control.display().to_string()]);
    assert!(touched.status.success(), "control: without the sandbox its uid could write there");
    std::fs::remove_file(&control).expect("remove the control file");
    let targets: Vec<PathBuf> = vec![
        dir.path().join("pwned"),
        PathBuf::from(format!("/usr/gil-lab-pwned-{uid}")),
        PathBuf::from(format!("/usr/lib/gil-lab-pwned-{uid}")),
        PathBuf::from(format!("{REPO}/gil-lab-pwned-{uid}")),
        PathBuf::from(format!("/etc/gil-lab-pwned-{uid}")),
    ];
    let mut paths: Vec<String> = targets.iter().map(|p| p.display().to_string()).collect();
    paths.extend(["/sandbox/main.py", "/sandbox/pwned.py", "/pwned"].map(String::from));
    let code = TRY_WRITE.replace("PATHS", &python_list(&paths));
    let ran = sandbox.run(&code, limits()).await;
    let written: Vec<_> = targets.iter().filter(|p| p.exists()).collect();
    for path in &written {
        std::fs::remove_file(path).ok();
    }
    assert!(written.is_empty(), "the program wrote host files: {written:?}");
    assert_eq!(ran.ending(), Ending::Exited(0), "{}", ran.stderr());
    assert!(!ran.stdout().contains("WRITTEN"), "{}", ran.stdout());
    assert_eq!(ran.stdout().matches("refused:").count(), paths.len(), "{}", ran.stdout());
    assert!(
        ran.stdout().contains("remount /usr read-write: -1 Operation not permitted"),
        "{}",
        ran.stdout()
    );
}

const TRY_CONNECT: &str = r#"
import socket
for family, address in [(socket.AF_INET, ("127.0.0.1", PORT)), (socket.AF_INET6, ("::1", PORT)),
                        (socket.AF_INET, ("10.0.2.2", 80)), (socket.AF_INET, ("1.1.1.1", 443))]:
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(1)
    try:
        s.connect(address)
        print(address, "CONNECTED")
    except OSError as e:
        print(address, "refused:", e)
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", PORT))
    print("udp sent")
except OSError as e:
    print("udp refused:", e)
try:
    print("interfaces:", [name for _, name in socket.if_nameindex()])
except OSError as e:  # netlink, which lists them, is off the seccomp allow-list
    print("interfaces refused:", e.errno)
"#;

#[tokio::test]
async fn a_listener_on_the_hosts_loopback_gets_no_connection() {
    let sandbox = Sandbox::new(13);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("host listener");
    listener.set_nonblocking(true).expect("nonblocking listener");
    let port = listener.local_addr().expect("listener address").port();
    let udp = std::net::UdpSocket::bind(("127.0.0.1", port)).expect("host udp socket");
    udp.set_nonblocking(true).expect("nonblocking udp");
    let code = TRY_CONNECT.replace("PORT", &port.to_string());
    let ran = sandbox.run(&code, limits()).await;
    assert_eq!(ran.ending(), Ending::Exited(0), "{}", ran.stderr());
    let accepted = listener.accept();
    assert!(accepted.is_err(), "the host listener accepted {accepted:?}");
    let mut buffer = [0u8; 16];
    assert!(udp.recv_from(&mut buffer).is_err(), "a datagram reached the host");
    assert!(!ran.stdout().contains("CONNECTED"), "{}", ran.stdout());
    let only_loopback = ran.stdout().contains("interfaces: ['lo']");
    let not_listed = ran.stdout().contains(&format!("interfaces refused: {}", libc::EAFNOSUPPORT));
    assert!(only_loopback || not_listed, "{}", ran.stdout());
}

const DAEMON: &str = r#"
import os, time
r, w = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.write(w, b"x")
        while True:
            time.sleep(0.1)
    os._exit(0)
os.read(r, 1)
print("daemon running; parent leaving")
"#;

#[tokio::test]
async fn a_setsid_double_fork_daemon_does_not_outlive_the_run() {
    let sandbox = Sandbox::new(14);
    let mut limits = limits();
    limits.wall = Duration::from_secs(5);
    let ran = sandbox.run(DAEMON, limits).await;
    assert_eq!(ran.ending(), Ending::Exited(0), "{}", ran.stderr());
    assert!(ran.stdout().contains("daemon running"), "{}", ran.stdout());
    assert!(
        ran.elapsed < Duration::from_secs(2),
        "the run waited for the daemon: {:?}",
        ran.elapsed
    );
}

const KILL_AROUND: &str = r#"
import os
print("ppid", os.getppid())
for target in (os.getppid(), -1, TEST_PID, DECOY_PID):
    try:
        os.kill(target, 9)
        print("kill", target, "sent")
    except OSError as e:
        print("kill", target, "refused:", e.strerror)
print("still alive")
"#;

#[tokio::test]
async fn killing_the_parent_or_everyone_reaches_nothing_outside() {
    let mut sandbox = Sandbox::new(15);
    let uid = sandbox.uid();
    let mut decoy = Command::new("/usr/bin/sleep")
        .arg("30")
        .uid(uid)
        .gid(uid)
        .spawn()
        .expect("a host decoy of the sandbox uid");
    sandbox.spare(decoy.id());
    let code = KILL_AROUND
        .replace("TEST_PID", &std::process::id().to_string())
        .replace("DECOY_PID", &decoy.id().to_string());
    let ran = sandbox.run(&code, limits()).await;
    let decoy_alive = decoy.try_wait().expect("decoy status").is_none();
    decoy.kill().ok();
    decoy.wait().ok();
    assert!(decoy_alive, "a host process of the same uid was killed from inside");
    assert_eq!(ran.ending(), Ending::Exited(0), "{}", ran.stderr());
    assert!(ran.stdout().contains("still alive"), "{}", ran.stdout());
}

const LOOK_AROUND: &str = r#"
import json, os
seen = {"environ": dict(os.environ), "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit())}
for p in ["/proc/self/environ", "/proc/1/environ", "/proc/1/cmdline", "/proc/TEST_PID/environ"]:
    try:
        with open(p, "rb") as f:
            seen[p] = f.read().decode(errors="replace")
    except OSError as e:
        seen[p] = "refused: " + e.strerror
print(json.dumps(seen))
"#;

#[tokio::test]
async fn the_servers_environment_and_other_processes_are_invisible() {
    let sandbox = Sandbox::new(16);
    assert_eq!(std::env::var(SECRET_NAME).as_deref(), Ok(SECRET_VALUE), "the secret is planted");
    let code = LOOK_AROUND.replace("TEST_PID", &std::process::id().to_string());
    let ran = sandbox.run(&code, limits()).await;
    assert_eq!(ran.ending(), Ending::Exited(0), "{}", ran.stderr());
    assert!(!ran.stdout().contains(SECRET_VALUE) && !ran.stdout().contains(SECRET_NAME));
    let seen: serde_json::Value = serde_json::from_str(ran.stdout()).expect("the program's JSON");
    let allowed =
        ["PATH", "HOME", "PYTHONUNBUFFERED", "PYTHONPATH", "MALLOC_ARENA_MAX", "LC_CTYPE"];
    let names: Vec<&String> = seen["environ"].as_object().expect("environ").keys().collect();
    assert!(names.iter().all(|n| allowed.contains(&n.as_str())), "environment: {names:?}");
    assert_eq!(seen["pids"], serde_json::json!([1, 2]), "only the sandbox's own processes");
    let host = format!("/proc/{}/environ", std::process::id());
    assert!(seen[&host].as_str().is_some_and(|s| s.starts_with("refused")), "{seen}");
}
