//! A tiny blocking HTTP/1.1 client for end-to-end tests and benchmarks against a real port:
//! one request per connection, a cookie jar of one cookie. Enough for our own server.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

pub struct Reply {
    pub status: u16,
    pub body: String,
}

#[derive(Clone, Default)]
pub struct Agent {
    pub addr: String,
    pub cookie: Option<String>,
}

impl Agent {
    pub fn new(addr: &str) -> Agent {
        Agent { addr: addr.to_owned(), cookie: None }
    }

    pub fn get(&mut self, path: &str) -> std::io::Result<Reply> {
        self.send("GET", path, None)
    }

    pub fn post_json(&mut self, path: &str, body: &str) -> std::io::Result<Reply> {
        self.send("POST", path, Some(body))
    }

    fn send(&mut self, method: &str, path: &str, body: Option<&str>) -> std::io::Result<Reply> {
        let mut stream = TcpStream::connect(&self.addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut request =
            format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        if let Some(cookie) = &self.cookie {
            request.push_str(&format!("Cookie: {cookie}\r\n"));
        }
        if let Some(body) = body {
            request.push_str("Content-Type: application/json\r\n");
            request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        } else {
            request.push_str("\r\n");
        }
        stream.write_all(request.as_bytes())?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(raw.len());
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let body = raw.get(split + 4..).unwrap_or_default();
        let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        for line in head.lines() {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("set-cookie: ") {
                self.cookie = line["set-cookie: ".len()..].split(';').next().map(str::to_owned);
            }
        }
        let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            dechunk(body)
        } else {
            body.to_vec()
        };
        Ok(Reply { status, body: String::from_utf8_lossy(&body).into_owned() })
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&body[..line_end]);
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else { break };
        let rest = &body[line_end + 2..];
        if n == 0 || rest.len() < n {
            break;
        }
        out.extend_from_slice(&rest[..n]);
        body = rest.get(n + 2..).unwrap_or_default();
    }
    out
}

/// A free port on 127.0.0.1 (bound then released: the server binds it right after).
pub fn free_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").to_string()
}
