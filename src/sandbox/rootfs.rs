//! The container's root: a tmpfs of its own, which the launcher mounts over the run's work folder
//! in a mount namespace of its own and fills with `/sandbox` and the `/dev` skeleton. Nothing
//! inside is a bind of a host folder, so the run's mount table names no host path (issue 12).

use std::ffi::CString;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

use super::devfs;
use super::error::LaunchError;
use super::spec::{LaunchSpec, SANDBOX_DIR};

/// Room beyond the program's files for the mount points and links hakoniwa and `devfs` make.
const SLACK_BYTES: u64 = 1 << 20;
/// Inodes for the same: a few dozen mount points, links and files are used.
const MAX_INODES: u32 = 256;

/// As root, before dropping privileges. A mount namespace of the launcher's own, made private
/// so nothing mounted here reaches the host's; in it a tmpfs over `work_dir`, owned by the
/// sandbox uid (hakoniwa makes its mount points there as that uid). hakoniwa binds the root
/// onto itself before pivoting: a bind of a tmpfs's top shows as `/` with source `tmpfs`,
/// where a bind of a host folder shows that folder's path. The tmpfs dies with the namespace.
pub fn mount(spec: &LaunchSpec) -> Result<(), LaunchError> {
    let size = program_bytes(&spec.program_dir)? + SLACK_BYTES;
    let data =
        format!("size={size},nr_inodes={MAX_INODES},mode=0755,uid={},gid={}", spec.uid, spec.gid);
    let root = c_path(&spec.work_dir)?;
    let data = CString::new(data).map_err(|e| LaunchError::Nul(e.to_string()))?;
    let none = std::ptr::null::<libc::c_char>();
    // SAFETY: unshare and mount with NUL-terminated strings that outlive the calls.
    unsafe {
        if libc::unshare(libc::CLONE_NEWNS) != 0 {
            return Err(LaunchError::last_os("unshare mount namespace"));
        }
        let private = libc::MS_REC | libc::MS_PRIVATE;
        if libc::mount(none, c"/".as_ptr(), none, private, std::ptr::null()) != 0 {
            return Err(LaunchError::last_os("make / private"));
        }
        // Nothing on the root is executed, set-uid or a device: the devices are binds of
        // their own, /usr is a mount of its own.
        let flags = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
        let tmpfs = c"tmpfs".as_ptr();
        if libc::mount(tmpfs, root.as_ptr(), tmpfs, flags, data.as_ptr().cast()) != 0 {
            return Err(LaunchError::last_os("mount the root tmpfs"));
        }
    }
    Ok(())
}

/// As the sandbox uid: copies the program folder's files into `/sandbox` and lays out the
/// `/dev` skeleton. hakoniwa remounts the whole root read-only before the program starts.
pub fn fill(spec: &LaunchSpec) -> Result<(), LaunchError> {
    let sandbox = spec.work_dir.join(SANDBOX_DIR.trim_start_matches('/'));
    std::fs::DirBuilder::new()
        .mode(0o755)
        .create(&sandbox)
        .map_err(|source| LaunchError::Mkdir { path: sandbox.clone(), source })?;
    for (name, from) in program_files(&spec.program_dir)? {
        let to = sandbox.join(name);
        let copy = |source| LaunchError::Copy { path: from.clone(), source };
        std::fs::copy(&from, &to).map_err(copy)?;
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o644)).map_err(copy)?;
    }
    devfs::prepare(&spec.work_dir)
}

/// The regular files of the program folder (the server writes it flat), by name.
fn program_files(dir: &Path) -> Result<Vec<(std::ffi::OsString, std::path::PathBuf)>, LaunchError> {
    let read = |source| LaunchError::Copy { path: dir.into(), source };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read)? {
        let entry = entry.map_err(read)?;
        if entry.file_type().map_err(read)?.is_file() {
            files.push((entry.file_name(), entry.path()));
        }
    }
    Ok(files)
}

/// What the program's files take, so the tmpfs is sized to them (the learner's code may be as
/// large as the server's configuration allows).
fn program_bytes(dir: &Path) -> Result<u64, LaunchError> {
    let mut total = 0;
    for (_, path) in program_files(dir)? {
        let metadata =
            std::fs::metadata(&path).map_err(|source| LaunchError::Copy { path, source })?;
        total += metadata.len();
    }
    Ok(total)
}

fn c_path(path: &Path) -> Result<CString, LaunchError> {
    CString::new(path.as_os_str().as_encoded_bytes())
        .map_err(|_| LaunchError::Nul(path.display().to_string()))
}
