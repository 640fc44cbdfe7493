//! The seccomp filters: an allow-list of the system calls that CPython, multiprocessing, PyPy and
//! Numba make (found by tracing every experiment, then widened to what the standard library's
//! `os`, `socket`, `select`, `signal`, `time` and `threading` may call), compiled to BPF once
//! before hakoniwa forks and applied in the container's last process right before it execs Python.
//! Anything else, including every system call newer than this list, answers ENOSYS.

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

#[cfg(target_arch = "x86_64")]
const ARCH: TargetArch = TargetArch::x86_64;
#[cfg(target_arch = "aarch64")]
const ARCH: TargetArch = TargetArch::aarch64;

/// What a Python program may call, on every architecture. Grouped as the kernel's manual
/// pages group them; `clone` is allowed separately, with a condition on its flags.
const ALLOWED: &[libc::c_long] = &[
    // Files and descriptors.
    libc::SYS_read,
    libc::SYS_write,
    libc::SYS_readv,
    libc::SYS_writev,
    libc::SYS_pread64,
    libc::SYS_pwrite64,
    libc::SYS_preadv,
    libc::SYS_pwritev,
    libc::SYS_preadv2,
    libc::SYS_pwritev2,
    libc::SYS_openat,
    libc::SYS_openat2,
    libc::SYS_close,
    libc::SYS_close_range,
    libc::SYS_lseek,
    libc::SYS_fstat,
    libc::SYS_newfstatat,
    libc::SYS_statx,
    libc::SYS_statfs,
    libc::SYS_fstatfs,
    libc::SYS_faccessat,
    libc::SYS_faccessat2,
    libc::SYS_readlinkat,
    libc::SYS_getdents64,
    libc::SYS_mkdirat,
    libc::SYS_unlinkat,
    libc::SYS_renameat,
    libc::SYS_renameat2,
    libc::SYS_linkat,
    libc::SYS_symlinkat,
    libc::SYS_fchmod,
    libc::SYS_fchmodat,
    libc::SYS_fchmodat2,
    libc::SYS_fchown,
    libc::SYS_fchownat,
    libc::SYS_ftruncate,
    libc::SYS_truncate,
    libc::SYS_fsync,
    libc::SYS_fdatasync,
    libc::SYS_sync,
    libc::SYS_syncfs,
    // FIFOs (os.mkfifo); device nodes need a capability no run has.
    libc::SYS_mknodat,
    libc::SYS_fallocate,
    libc::SYS_fadvise64,
    libc::SYS_utimensat,
    libc::SYS_getcwd,
    libc::SYS_chdir,
    libc::SYS_fchdir,
    libc::SYS_umask,
    libc::SYS_dup,
    libc::SYS_dup3,
    libc::SYS_fcntl,
    libc::SYS_flock,
    libc::SYS_ioctl,
    libc::SYS_pipe2,
    libc::SYS_sendfile,
    libc::SYS_copy_file_range,
    libc::SYS_splice,
    libc::SYS_memfd_create,
    libc::SYS_getxattr,
    libc::SYS_lgetxattr,
    libc::SYS_fgetxattr,
    libc::SYS_listxattr,
    libc::SYS_llistxattr,
    libc::SYS_flistxattr,
    // Waiting on descriptors.
    libc::SYS_ppoll,
    libc::SYS_pselect6,
    libc::SYS_epoll_create1,
    libc::SYS_epoll_ctl,
    libc::SYS_epoll_pwait,
    libc::SYS_epoll_pwait2,
    libc::SYS_eventfd2,
    libc::SYS_signalfd4,
    libc::SYS_timerfd_create,
    libc::SYS_timerfd_settime,
    libc::SYS_timerfd_gettime,
    // Memory.
    libc::SYS_brk,
    libc::SYS_mmap,
    libc::SYS_munmap,
    libc::SYS_mprotect,
    libc::SYS_mremap,
    libc::SYS_madvise,
    libc::SYS_msync,
    libc::SYS_mincore,
    libc::SYS_mbind,
    libc::SYS_get_mempolicy,
    libc::SYS_membarrier,
    // Processes and threads.
    libc::SYS_execve,
    libc::SYS_exit,
    libc::SYS_exit_group,
    libc::SYS_wait4,
    libc::SYS_waitid,
    libc::SYS_kill,
    libc::SYS_tgkill,
    libc::SYS_tkill,
    libc::SYS_pidfd_open,
    libc::SYS_pidfd_send_signal,
    libc::SYS_getpid,
    libc::SYS_getppid,
    libc::SYS_gettid,
    libc::SYS_getuid,
    libc::SYS_geteuid,
    libc::SYS_getgid,
    libc::SYS_getegid,
    libc::SYS_getgroups,
    libc::SYS_getresuid,
    libc::SYS_getresgid,
    libc::SYS_getpgid,
    libc::SYS_setpgid,
    libc::SYS_getsid,
    libc::SYS_setsid,
    libc::SYS_set_tid_address,
    libc::SYS_set_robust_list,
    libc::SYS_get_robust_list,
    libc::SYS_futex,
    libc::SYS_futex_waitv,
    libc::SYS_rseq,
    libc::SYS_sched_yield,
    libc::SYS_getcpu,
    libc::SYS_sched_getaffinity,
    libc::SYS_sched_setaffinity,
    libc::SYS_sched_getparam,
    libc::SYS_sched_getscheduler,
    libc::SYS_sched_get_priority_max,
    libc::SYS_sched_get_priority_min,
    libc::SYS_getpriority,
    libc::SYS_setpriority,
    libc::SYS_prctl,
    // More filters can only refuse more; the filters after the first are installed with it.
    libc::SYS_seccomp,
    libc::SYS_capget,
    libc::SYS_getrusage,
    libc::SYS_prlimit64,
    libc::SYS_getrlimit,
    libc::SYS_setrlimit,
    libc::SYS_times,
    libc::SYS_sysinfo,
    libc::SYS_uname,
    libc::SYS_getrandom,
    // Signals.
    libc::SYS_rt_sigaction,
    libc::SYS_rt_sigprocmask,
    libc::SYS_rt_sigreturn,
    libc::SYS_rt_sigpending,
    libc::SYS_rt_sigtimedwait,
    libc::SYS_rt_sigsuspend,
    libc::SYS_rt_sigqueueinfo,
    libc::SYS_rt_tgsigqueueinfo,
    libc::SYS_sigaltstack,
    libc::SYS_restart_syscall,
    // Time.
    libc::SYS_clock_gettime,
    libc::SYS_clock_getres,
    libc::SYS_clock_nanosleep,
    libc::SYS_nanosleep,
    libc::SYS_gettimeofday,
    libc::SYS_getitimer,
    libc::SYS_setitimer,
    libc::SYS_timer_create,
    libc::SYS_timer_settime,
    libc::SYS_timer_gettime,
    libc::SYS_timer_getoverrun,
    libc::SYS_timer_delete,
    // Sockets: the network namespace has only loopback; `socket` is narrowed by family below.
    libc::SYS_socket,
    libc::SYS_socketpair,
    libc::SYS_bind,
    libc::SYS_listen,
    libc::SYS_accept,
    libc::SYS_accept4,
    libc::SYS_connect,
    libc::SYS_getsockname,
    libc::SYS_getpeername,
    libc::SYS_setsockopt,
    libc::SYS_getsockopt,
    libc::SYS_sendto,
    libc::SYS_recvfrom,
    libc::SYS_sendmsg,
    libc::SYS_recvmsg,
    libc::SYS_sendmmsg,
    libc::SYS_recvmmsg,
    libc::SYS_shutdown,
];

