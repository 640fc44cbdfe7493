//! The interpreters and modules this machine offers to experiments, detected once per process:
//! CPython, PyPy, free-threaded CPython builds and optional modules such as Numba.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde::Serialize;

/// One interpreter found on the machine.
#[derive(Debug, Clone, Serialize)]
pub struct Interpreter {
    /// The name experiments use: `python3`, `pypy3`, `python3.13t`…
    pub name: String,
    pub path: PathBuf,
    pub version: String,
    pub implementation: String,
    pub gil_enabled: bool,
}

/// An optional Python module, and whether the main interpreter can import it.
#[derive(Debug, Clone, Serialize)]
pub struct Module {
    pub name: String,
    pub version: Option<String>,
    /// The Debian package that provides it.
    pub package: &'static str,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Runtimes {
    pub interpreters: Vec<Interpreter>,
    pub modules: Vec<Module>,
}

/// Interpreters worth looking for, with the Debian package that installs each.
const INTERPRETERS: [(&str, &str); 4] = [
    ("pypy3", "pypy3"),
    ("python3.13t", "python3.13-nogil"),
    ("python3.14t", "python3.14-nogil"),
    ("python3", "python3"),
];
const MODULES: [(&str, &str); 1] = [("numba", "python3-numba")];

const PROBE: &str = "import sys, platform, json\n\
gil = sys._is_gil_enabled() if hasattr(sys, '_is_gil_enabled') else True\n\
print(json.dumps([platform.python_version(), sys.implementation.name, gil]))";

impl Runtimes {
    /// Detected on first use and kept for the life of the process.
    pub fn detect(python: &Path) -> &'static Runtimes {
        static DETECTED: OnceLock<Runtimes> = OnceLock::new();
        DETECTED.get_or_init(|| detect_now(python))
    }

    pub fn interpreter(&self, name: &str) -> Option<&Interpreter> {
        self.interpreters.iter().find(|i| i.name == name)
    }

    pub fn module(&self, name: &str) -> Option<&Module> {
        self.modules.iter().find(|m| m.name == name && m.version.is_some())
    }

    /// Why an experiment that needs `needs` cannot run here (Korean, with the fix), if it cannot.
    pub fn missing(&self, needs: &[String]) -> Option<String> {
        let missing: Vec<String> = needs
            .iter()
            .filter_map(|need| match need.split_once(':') {
                Some(("module", name)) if self.module(name).is_none() => Some(format!(
                    "Python 모듈 {name}(Debian: apt-get install {})",
                    package_of(name)
                )),
                Some(("runtime", name)) if self.interpreter(name).is_none() => {
                    Some(format!("인터프리터 {name}(Debian: apt-get install {})", package_of(name)))
                }
                _ => None,
            })
            .collect();
        (!missing.is_empty()).then(|| {
            format!("이 서버에는 {}이(가) 없어 이 실험을 실행할 수 없습니다. 서버 관리자가 설치하면 바로 열립니다.", missing.join(", "))
        })
    }
}

/// Needs an `experiment.toml` may declare: `module:<name>` or `runtime:<name>` of the known ones.
pub fn is_known_need(need: &str) -> bool {
    match need.split_once(':') {
        Some(("module", name)) => MODULES.iter().any(|(n, _)| *n == name),
        Some(("runtime", name)) => INTERPRETERS.iter().any(|(n, _)| *n == name),
        _ => false,
    }
}

/// Whether an experiment can run here: it has a program, and the machine has what it needs.
/// The reason it cannot is Korean, with the fix.
pub fn availability(
    experiment: &crate::content::Experiment,
    runtimes: &Runtimes,
) -> Result<(), String> {
    if experiment.code.is_none() {
        return Err("이 실험은 아직 준비 중입니다.".to_owned());
    }
    runtimes.missing(&experiment.needs).map_or(Ok(()), Err)
}

fn package_of(name: &str) -> &'static str {
    INTERPRETERS
        .iter()
        .chain(MODULES.iter())
        .find(|(n, _)| *n == name)
        .map_or("?", |(_, package)| package)
}

fn detect_now(python: &Path) -> Runtimes {
    let mut interpreters = Vec::new();
    for (name, _) in INTERPRETERS {
        let path =
            if name == "python3" { python.to_owned() } else { Path::new("/usr/bin").join(name) };
        if let Some(found) = probe(name, &path) {
            interpreters.push(found);
        }
    }
    let modules = MODULES
        .iter()
        .map(|(name, package)| Module {
            name: (*name).to_owned(),
            version: module_version(python, name),
            package,
        })
        .collect();
    Runtimes { interpreters, modules }
}

fn probe(name: &str, path: &Path) -> Option<Interpreter> {
    let output = Command::new(path).args(["-I", "-c", PROBE]).env_clear().output().ok()?;
    let (version, implementation, gil): (String, String, bool) =
        serde_json::from_slice(&output.stdout).ok().filter(|_| output.status.success())?;
    Some(Interpreter {
        name: name.to_owned(),
        path: path.to_owned(),
        version,
        implementation,
        gil_enabled: gil,
    })
}

fn module_version(python: &Path, module: &str) -> Option<String> {
    let code = format!("import {module}; print({module}.__version__)");
    let output = Command::new(python).args(["-I", "-c", &code]).env_clear().output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_main_interpreter_is_found_and_a_missing_need_is_explained_in_korean() {
        let runtimes = Runtimes::detect(Path::new("/usr/bin/python3"));
        let python = runtimes.interpreter("python3").expect("python3 is always there");
        assert_eq!(python.implementation, "cpython");
        assert_eq!(runtimes.missing(&["runtime:python3".to_owned()]), None);
        assert!(is_known_need("module:numba") && is_known_need("runtime:pypy3"));
        assert!(!is_known_need("module:tensorflow") && !is_known_need("numba"));
        let mut empty = Runtimes::default();
        empty.modules.push(Module {
            name: "numba".into(),
            version: None,
            package: "python3-numba",
        });
        let reason = empty.missing(&["module:numba".to_owned()]).expect("numba is missing");
        assert!(reason.contains("apt-get install python3-numba"), "{reason}");
    }
}
