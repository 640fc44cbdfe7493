//! The run's `/dev` and what the run may see of `/proc`: a read-only `/dev` holding only the
//! devices Python uses, no pty at all, and a procfs that shows processes but nothing host-wide.

use std::os::unix::fs::{DirBuilderExt, symlink};
use std::path::Path;

use hakoniwa::landlock::{FsAccess, Ruleset};
use hakoniwa::{Container, MountOptions};

use super::error::LaunchError;

/// The character devices bound from the host. No `tty`, `console`, `ptmx` or `pts`: a run has
/// no terminal, and a devpts let one run take most of the host's ptys.
const DEVICES: [&str; 5] = ["full", "null", "random", "urandom", "zero"];

/// The devices a program may write to (writes vanish or fail with ENOSPC); the random ones
/// stay read-only.
const WRITABLE_DEVICES: [&str; 3] = ["full", "null", "zero"];

/// What glibc and Python expect beside the devices: `/dev/fd/N` and the std streams.
const LINKS: [(&str, &str); 4] = [
    ("fd", "/proc/self/fd"),
    ("stdin", "/proc/self/fd/0"),
    ("stdout", "/proc/self/fd/1"),
    ("stderr", "/proc/self/fd/2"),
];

/// Builds the skeleton in the container's root (see `rootfs`) as the sandbox uid: empty stubs
/// the devices are bound onto, the `shm` mount point and the links, with modes of our choosing
/// (hakoniwa's would follow the umask the server passed on). Read-only with the rest of the root.
pub fn prepare(root: &Path) -> Result<(), LaunchError> {
    let dev = root.join("dev");
    let mkdir = |path: &Path| {
        std::fs::DirBuilder::new()
            .mode(0o755)
            .create(path)
            .map_err(|source| LaunchError::Mkdir { path: path.into(), source })
    };
    mkdir(&dev)?;
    mkdir(&dev.join("shm"))?;
    for name in DEVICES {
        let path = dev.join(name);
        std::fs::File::create(&path).map_err(|source| LaunchError::Mkdir { path, source })?;
    }
    for (name, target) in LINKS {
        let path = dev.join(name);
        symlink(target, &path).map_err(|source| LaunchError::Mkdir { path, source })?;
    }
    Ok(())
}

/// Mounts the host's devices onto their stubs and the size-limited `/dev/shm` that
/// multiprocessing's semaphores and shared values need.
pub fn mount(c: &mut Container, shm_data: String) {
    // NOEXEC too: a bind in a user namespace keeps the host's locked flags, and asking for
    // more restriction than the host has is always allowed.
    let device = MountOptions::BIND | MountOptions::NOSUID | MountOptions::NOEXEC;
    for name in DEVICES {
        let path = format!("/dev/{name}");
        c.mount(&path, &path, "", device, None);
    }
    let tmpfs = MountOptions::NOSUID | MountOptions::NODEV | MountOptions::NOEXEC;
    c.mount("tmpfs", "/dev/shm", "tmpfs", tmpfs, Some(shm_data));
}

/// A fresh procfs with `subset=pid`: `/proc/<pid>`, `self` and `thread-self` only. That hides
/// everything runc masks (`kcore`, `keys`, `timer_list`, `sysrq-trigger`, `sys`, …) and also
/// what it leaves showing (`cmdline`, `meminfo`, `loadavg`, `pressure`, `stat`). Replaces the
/// procfs `Container::new` put there (mounts are keyed by target).
pub fn mount_proc(c: &mut Container) {
    let flags = MountOptions::NOSUID | MountOptions::NODEV | MountOptions::NOEXEC;
    c.mount("proc", "/proc", "proc", flags, Some("subset=pid".to_string()));
}

/// Landlock for `/dev`: read the listing and the random devices, write only the sinks and
/// `/dev/shm`. Nothing may be created in `/dev` itself, on top of the read-only mount.
pub fn allow_dev(rules: &mut Ruleset) {
    rules.allow_path("/dev", FsAccess::R);
    for name in WRITABLE_DEVICES {
        rules.allow_path(&format!("/dev/{name}"), FsAccess::R | FsAccess::W);
    }
    rules.allow_path("/dev/shm", FsAccess::R | FsAccess::W);
}