/// The x86_64 system calls that aarch64 replaced with the `*at` and `p*` forms above; glibc
/// and PyPy still call some of them on x86_64 (PyPy's `open`, `stat`, `vfork` in subprocess).
#[cfg(target_arch = "x86_64")]
const ALLOWED_LEGACY: &[libc::c_long] = &[
    libc::SYS_open,
    libc::SYS_creat,
    libc::SYS_stat,
    libc::SYS_lstat,
    libc::SYS_access,
    libc::SYS_readlink,
    libc::SYS_mkdir,
    libc::SYS_rmdir,
    libc::SYS_unlink,
    libc::SYS_rename,
    libc::SYS_link,
    libc::SYS_symlink,
    libc::SYS_chmod,
    libc::SYS_chown,
    libc::SYS_lchown,
    libc::SYS_mknod,
    libc::SYS_utime,
    libc::SYS_utimes,
    libc::SYS_getdents,
    libc::SYS_dup2,
    libc::SYS_pipe,
    libc::SYS_poll,
    libc::SYS_select,
    libc::SYS_epoll_create,
    libc::SYS_epoll_wait,
    libc::SYS_eventfd,
    libc::SYS_signalfd,
    libc::SYS_fork,
    libc::SYS_vfork,
    libc::SYS_time,
    libc::SYS_alarm,
    libc::SYS_pause,
    libc::SYS_getpgrp,
    libc::SYS_arch_prctl,
];
#[cfg(not(target_arch = "x86_64"))]
const ALLOWED_LEGACY: &[libc::c_long] = &[];

