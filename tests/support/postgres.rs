//! A PostgreSQL server of the test process's own: Debian's binaries (installed by
//! `.ci/install-postgres` when missing), a data folder under the temp dir, a free loopback port,
//! run as `nobody` when the tests run as root (PostgreSQL refuses root). One server per process,
//! started on first use; each caller gets a fresh database in it. The server dies with the
//! process (a parent-death signal from the thread that started it, which never ends), and the
//! next process sweeps the folders of servers whose process is gone.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The running server: connect to `url(database)`.
pub struct Postgres {
    port: u16,
}

static SERVER: OnceLock<Result<Postgres, String>> = OnceLock::new();
static INSTALL: OnceLock<Result<String, String>> = OnceLock::new();
static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// The process's server, started on first call; `Err` says what is missing and how to get it.
pub fn server() -> Result<&'static Postgres, String> {
    SERVER.get_or_init(start).as_ref().map_err(Clone::clone)
}

/// The URL of a new, empty database on the process's server (panics with the fix if there is
/// no server: a test that asked for PostgreSQL must not pass without it).
pub async fn fresh_database_url() -> String {
    let server = server().unwrap_or_else(|why| panic!("no PostgreSQL for the tests: {why}"));
    let name = format!("gil_test_{}", DATABASES.fetch_add(1, Ordering::Relaxed));
    let mut admin = server.admin().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    server.url(&name)
}

impl Postgres {
    /// A connection to the server's own database; retried while the server is starting up.
    async fn admin(&self) -> sqlx::PgConnection {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match <sqlx::PgConnection as sqlx::Connection>::connect(&self.url("postgres")).await {
                Ok(connection) => return connection,
                Err(e) if Instant::now() > deadline => {
                    panic!("the test server never answered: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

fn start() -> Result<Postgres, String> {
    let bin = binaries()?;
    let root = std::env::temp_dir();
    sweep_stale(&root);
    let dir = root.join(format!("gil-lab-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let user = unprivileged();
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
            .map_err(|e| format!("chown {}: {e}", dir.display()))?;
    }
    let data = dir.join("data");
    let init = as_user(Command::new(bin.join("initdb")), user)
        .args(["-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C", "-D"])
        .arg(&data)
        .output()
        .map_err(|e| format!("run initdb: {e}"))?;
    if !init.status.success() {
        return Err(format!("initdb failed: {}", String::from_utf8_lossy(&init.stderr)));
    }
    let port = free_port()?;
    spawn_server(&bin, &data, &dir, port, user)?;
    wait_until_ready(port, &dir)?;
    Ok(Postgres { port })
}

/// Debian's `/usr/lib/postgresql/<version>/bin`, the newest there; installed if none is.
fn binaries() -> Result<PathBuf, String> {
    if let Some(bin) = newest_installed() {
        return Ok(bin);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/install-postgres");
    INSTALL
        .get_or_init(|| super::install_script::run(&script.to_string_lossy(), "gil-lab-postgres"))
        .clone()?;
    newest_installed().ok_or_else(|| "installed, but no /usr/lib/postgresql/*/bin/postgres".into())
}

fn newest_installed() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("postgres").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// `nobody` when running as root (PostgreSQL will not run as root), else ourselves.
fn unprivileged() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions.
    (unsafe { libc::geteuid() } == 0).then_some((65534, 65534))
}

fn as_user(mut command: Command, user: Option<(u32, u32)>) -> Command {
    if let Some((uid, gid)) = user {
        command.uid(uid).gid(gid).env("HOME", "/tmp");
    }
    command
}

/// Starts `postgres` from a thread that lives as long as the process, so the parent-death
/// signal (set after the switch to `nobody`, which would clear it) fires only when the process
/// ends, however it ends.
fn spawn_server(
    bin: &Path,
    data: &Path,
    dir: &Path,
    port: u16,
    user: Option<(u32, u32)>,
) -> Result<(), String> {
    let mut command = as_user(Command::new(bin.join("postgres")), user);
    command
        .arg("-D")
        .arg(data)
        .args(["-p", &port.to_string(), "-h", "127.0.0.1", "-k"])
        .arg(dir)
        // Throwaway data: durability only slows the tests down.
        .args(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"])
        .args(["-c", "max_connections=300", "-c", "shared_buffers=32MB"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(dir.join("server.log")).map_err(|e| format!("log file: {e}"))?,
        ));
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let (sent, started) = std::sync::mpsc::channel::<Result<(), String>>();
    std::thread::Builder::new()
        .name("test-postgres".into())
        .spawn(move || {
            let child: std::io::Result<Child> = command.spawn();
            let _ = sent.send(child.as_ref().map(drop).map_err(|e| format!("start postgres: {e}")));
            if let Ok(mut child) = child {
                let _ = child.wait();
            }
            // The server ended on its own: park, so its children keep a living parent thread.
            loop {
                std::thread::park();
            }
        })
        .map_err(|e| format!("spawn the server thread: {e}"))?;
    started.recv().map_err(|e| format!("server thread: {e}"))?
}

fn wait_until_ready(port: u16, dir: &Path) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        // Listening; sessions may still be refused for a moment (`Postgres::admin` retries).
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
    Err(format!("postgres did not listen on {port} within 30 s:\n{log}"))
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| format!("free port: {e}"))
}

/// Folders of servers whose test process has ended (their servers died with it).
fn sweep_stale(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix("gil-lab-pg-")) else {
            continue;
        };
        let alive = pid.parse::<u32>().is_ok_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
