//! Reading and writing cgroup control files, each failure naming the file.

use std::fs;
use std::path::Path;

use super::error::CgroupError;

pub fn make_dir(dir: &Path) -> Result<(), CgroupError> {
    fs::create_dir_all(dir).map_err(|source| CgroupError::Mkdir { path: dir.into(), source })
}

pub fn write(path: &Path, value: u64) -> Result<(), CgroupError> {
    write_str(path, &value.to_string())
}

pub fn write_str(path: &Path, value: &str) -> Result<(), CgroupError> {
    fs::write(path, value).map_err(|source| CgroupError::Write { path: path.into(), source })
}

pub fn write_optional(path: &Path, value: u64) -> Result<(), CgroupError> {
    if path.exists() { write(path, value) } else { Ok(()) }
}

pub fn read_u64(path: &Path) -> Option<u64> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Reads `key N` from a flat-keyed file such as `memory.events` or `pids.events`.
pub fn read_key(path: &Path, key: &str) -> Option<u64> {
    let text = fs::read_to_string(path).ok()?;
    text.lines().find_map(|line| {
        let (k, v) = line.split_once(' ')?;
        if k == key { v.trim().parse().ok() } else { None }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_keyed_files_are_parsed_by_key() {
        let dir = std::env::temp_dir().join(format!("cg-parse-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("make a fake cgroup folder");
        let file = dir.join("memory.oom_control");
        fs::write(&file, "oom_kill_disable 0\nunder_oom 0\noom_kill 5\n")
            .expect("write a fake oom_control");
        assert_eq!(read_key(&file, "oom_kill"), Some(5));
        fs::remove_dir_all(&dir).expect("remove the fake cgroup folder");
    }
}
