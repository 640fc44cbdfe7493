//! The open-file limit: raised to the hard limit at start, since every connection is a file,
//! and the connection cap derived from it so accepting can never starve the rest of the server.

use std::io;

/// Files kept back from connections: the database and its journal, the sandbox's pipes and
/// cgroup files, logs, the interpreter probes.
const RESERVED_FILES: u64 = 128;
/// Files each run that executes may hold open (pipes, pidfds, cgroup files), with room to spare.
const FILES_PER_RUN: u64 = 16;

/// Raises the soft open-file limit to the hard one; returns the limit now in force.
pub fn raise_file_limit() -> io::Result<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit(2) only writes the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    if limit.rlim_cur >= limit.rlim_max {
        return Ok(limit.rlim_cur);
    }
    let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
    // SAFETY: setrlimit(2) only reads the struct we own; it changes no memory.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(raised.rlim_cur)
}

/// Connections the server may hold with `file_limit` files: what the reserve leaves, halved
/// because a connection may also hold a static file open while it sends it.
pub fn connections_allowed(file_limit: u64, parallel_runs: usize) -> usize {
    let reserve = RESERVED_FILES + FILES_PER_RUN * parallel_runs as u64;
    let allowed = file_limit.saturating_sub(reserve) / 2;
    usize::try_from(allowed).unwrap_or(usize::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_limit_of_1024_leaves_a_reserve_and_a_file_per_connection() {
        assert_eq!(connections_allowed(1024, 1), (1024 - 144) / 2);
        assert!(connections_allowed(1024, 4) < connections_allowed(1024, 1));
    }

    #[test]
    fn a_tiny_limit_still_allows_one_connection() {
        assert_eq!(connections_allowed(50, 1), 1);
    }

    #[test]
    fn raising_never_lowers_the_limit() {
        let mut before = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: as in raise_file_limit.
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut before) };
        let now = raise_file_limit().expect("getrlimit works");
        assert!(now >= before.rlim_cur);
    }
}