/// Kernel attack surface outside the allow-list that is refused with EPERM rather than
/// ENOSYS: these are the calls a program tries on purpose, and "not permitted" says why.
const DENIED: &[libc::c_long] = &[
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_unshare,
    libc::SYS_setns,
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
    libc::SYS_bpf,
    libc::SYS_perf_event_open,
    libc::SYS_userfaultfd,
    libc::SYS_open_by_handle_at,
    libc::SYS_name_to_handle_at,
    libc::SYS_fsopen,
    libc::SYS_fsconfig,
    libc::SYS_fsmount,
    libc::SYS_fspick,
    libc::SYS_move_mount,
    libc::SYS_open_tree,
    libc::SYS_mount_setattr,
];

/// `clone` flags that make new namespaces. (CLONE_NEWTIME shares its bit with the exit signal
/// in `clone`'s flags, and `clone3` is refused outright.)
const CLONE_NAMESPACES: u64 = (libc::CLONE_NEWNS
    | libc::CLONE_NEWCGROUP
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUSER
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET) as u64;

/// The socket families a lesson uses: Unix sockets (multiprocessing) and loopback TCP/UDP.
const SOCKET_FAMILIES: &[libc::c_int] = &[libc::AF_UNIX, libc::AF_INET, libc::AF_INET6];

/// A filter that could not be built, and which part of it.
#[derive(Debug, thiserror::Error)]
#[error("seccomp: {what}")]
pub struct SeccompError {
    what: &'static str,
    #[source]
    source: seccompiler::BackendError,
}

fn failed(what: &'static str) -> impl FnOnce(seccompiler::BackendError) -> SeccompError {
    move |source| SeccompError { what, source }
}

type Rules = BTreeMap<i64, Vec<SeccompRule>>;

/// The stacked filters, in the order they are installed. Every filter sees every call; an
/// errno beats "allow", and between two errnos the filter installed last decides. So the
/// allow-list comes first (ENOSYS for the unknown) and the filters that name a better errno
/// for a known refusal come after it.
pub struct SeccompPrograms {
    programs: Vec<BpfProgram>,
}

impl SeccompPrograms {
    /// Compiles every filter. Call before forking: the closure that applies them must not
    /// allocate or fail for reasons other than the kernel refusing.
    pub fn build() -> Result<Self, SeccompError> {
        let programs = vec![
            compile(
                allow_list()?,
                SeccompAction::Errno(libc::ENOSYS as u32),
                SeccompAction::Allow,
            )?,
            refuse(denied()?, libc::EPERM)?,
            refuse(foreign_socket_families()?, libc::EAFNOSUPPORT)?,
            refuse(mptcp()?, libc::EPROTONOSUPPORT)?,
        ];
        Ok(Self { programs })
    }

    /// Installs the filters on the calling thread (sets no_new_privs first). Returns the
    /// errno on failure. Does not allocate, so it is safe right before execve after a fork.
    pub fn apply(&self) -> Result<(), i32> {
        for program in &self.programs {
            if let Err(err) = seccompiler::apply_filter(program) {
                return Err(os_errno(&err));
            }
        }
        Ok(())
    }

    pub fn count(&self) -> usize {
        self.programs.len()
    }
}

