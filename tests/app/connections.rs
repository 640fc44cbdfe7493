//! The real binary, with a small open-file limit, against connections that never finish: idle
//! ones past the caps, a slow-header (slowloris) one, a stalled upload. Others still get in,
//! and every such connection is closed after its timeout.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::http::Agent;
use crate::lifecycle::{Server, wait_for};

/// Far below the 300 idle connections opened: the server must not accept until it runs out.
const FILE_LIMIT: libc::rlim_t = 256;

fn start_server(dir: &tempfile::TempDir, uid: u32) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gil-lab"));
    command.args(["--header-read-timeout", "2", "--idle-timeout", "3"]);
    command.args(["--max-connections-per-address", "8"]);
    // SAFETY: setrlimit(2) is async-signal-safe, and the closure allocates nothing.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit { rlim_cur: FILE_LIMIT, rlim_max: FILE_LIMIT };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    };
    Server::start_with(&dir.path().join("conns.db"), uid, command)
}

/// A connection to `target` from another loopback address, so caps per address can be told apart.
fn connect_from(runtime: &tokio::runtime::Runtime, source: &str, target: &str) -> TcpStream {
    runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.bind(format!("{source}:0").parse().expect("source")).expect("bind the source");
        let stream = socket.connect(target.parse().expect("target")).await.expect("connect");
        let stream = stream.into_std().expect("std stream");
        stream.set_nonblocking(false).expect("blocking");
        stream
    })
}

/// Whether the server has closed its side (what it sent before closing is skipped).
fn is_closed(mut stream: &TcpStream) -> bool {
    stream.set_read_timeout(Some(Duration::from_millis(20))).expect("read timeout");
    let mut buf = [0u8; 512];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true,
        }
    }
}

fn healthz_answers_within(addr: &str, limit: Duration) -> bool {
    let started = Instant::now();
    let reply = Agent::new(addr).get("/healthz");
    reply.is_ok_and(|r| r.status == 200) && started.elapsed() < limit
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

#[test]
fn idle_connections_past_the_caps_lock_nobody_out_and_are_closed_after_the_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start_server(&dir, 63201);
    let runtime = runtime();
    let idle: Vec<TcpStream> =
        (0..300).map(|_| connect_from(&runtime, "127.0.0.2", &server.addr)).collect();

    assert!(healthz_answers_within(&server.addr, Duration::from_secs(2)), "locked out");
    let over_the_cap_closed =
        wait_for(Duration::from_secs(2), || idle.iter().filter(|s| !is_closed(s)).count() <= 8);
    assert!(over_the_cap_closed, "connections past the per-address cap are closed at once");
    let all_closed = wait_for(Duration::from_secs(5), || idle.iter().all(is_closed));
    assert!(all_closed, "idle connections outlive the header-read timeout");
    let mut again = connect_from(&runtime, "127.0.0.2", &server.addr);
    again.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").expect("write");
    let mut head = [0u8; 12];
    again.read_exact(&mut head).expect("an answer");
    assert_eq!(&head, b"HTTP/1.1 200", "the address's slots were given back");
}

/// Writes `chunk` every 300 ms until the server closes; returns how long that took.
fn trickle_until_closed(stream: &mut TcpStream, first: &[u8], chunk: &[u8]) -> Duration {
    let started = Instant::now();
    stream.write_all(first).expect("the first bytes");
    while started.elapsed() < Duration::from_secs(15) {
        if is_closed(stream) || stream.write_all(chunk).is_err() {
            return started.elapsed();
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    started.elapsed()
}

#[test]
fn a_slow_header_connection_is_closed_after_the_header_read_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start_server(&dir, 63202);
    let mut slow = connect_from(&runtime(), "127.0.0.3", &server.addr);
    let took =
        trickle_until_closed(&mut slow, b"GET /healthz HTTP/1.1\r\nHost: t\r\n", b"X-a: b\r\n");
    assert!(took < Duration::from_secs(5), "still open after {took:?}");
    assert!(took >= Duration::from_millis(1500), "closed too early: {took:?}");
}

#[test]
fn a_stalled_upload_is_closed_after_the_idle_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start_server(&dir, 63203);
    let mut stalled = connect_from(&runtime(), "127.0.0.4", &server.addr);
    let head = b"POST /api/runs HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
        Content-Length: 1000\r\n\r\n{\"experiment\"";
    let started = Instant::now();
    stalled.write_all(head).expect("write");
    let closed = wait_for(Duration::from_secs(8), || is_closed(&stalled));
    let took = started.elapsed();
    assert!(closed, "a stalled upload stays open");
    assert!(took >= Duration::from_millis(2500), "closed before the idle timeout: {took:?}");
}
