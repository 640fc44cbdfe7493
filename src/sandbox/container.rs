//! The hakoniwa container for one run: namespaces, mounts, rlimits, Landlock; spawning it and
//! turning its end into the status line.

use std::fs::File;
use std::os::fd::OwnedFd;

use hakoniwa::landlock::{CompatMode, FsAccess, Resource, Ruleset};
use hakoniwa::{Container, MountOptions, Namespace, Rlimit, Stdio};

use super::devfs;
use super::error::LaunchError;
use super::init::{self, ExecPlan, ExecReport};
use super::limits;
use super::seccomp::SeccompPrograms;
use super::spec::{LaunchSpec, LaunchStatus, SANDBOX_DIR};

/// The container exactly as SANDBOX-NOTES "a configuration that contained everything".
/// Build it after dropping privileges (`Container::new` maps the *current* uid) and after
/// `rootfs::fill`: its root is the run's own tmpfs, already holding `/sandbox` and `/dev`.
pub fn build(spec: &LaunchSpec) -> Result<Container, LaunchError> {
    // new(): user (current uid mapped to itself), mount, pid namespaces and a fresh /proc.
    let mut c = Container::new();
    c.unshare(Namespace::Network).unshare(Namespace::Ipc).unshare(Namespace::Uts);
    // hakoniwa remounts the root read-only once its mounts are in place.
    c.rootdir(&spec.work_dir).hostname("sandbox");
    c.bindmount_ro("/usr", "/usr");
    for dir in ["bin", "lib", "lib64"] {
        if std::path::Path::new("/usr").join(dir).is_dir() {
            c.symlink(&format!("usr/{dir}"), &format!("/{dir}"));
        }
    }
    devfs::mount_proc(&mut c);
    // Both writable places are size-limited tmpfs; multiprocessing needs a writable /dev/shm.
    let tmpfs = MountOptions::NOSUID | MountOptions::NODEV | MountOptions::NOEXEC;
    let data = format!("size={},mode=1777", spec.tmpfs_bytes);
    c.mount("tmpfs", "/tmp", "tmpfs", tmpfs, Some(data.clone()));
    devfs::mount(&mut c, data);
    set_rlimits(&mut c, spec);
    c.landlock_ruleset(landlock_ruleset());
    Ok(c)
}

/// The rlimits as `RunLimits::rlimits` chose them (see `sandbox::limits`).
fn set_rlimits(c: &mut Container, spec: &LaunchSpec) {
    for limit in &spec.rlimits {
        let resource = match limit.resource {
            limits::Resource::Cpu => Rlimit::Cpu,
            limits::Resource::As => Rlimit::As,
            limits::Resource::Nproc => Rlimit::Nproc,
            limits::Resource::Fsize => Rlimit::Fsize,
            limits::Resource::Nofile => Rlimit::Nofile,
            limits::Resource::Core => Rlimit::Core,
        };
        c.setrlimit(resource, limit.soft, limit.hard);
    }
}

/// Landlock on top of the mounts: even a bypassed mount table cannot reach beyond these.
/// Every path must exist inside the container, or the start fails.
fn landlock_ruleset() -> Ruleset {
    let mut rules = Ruleset::default();
    rules.restrict(Resource::FS, CompatMode::Enforce);
    // No TCP port is allowed at all; the empty network namespace is the first wall, so on
    // kernels before 6.7 (no Landlock network support) this degrades instead of failing.
    rules.restrict(Resource::NET_TCP_BIND, CompatMode::Relax);
    rules.restrict(Resource::NET_TCP_CONNECT, CompatMode::Relax);
    rules.allow_path("/usr", FsAccess::R | FsAccess::X);
    rules.allow_path(SANDBOX_DIR, FsAccess::R);
    rules.allow_path("/proc", FsAccess::R);
    devfs::allow_dev(&mut rules);
    // Manager and forkserver put AF_UNIX sockets in /tmp.
    rules.allow_path("/tmp", FsAccess::R | FsAccess::W);
    rules
}

/// Spawns the container, waits for it and maps its end to the status line.
pub fn run(
    container: &Container,
    plan: ExecPlan,
    programs: SeccompPrograms,
    report: ExecReport,
    result_channel: Option<OwnedFd>,
) -> Result<LaunchStatus, LaunchError> {
    // hakoniwa closes every fd above 2 in the container, so the result channel travels as
    // stdin and the closure moves it to fd 3. Python's stdin becomes /dev/null.
    let stdin: Stdio = match result_channel {
        Some(fd) => fd.into(),
        None => File::open("/dev/null")
            .map_err(|source| LaunchError::Syscall { call: "open /dev/null", source })?
            .into(),
    };
    // SAFETY: the closure runs in a forked child of this single-threaded process.
    let mut cmd =
        unsafe { container.command_from_closure(move || init::run(&plan, &programs, report)) };
    cmd.stdin(stdin).stdout(Stdio::inherit()).stderr(Stdio::inherit()).current_dir("/tmp");
    let mut child = cmd.spawn().map_err(LaunchError::Container)?;
    let status = child.wait().map_err(LaunchError::Container)?;
    match report.outcome()? {
        Some(status) => Ok(status),
        // The init never reported (killed from outside): fall back to what hakoniwa saw.
        None => match status.exit_code {
            Some(exit_code) => Ok(LaunchStatus::Exited { exit_code }),
            None if status.code > 128 => Ok(LaunchStatus::Signaled { signal: status.code - 128 }),
            None => Err(LaunchError::Ended(status.reason)),
        },
    }
}
