//! A run's folder on the host, removed when its owner drops it: `program/` (the files the
//! launcher copies into the container) and `work/` (the empty mount point of the container's
//! root, a tmpfs the launcher mounts in a namespace of its own; see `rootfs`).

use std::io::ErrorKind;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use super::error::SandboxError;

/// The folder of one run; dropping it removes the folder and everything in it.
#[derive(Debug)]
pub struct RunDir {
    path: PathBuf,
}

impl RunDir {
    /// Creates `path` with `program/` holding `files` and an empty `work/`. Nothing in it is
    /// the sandbox uid's: the run writes only to its own tmpfs mounts. A failure half-way
    /// removes what was made: the guard exists from the first folder on.
    pub fn create(path: PathBuf, files: &[(&str, String)]) -> Result<RunDir, SandboxError> {
        let dir = RunDir { path };
        dir.fill(files)?;
        Ok(dir)
    }

    pub fn program(&self) -> PathBuf {
        self.path.join("program")
    }

    pub fn work(&self) -> PathBuf {
        self.path.join("work")
    }

    fn fill(&self, files: &[(&str, String)]) -> Result<(), SandboxError> {
        let io = |source| SandboxError::RunDir { path: self.path.clone(), source };
        let (program, work) = (self.program(), self.work());
        for folder in [&self.path, &program, &work] {
            std::fs::create_dir_all(folder).map_err(io)?;
            std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o755)).map_err(io)?;
        }
        for (name, text) in files {
            let path = program.join(name);
            std::fs::write(&path, text).map_err(io)?;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).map_err(io)?;
        }
        Ok(())
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        match std::fs::remove_dir_all(&self.path) {
            Ok(()) => {}
            Err(error) if error.kind() == ErrorKind::NotFound => {}
            Err(error) => {
                tracing::warn!(%error, dir = %self.path.display(), "run folder not removed")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<(&'static str, String)> {
        vec![("main.py", "print(1)\n".to_owned())]
    }

    #[test]
    fn a_run_folder_is_removed_when_it_is_dropped() {
        let parent = tempfile::tempdir().expect("a temp folder");
        let path = parent.path().join("job");
        let dir = RunDir::create(path.clone(), &files()).expect("the run folder");
        assert!(dir.program().join("main.py").is_file());
        assert!(dir.work().is_dir());
        drop(dir);
        assert!(!path.exists(), "{} is left", path.display());
    }

    #[test]
    fn a_run_folder_is_removed_when_its_owner_panics() {
        let parent = tempfile::tempdir().expect("a temp folder");
        let path = parent.path().join("job");
        let owner = path.clone();
        let panicked = std::panic::catch_unwind(move || {
            let _dir = RunDir::create(owner, &files()).expect("the run folder");
            panic!("the run's owner fails half-way");
        });
        assert!(panicked.is_err());
        assert!(!path.exists(), "{} is left", path.display());
    }

    #[test]
    fn a_run_folder_that_fails_half_way_leaves_nothing() {
        let parent = tempfile::tempdir().expect("a temp folder");
        let path = parent.path().join("job");
        // A file in a folder that does not exist: the folders are made, the write fails.
        let bad = vec![("missing/main.py", String::new())];
        let error = RunDir::create(path.clone(), &bad).expect_err("the write fails");
        assert!(matches!(error, SandboxError::RunDir { .. }), "{error:?}");
        assert!(!path.exists(), "{} is left", path.display());
    }
}
