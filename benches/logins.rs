//! Failed logins against the real release server: CLIENTS concurrent guessers (8, then 32),
//! each sending PER_CLIENT wrong passwords (default 12) for emails of their own, and the
//! server's memory (VmRSS, VmHWM from /proc) before, at its peak and after, against the target.
//! The throttles are raised so every attempt is hashed: the worst case for memory, as from
//! many addresses. Run: `cargo bench --bench logins`. Not a test: it prints figures.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use server::Server;

// Only `free_addr` and the health check are needed from the shared client.
#[allow(dead_code)]
#[path = "../tests/support/http.rs"]
mod http;
#[path = "support/server.rs"]
mod server;

const TARGET_MB: u64 = 150;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One failed login as a browser sends it; the status code, 0 if the exchange failed.
fn failed_login(addr: &str, email: &str) -> u16 {
    let body = format!("email={email}&password=wrong+guess+123");
    let request = format!(
        "POST /instructor/login HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let exchange = || -> std::io::Result<u16> {
        let mut stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        stream.write_all(request.as_bytes())?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        let head = String::from_utf8_lossy(&raw[..raw.len().min(64)]).into_owned();
        Ok(head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0))
    };
    exchange().unwrap_or(0)
}

fn mb(kib: u64) -> u64 {
    kib / 1024
}

fn round(server: &Arc<Server>, clients: usize, per_client: usize) {
    let before = server.kib("VmRSS:");
    let running = Arc::new(AtomicBool::new(true));
    let peak = Arc::new(AtomicU64::new(before));
    let sampler = {
        let (running, peak, server) = (running.clone(), peak.clone(), server.clone());
        std::thread::spawn(move || {
            while running.load(Ordering::Relaxed) {
                peak.fetch_max(server.kib("VmRSS:"), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    let started = Instant::now();
    let guessers: Vec<_> = (0..clients)
        .map(|c| {
            let addr = server.addr.clone();
            std::thread::spawn(move || {
                (0..per_client)
                    .map(|n| failed_login(&addr, &format!("c{clients}-{c}-{n}%40school.kr")))
                    .collect::<Vec<u16>>()
            })
        })
        .collect();
    let statuses: Vec<u16> =
        guessers.into_iter().flat_map(|g| g.join().expect("guesser")).collect();
    let took = started.elapsed();
    running.store(false, Ordering::Relaxed);
    sampler.join().expect("sampler");
    std::thread::sleep(Duration::from_secs(2));
    let after = server.kib("VmRSS:");
    let unauthorized = statuses.iter().filter(|&&s| s == 401).count();
    println!(
        "{clients:>2} clients × {per_client} failed logins: {unauthorized}/{} answered 401 in \
         {:.1} s ({:.1}/s); RSS before {} MB, peak {} MB (VmHWM {} MB), after 2 s {} MB   \
         target ≤ {TARGET_MB} MB",
        statuses.len(),
        took.as_secs_f64(),
        statuses.len() as f64 / took.as_secs_f64(),
        mb(before),
        mb(peak.load(Ordering::Relaxed)),
        mb(server.kib("VmHWM:")),
        mb(after),
    );
}

fn main() {
    let per_client = env_number("PER_CLIENT", 12);
    let server = Arc::new(Server::start(&[
        "--login-failures-per-address",
        "1000000",
        "--login-failures-per-email",
        "1000000",
    ]));
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!("machine: {cores} cores; password hashes at once: the default (one per core)");
    for clients in [8, 32] {
        round(&server, clients, per_client);
    }
}
