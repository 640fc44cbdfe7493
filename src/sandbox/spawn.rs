//! Starting the launcher with `posix_spawn`: no fork of the multi-threaded server (std must fork
//! when a `pre_exec` hook places extra fds, which cost ≈ 3 ms per run), and an async wait on a
//! pidfd. The child gets stdin, stdout, stderr and fds 3 and 4 from file actions, in a process
//! group of its own, with an empty environment.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use tokio::io::unix::AsyncFd;

/// A launcher we started and must reap; dropping it unreaped kills its group and reaps it.
pub struct Launcher {
    pid: libc::pid_t,
    pidfd: AsyncFd<OwnedFd>,
    reaped: bool,
}

impl Launcher {
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Waits for the launcher to exit and reaps it. Cancel-safe: usable inside `select!`.
    pub async fn wait(&mut self) -> io::Result<()> {
        while !self.reaped {
            let mut ready = self.pidfd.readable().await?;
            let mut status = 0;
            // SAFETY: waitpid(2) on our own child, without blocking.
            let reaped = unsafe { libc::waitpid(self.pid, &mut status, libc::WNOHANG) };
            match reaped {
                0 => ready.clear_ready(),
                n if n == self.pid => self.reaped = true,
                _ => return Err(io::Error::last_os_error()),
            }
        }
        Ok(())
    }
}

impl Drop for Launcher {
    fn drop(&mut self) {
        if !self.reaped {
            // SAFETY: kill(2) on the process group our unreaped child leads, then reap it.
            unsafe {
                libc::kill(-self.pid, libc::SIGKILL);
                libc::waitpid(self.pid, std::ptr::null_mut(), 0);
            }
        }
    }
}

/// Starts `exe sandbox-exec` with `fds[i]` as its fd `i` (0–4).
pub fn spawn(exe: &Path, fds: [&OwnedFd; 5]) -> io::Result<Launcher> {
    // Copies above 10 first, so placing one fd onto 0–4 can never clobber another source.
    let high: Vec<OwnedFd> =
        fds.iter().map(|fd| dup_high(fd.as_raw_fd())).collect::<io::Result<_>>()?;
    let path = CString::new(exe.as_os_str().as_bytes()).map_err(io::Error::other)?;
    let arg = CString::new("sandbox-exec").map_err(io::Error::other)?;
    let argv = [
        path.as_ptr() as *mut libc::c_char,
        arg.as_ptr() as *mut libc::c_char,
        std::ptr::null_mut(),
    ];
    let pid = posix_spawn(&path, &argv, &high)?;
    watch(pid)
}

/// Starts `argv` with no environment, `fds` placed on 0, 1, 2…, in its own process group with
/// default signal handling; its pid.
fn posix_spawn(
    path: &CString,
    argv: &[*mut libc::c_char; 3],
    fds: &[OwnedFd],
) -> io::Result<libc::pid_t> {
    let envp = [std::ptr::null_mut::<libc::c_char>()];
    let mut pid = 0;
    // SAFETY: the file actions and attributes are initialised before use and destroyed after;
    // argv and envp are NUL-terminated arrays of C strings that outlive the call.
    let rc = unsafe {
        let mut actions = std::mem::zeroed::<libc::posix_spawn_file_actions_t>();
        let mut attr = std::mem::zeroed::<libc::posix_spawnattr_t>();
        libc::posix_spawn_file_actions_init(&mut actions);
        libc::posix_spawnattr_init(&mut attr);
        for (target, fd) in fds.iter().enumerate() {
            libc::posix_spawn_file_actions_adddup2(&mut actions, fd.as_raw_fd(), target as RawFd);
        }
        // Its own process group; default signal handling (the server ignores SIGPIPE).
        let mut defaults = std::mem::zeroed::<libc::sigset_t>();
        libc::sigemptyset(&mut defaults);
        libc::sigaddset(&mut defaults, libc::SIGPIPE);
        let mut empty = std::mem::zeroed::<libc::sigset_t>();
        libc::sigemptyset(&mut empty);
        libc::posix_spawnattr_setsigdefault(&mut attr, &defaults);
        libc::posix_spawnattr_setsigmask(&mut attr, &empty);
        libc::posix_spawnattr_setpgroup(&mut attr, 0);
        let flags = libc::POSIX_SPAWN_SETPGROUP
            | libc::POSIX_SPAWN_SETSIGDEF
            | libc::POSIX_SPAWN_SETSIGMASK;
        libc::posix_spawnattr_setflags(&mut attr, flags as libc::c_short);
        let rc = libc::posix_spawn(
            &mut pid,
            path.as_ptr(),
            &actions,
            &attr,
            argv.as_ptr(),
            envp.as_ptr(),
        );
        libc::posix_spawn_file_actions_destroy(&mut actions);
        libc::posix_spawnattr_destroy(&mut attr);
        rc
    };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    Ok(pid)
}

/// The launcher as a child to await through its pidfd; killed and reaped if it cannot be watched.
fn watch(pid: libc::pid_t) -> io::Result<Launcher> {
    // SAFETY: pidfd_open(2) on our own unreaped child.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if pidfd < 0 {
        let error = io::Error::last_os_error();
        // SAFETY: kill and reap the child we cannot watch.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
            libc::waitpid(pid, std::ptr::null_mut(), 0);
        }
        return Err(error);
    }
    // SAFETY: pidfd_open returned a new descriptor that we now own.
    let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd as RawFd) };
    // SAFETY: the OwnedFd is the AsyncFd's own, open for its whole life, always the same fd.
    let pidfd = unsafe { AsyncFd::register_with_interest(pidfd, tokio::io::Interest::READABLE) }?;
    Ok(Launcher { pid, pidfd, reaped: false })
}

fn dup_high(fd: RawFd) -> io::Result<OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC makes a new descriptor that we own.
    let copy = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 10) };
    if copy < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `copy` is a fresh descriptor owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(copy) })
}