/// Every call in the lists, and `clone` as long as it makes no namespace. x32 calls (numbers
/// with bit 30 set) and `clone3` (whose flags BPF cannot read; glibc falls back to `clone` on
/// ENOSYS) are not on it.
fn allow_list() -> Result<Rules, SeccompError> {
    let mut rules: Rules = ALLOWED.iter().chain(ALLOWED_LEGACY).map(|&nr| (nr, vec![])).collect();
    let no_namespace = SeccompCondition::new(
        0,
        SeccompCmpArgLen::Qword,
        SeccompCmpOp::MaskedEq(CLONE_NAMESPACES),
        0,
    )
    .map_err(failed("clone rule"))?;
    rules.insert(libc::SYS_clone, vec![rule(vec![no_namespace], "clone rule")?]);
    Ok(rules)
}

fn denied() -> Result<Rules, SeccompError> {
    let mut rules: Rules = DENIED.iter().map(|&nr| (nr, vec![])).collect();
    // A namespace flag set is what `clone` is refused for; one condition cannot say "any of
    // these bits", so one rule per flag.
    let per_flag = (0..64)
        .map(|bit| 1u64 << bit)
        .filter(|flag| CLONE_NAMESPACES & flag != 0)
        .map(|flag| {
            let cond = SeccompCondition::new(
                0,
                SeccompCmpArgLen::Qword,
                SeccompCmpOp::MaskedEq(flag),
                flag,
            )
            .map_err(failed("clone rule"))?;
            rule(vec![cond], "clone rule")
        })
        .collect::<Result<Vec<_>, _>>()?;
    rules.insert(libc::SYS_clone, per_flag);
    Ok(rules)
}

/// `socket` and `socketpair` outside Unix, IPv4 and IPv6: netlink, packet, vsock (host/VM
/// channels the network namespace does not cover) and the rest.
fn foreign_socket_families() -> Result<Rules, SeccompError> {
    let conds = SOCKET_FAMILIES
        .iter()
        .map(|&family| {
            SeccompCondition::new(0, SeccompCmpArgLen::Dword, SeccompCmpOp::Ne, family as u64)
                .map_err(failed("socket rule"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let foreign = rule(conds, "socket rule")?;
    Ok(BTreeMap::from([
        (libc::SYS_socket, vec![foreign.clone()]),
        (libc::SYS_socketpair, vec![foreign]),
    ]))
}

/// Multipath TCP: a protocol of its own inside AF_INET, with code paths a lesson never needs.
fn mptcp() -> Result<Rules, SeccompError> {
    let cond = SeccompCondition::new(
        2,
        SeccompCmpArgLen::Dword,
        SeccompCmpOp::Eq,
        libc::IPPROTO_MPTCP as u64,
    )
    .map_err(failed("mptcp rule"))?;
    Ok(BTreeMap::from([(libc::SYS_socket, vec![rule(vec![cond], "mptcp rule")?])]))
}

fn rule(conds: Vec<SeccompCondition>, what: &'static str) -> Result<SeccompRule, SeccompError> {
    SeccompRule::new(conds).map_err(failed(what))
}

/// A filter whose listed calls get `errno` and everything else passes on to the others.
fn refuse(rules: Rules, errno: i32) -> Result<BpfProgram, SeccompError> {
    compile(rules, SeccompAction::Allow, SeccompAction::Errno(errno as u32))
}

fn compile(
    rules: Rules,
    mismatch: SeccompAction,
    matched: SeccompAction,
) -> Result<BpfProgram, SeccompError> {
    let filter = SeccompFilter::new(rules, mismatch, matched, ARCH).map_err(failed("filter"))?;
    BpfProgram::try_from(filter).map_err(failed("compile"))
}

fn os_errno(err: &seccompiler::Error) -> i32 {
    match err {
        seccompiler::Error::Prctl(io) | seccompiler::Error::Seccomp(io) => {
            io.raw_os_error().unwrap_or(libc::EINVAL)
        }
        _ => libc::EINVAL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_filters_compile() {
        let programs = SeccompPrograms::build().expect("the seccomp filters compile");
        assert_eq!(programs.count(), 4);
    }

    #[test]
    fn no_call_is_both_allowed_and_denied() {
        for nr in DENIED {
            assert!(!ALLOWED.contains(nr) && !ALLOWED_LEGACY.contains(nr), "{nr}");
        }
    }
}
