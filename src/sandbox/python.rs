//! Finding the interpreter: the sandbox mounts only `/usr`, so it must live there.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// An absolute path is taken as it is; a bare name is looked up on `PATH`, skipping candidates
/// outside `/usr` (such as pyenv shims), which the sandbox could not run.
pub fn resolve_python(wanted: &Path) -> anyhow::Result<PathBuf> {
    if wanted.is_absolute() {
        let real =
            wanted.canonicalize().with_context(|| format!("{} not found", wanted.display()))?;
        return under_usr(wanted, real);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    dirs.push(PathBuf::from("/usr/bin"));
    for dir in dirs {
        let candidate = dir.join(wanted);
        if let Ok(real) = candidate.canonicalize()
            && real.starts_with("/usr")
        {
            // Keep the name (python3 → python3.11 would lose nothing, but the name is clearer).
            return Ok(if candidate.starts_with("/usr") { candidate } else { real });
        }
    }
    bail!(
        "no `{}` under /usr on PATH: install python3 (Debian: apt-get install python3)",
        wanted.display()
    )
}

fn under_usr(wanted: &Path, real: PathBuf) -> anyhow::Result<PathBuf> {
    if real.starts_with("/usr") {
        Ok(wanted.to_owned())
    } else {
        bail!("{} is outside /usr, which is all the sandbox mounts", wanted.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python3_resolves_under_usr_even_when_a_shim_comes_first() {
        let python = resolve_python(Path::new("python3")).expect("python3 is installed");
        assert!(python.starts_with("/usr"), "{}", python.display());
    }

    #[test]
    fn an_interpreter_outside_usr_is_refused() {
        assert!(resolve_python(Path::new("/bin/../tmp/nothing")).is_err());
        assert!(resolve_python(Path::new("no-such-python")).is_err());
    }
}
