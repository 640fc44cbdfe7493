//! Making sense of a finished sandbox: how it ended, which limits it hit (their sentences come
//! from `limits`), and reading its pipes within bounds.

use std::io::{BufRead, BufReader, Read};

use super::backend::{Chunk, ChunkSender, Ending};
use super::cgroup::CgroupStats;
use super::limits::{Limit, RunLimits};
use super::protocol::Record;
use super::spec::LaunchStatus;

const MAX_RECORDS: usize = 10_000;

/// How the launcher's run ended, as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    Launcher(LaunchStatus),
    TimedOut,
    Cancelled,
    OutputFlood,
    /// The launcher could not even be started.
    Broken,
    /// The launcher ended without a status line.
    NoStatus,
}

impl Ended {
    pub fn from_status(line: &[u8]) -> Ended {
        serde_json::from_slice(line.trim_ascii()).map_or(Ended::NoStatus, Ended::Launcher)
    }

    pub fn ending(&self) -> Ending {
        match self {
            Ended::Launcher(LaunchStatus::Exited { exit_code }) => Ending::Exited(*exit_code),
            Ended::Launcher(LaunchStatus::Signaled { signal }) => Ending::Signaled(*signal),
            Ended::OutputFlood => Ending::Signaled(libc::SIGKILL),
            Ended::TimedOut => Ending::TimedOut,
            Ended::Cancelled => Ending::Cancelled,
            Ended::Launcher(LaunchStatus::Failed { .. }) | Ended::Broken | Ended::NoStatus => {
                Ending::SandboxFailed
            }
        }
    }
}

/// Every limit the run ran into, each as the sentence its row in `limits` gives it.
pub fn limits_hit(
    ended: &Ended,
    stats: &CgroupStats,
    stderr: &str,
    limits: &RunLimits,
) -> Vec<String> {
    let signal = match ended {
        Ended::Launcher(LaunchStatus::Signaled { signal }) => Some(*signal),
        _ => None,
    };
    let refused = ["Resource temporarily unavailable", "can't start new thread"];
    let hit = [
        (Limit::Output, *ended == Ended::OutputFlood),
        (Limit::Memory, stats.oom_kills > 0 || stderr.contains("MemoryError")),
        (Limit::Processes, stats.pids_max_hits > 0 || refused.iter().any(|s| stderr.contains(s))),
        (Limit::CpuTime, signal == Some(libc::SIGXCPU)),
        (Limit::FileSize, signal == Some(libc::SIGXFSZ) || stderr.contains("File too large")),
        (Limit::Tmpfs, stderr.contains("No space left on device")),
    ];
    hit.into_iter()
        .filter(|(_, hit)| *hit)
        .filter_map(|(limit, _)| limits.hit_sentence(limit, stats.oom_kills))
        .collect()
}

/// Reads the harness's JSON lines as they come, forwarding each live; stops keeping them past
/// `max_bytes` or `MAX_RECORDS` but drains the pipe so the writer is never blocked.
pub fn read_records(
    pipe: std::io::PipeReader,
    max_bytes: usize,
    live: &ChunkSender,
) -> Vec<Record> {
    let mut reader = BufReader::new(pipe);
    let mut records = Vec::new();
    let mut used = 0usize;
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.by_ref().take(max_bytes as u64 + 1).read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(n) => used += n,
        }
        if used > max_bytes || records.len() >= MAX_RECORDS {
            continue;
        }
        if let Some(record) = Record::parse(&line) {
            live.blocking_send(Chunk::Record(record.clone())).ok();
            records.push(record);
        }
    }
    records
}

/// Reads a pipe to its end, keeping at most `cap` bytes.
pub fn read_all(pipe: std::io::PipeReader, cap: usize) -> Vec<u8> {
    let mut data = Vec::new();
    let mut reader = pipe;
    reader.by_ref().take(cap as u64).read_to_end(&mut data).ok();
    std::io::copy(&mut reader, &mut std::io::sink()).ok();
    data
}

/// Takes the longest valid UTF-8 prefix of `pending` (invalid bytes become U+FFFD); an
/// incomplete character at the end waits for the next read.
pub fn take_utf8(pending: &mut Vec<u8>) -> String {
    let mut out = String::new();
    loop {
        match std::str::from_utf8(pending) {
            Ok(text) => {
                out.push_str(text);
                pending.clear();
                return out;
            }
            Err(error) => {
                let valid = error.valid_up_to();
                out.push_str(&String::from_utf8_lossy(&pending[..valid]));
                match error.error_len() {
                    Some(bad) => {
                        out.push('\u{FFFD}');
                        pending.drain(..valid + bad);
                    }
                    None => {
                        pending.drain(..valid);
                        return out;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_split_across_reads_is_kept_whole_and_bad_bytes_are_replaced() {
        let bytes = "가나".as_bytes();
        let mut pending = bytes[..4].to_vec();
        assert_eq!(take_utf8(&mut pending), "가");
        pending.extend_from_slice(&bytes[4..]);
        assert_eq!(take_utf8(&mut pending), "나");
        let mut bad = vec![b'a', 0xff, b'b'];
        assert_eq!(take_utf8(&mut bad), "a\u{FFFD}b");
    }

    #[test]
    fn the_status_line_tells_exit_from_signal_from_failure() {
        assert_eq!(Ended::from_status(b"{\"exit_code\":3}\n").ending(), Ending::Exited(3));
        assert_eq!(Ended::from_status(b"{\"signal\":9}").ending(), Ending::Signaled(9));
        assert_eq!(Ended::from_status(b"{\"error\":\"x\"}").ending(), Ending::SandboxFailed);
        assert_eq!(Ended::from_status(b"").ending(), Ending::SandboxFailed);
    }
}
