//! The seccomp deny-list: compiled to BPF once before hakoniwa forks, applied in the container's
//! last process right before it execs Python.

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch, sock_filter,
};

#[cfg(target_arch = "x86_64")]
const ARCH: TargetArch = TargetArch::x86_64;
#[cfg(target_arch = "aarch64")]
const ARCH: TargetArch = TargetArch::aarch64;

/// Kernel attack surface a Python lesson never needs. Refused with EPERM, so programs see an
/// ordinary error instead of dying.
const DENIED: &[i64] = &[
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
    libc::SYS_kexec_load,
    libc::SYS_kexec_file_load,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
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

/// x32 syscalls are x86_64 syscalls with this bit set; seccompiler matches exact numbers and
/// checks only the audit arch, so without a guard `mount | X32_BIT` would slip through.
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

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

/// The stacked filters, in the order they are installed. seccompiler allows one match action
/// per filter, hence one filter per errno.
pub struct SeccompPrograms {
    programs: Vec<BpfProgram>,
}

impl SeccompPrograms {
    /// Compiles every filter. Call before forking: the closure that applies them must not
    /// allocate or fail for reasons other than the kernel refusing.
    pub fn build() -> Result<Self, SeccompError> {
        let mut programs = vec![
            compile(deny_list_rules()?, libc::EPERM)?,
            // clone3 passes flags in a struct BPF cannot read; ENOSYS makes glibc fall back to
            // clone, whose CLONE_NEWUSER flag the first filter can see.
            compile(BTreeMap::from([(libc::SYS_clone3, vec![])]), libc::ENOSYS)?,
            compile(vsock_rules()?, libc::EAFNOSUPPORT)?,
        ];
        if cfg!(target_arch = "x86_64") {
            programs.push(x32_guard());
        }
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

fn deny_list_rules() -> Result<BTreeMap<i64, Vec<SeccompRule>>, SeccompError> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> =
        DENIED.iter().map(|&nr| (nr, vec![])).collect();
    // A new user namespace would hand the program a fresh set of capabilities over new
    // namespaces; refuse clone(CLONE_NEWUSER) while plain fork and threads keep working.
    let newuser = libc::CLONE_NEWUSER as u64;
    let cond =
        SeccompCondition::new(0, SeccompCmpArgLen::Qword, SeccompCmpOp::MaskedEq(newuser), newuser)
            .map_err(failed("clone rule"))?;
    let rule = SeccompRule::new(vec![cond]).map_err(failed("clone rule"))?;
    rules.insert(libc::SYS_clone, vec![rule]);
    Ok(rules)
}

fn vsock_rules() -> Result<BTreeMap<i64, Vec<SeccompRule>>, SeccompError> {
    // The network namespace does not cover vsock (host/VM channels).
    let af_vsock = libc::AF_VSOCK as u64;
    let cond = SeccompCondition::new(0, SeccompCmpArgLen::Dword, SeccompCmpOp::Eq, af_vsock)
        .map_err(failed("socket rule"))?;
    let rule = SeccompRule::new(vec![cond]).map_err(failed("socket rule"))?;
    Ok(BTreeMap::from([(libc::SYS_socket, vec![rule])]))
}

fn compile(rules: BTreeMap<i64, Vec<SeccompRule>>, errno: i32) -> Result<BpfProgram, SeccompError> {
    let filter =
        SeccompFilter::new(rules, SeccompAction::Allow, SeccompAction::Errno(errno as u32), ARCH)
            .map_err(failed("filter"))?;
    BpfProgram::try_from(filter).map_err(failed("compile"))
}

/// Hand-written: load the syscall number; `nr >= X32_SYSCALL_BIT` → ENOSYS; otherwise allow.
/// The other filters already kill on a foreign audit arch (e.g. `int 0x80`).
fn x32_guard() -> BpfProgram {
    // Classic BPF opcodes (linux/bpf_common.h): BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JGE|BPF_K,
    // BPF_RET|BPF_K; seccompiler keeps its own constants private.
    const LD_W_ABS: u16 = 0x20;
    const JGE_K: u16 = 0x35;
    const RET_K: u16 = 0x06;
    let stmt = |code, k| sock_filter { code, jt: 0, jf: 0, k };
    vec![
        stmt(LD_W_ABS, 0), // seccomp_data.nr
        sock_filter { code: JGE_K, jt: 0, jf: 1, k: X32_SYSCALL_BIT },
        stmt(RET_K, libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32),
        stmt(RET_K, libc::SECCOMP_RET_ALLOW),
    ]
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
        assert_eq!(programs.count(), if cfg!(target_arch = "x86_64") { 4 } else { 3 });
    }
}
