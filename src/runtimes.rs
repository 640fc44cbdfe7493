//! The interpreters and modules this machine offers to experiments, detected once per process:
//! CPython, PyPy, free-threaded CPython builds and optional modules such as Numba.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde::Serialize;

/// One interpreter found on the machine.
#[derive(Debug, Clone, Serialize)]
pub struct Interpreter {
    /// The id results and `GET /api/runtimes` use: `cpython-3.11`, `cpython-3.13t`, `pypy3`.
    pub id: String,
    /// The name experiments' needs use: `python3`, `pypy3`, `python3.13t`…
    pub name: String,
    pub path: PathBuf,
    pub version: String,
    pub implementation: String,
    /// Built with `--disable-gil` (PEP 703).
    pub free_threaded: bool,
    /// Whether the GIL is on when it starts without `-X gil`: a free-threaded build may turn it
    /// back on for an extension that has not opted out.
    pub gil_enabled: bool,
    /// Why runs on it get no GIL timeline (the harness's recorder said so); `None` when they do.
    pub gil_timeline_missing: Option<String>,
}

/// An optional Python module, and whether the main interpreter can import it.
#[derive(Debug, Clone, Serialize)]
pub struct Module {
    pub name: String,
    pub version: Option<String>,
    /// The command that installs it.
    pub install: &'static str,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Runtimes {
    pub interpreters: Vec<Interpreter>,
    pub modules: Vec<Module>,
}

/// Interpreters worth looking for, with how to install each. Free-threaded builds are looked
/// for under `/usr/local/bin` (where `.ci/install-free-threaded` puts them) and `/usr/bin`.
const INTERPRETERS: [(&str, &str); 4] = [
    ("pypy3", "apt-get install pypy3"),
    ("python3.14t", FREE_THREADED_INSTALL),
    ("python3.13t", FREE_THREADED_INSTALL),
    ("python3", "apt-get install python3"),
];
const MODULES: [(&str, &str); 1] = [("numba", "apt-get install python3-numba")];
/// A need any free-threaded CPython satisfies: `runtime:free-threaded`.
pub const FREE_THREADED: &str = "free-threaded";
const FREE_THREADED_INSTALL: &str = "bash .ci/install-free-threaded";

const PROBE: &str = "import sys, platform, json, sysconfig\n\
gil = sys._is_gil_enabled() if hasattr(sys, '_is_gil_enabled') else True\n\
free = bool(sysconfig.get_config_var('Py_GIL_DISABLED'))\n\
print(json.dumps([platform.python_version(), sys.implementation.name, gil, free]))";

/// One row of `GET /api/runtimes`: a detected interpreter, or a known one that is missing.
#[derive(Debug, Clone, Serialize)]
pub struct RuntimeEntry {
    pub id: String,
    pub path: Option<PathBuf>,
    pub implementation: String,
    pub version: Option<String>,
    pub free_threaded: bool,
    pub gil_enabled: Option<bool>,
    pub available: bool,
    /// Why runs on it get no GIL timeline, in Korean; `None` when they get one.
    pub gil_timeline_missing: Option<String>,
    /// The command that installs it (as root, from the repository for the free-threaded build).
    pub install: String,
}

impl Runtimes {
    /// Detected on first use and kept for the life of the process.
    pub fn detect(python: &Path) -> &'static Runtimes {
        static DETECTED: OnceLock<Runtimes> = OnceLock::new();
        DETECTED.get_or_init(|| detect_now(python))
    }

    /// The interpreter a need names: `python3`, `pypy3`, `python3.13t`, or `free-threaded` for
    /// the newest free-threaded build.
    pub fn interpreter(&self, name: &str) -> Option<&Interpreter> {
        if name == FREE_THREADED {
            return self.interpreters.iter().find(|i| i.free_threaded);
        }
        self.interpreters.iter().find(|i| i.name == name)
    }

    /// Every detected interpreter, then the kinds that are missing with their install line.
    pub fn entries(&self) -> Vec<RuntimeEntry> {
        let mut entries: Vec<RuntimeEntry> = self
            .interpreters
            .iter()
            .map(|i| RuntimeEntry {
                id: i.id.clone(),
                path: Some(i.path.clone()),
                implementation: i.implementation.clone(),
                version: Some(i.version.clone()),
                free_threaded: i.free_threaded,
                gil_enabled: Some(i.gil_enabled),
                available: true,
                gil_timeline_missing: i.gil_timeline_missing.clone(),
                install: install_of(&i.name).to_owned(),
            })
            .collect();
        let missing = |id: &str, implementation: &str, free_threaded| RuntimeEntry {
            id: id.to_owned(),
            path: None,
            implementation: implementation.to_owned(),
            version: None,
            free_threaded,
            gil_enabled: None,
            available: false,
            gil_timeline_missing: None,
            install: install_of(if free_threaded { FREE_THREADED } else { id }).to_owned(),
        };
        if self.interpreter("pypy3").is_none() {
            entries.push(missing("pypy3", "pypy", false));
        }
        if self.interpreter(FREE_THREADED).is_none() {
            entries.push(missing("cpython-free-threaded", "cpython", true));
        }
        entries
    }

    pub fn module(&self, name: &str) -> Option<&Module> {
        self.modules.iter().find(|m| m.name == name && m.version.is_some())
    }

    /// Why an experiment that needs `needs` cannot run here (Korean, with the fix), if it cannot.
    pub fn missing(&self, needs: &[String]) -> Option<String> {
        let missing: Vec<String> = needs
            .iter()
            .filter_map(|need| match need.split_once(':') {
                Some(("module", name)) if self.module(name).is_none() => {
                    Some(format!("Python 모듈 {name}(설치: {})", install_of(name)))
                }
                Some(("runtime", FREE_THREADED)) if self.interpreter(FREE_THREADED).is_none() => {
                    Some(format!(
                        "자유 스레드(free-threaded) CPython(설치: 저장소에서 root로 {})",
                        FREE_THREADED_INSTALL
                    ))
                }
                Some(("runtime", name)) if self.interpreter(name).is_none() => {
                    Some(format!("인터프리터 {name}(설치: {})", install_of(name)))
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
        Some(("runtime", name)) => {
            name == FREE_THREADED || INTERPRETERS.iter().any(|(n, _)| *n == name)
        }
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

fn install_of(name: &str) -> &'static str {
    if name == FREE_THREADED {
        return FREE_THREADED_INSTALL;
    }
    INTERPRETERS
        .iter()
        .chain(MODULES.iter())
        .find(|(n, _)| *n == name)
        .map_or("?", |(_, install)| install)
}

fn detect_now(python: &Path) -> Runtimes {
    let mut interpreters = Vec::new();
    for (name, _) in INTERPRETERS {
        let paths = if name == "python3" {
            vec![python.to_owned()]
        } else {
            ["/usr/local/bin", "/usr/bin"].iter().map(|dir| Path::new(dir).join(name)).collect()
        };
        if let Some(found) = paths.iter().find_map(|path| probe(name, path)) {
            interpreters.push(found);
        }
    }
    let modules = MODULES
        .iter()
        .map(|(name, install)| Module {
            name: (*name).to_owned(),
            version: module_version(python, name),
            install,
        })
        .collect();
    Runtimes { interpreters, modules }
}

fn probe(name: &str, path: &Path) -> Option<Interpreter> {
    let output = Command::new(path).args(["-I", "-c", PROBE]).env_clear().output().ok()?;
    let (version, implementation, gil, free_threaded): (String, String, bool, bool) =
        serde_json::from_slice(&output.stdout).ok().filter(|_| output.status.success())?;
    let id = runtime_id(&implementation, &version, free_threaded);
    let gil_timeline_missing = gil_timeline_missing(path);
    Some(Interpreter {
        id,
        name: name.to_owned(),
        path: path.to_owned(),
        version,
        implementation,
        free_threaded,
        gil_enabled: gil,
        gil_timeline_missing,
    })
}

/// Whether the harness's GIL recorder works on this interpreter, asked of the recorder itself
/// (outside the sandbox, which changes nothing it checks): `None` when it records.
fn gil_timeline_missing(path: &Path) -> Option<String> {
    const ASK: &str = "import sys; sys.path.insert(0, sys.argv[1]); import gil_timeline as g\n\
                       r = g.Recording(100000); r.stop(0); print(g.why_not() or '')";
    let dir = std::env::temp_dir().join(format!("gil-lab-probe-{}", std::process::id()));
    let file = dir.join("gil_timeline.py");
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&file, crate::sandbox::GIL_TIMELINE));
    let output = written
        .and_then(|()| Command::new(path).args(["-I", "-c", ASK]).arg(&dir).env_clear().output());
    std::fs::remove_file(&file).ok();
    std::fs::remove_dir(&dir).ok();
    match output {
        Ok(out) if out.status.success() => {
            let why = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            (!why.is_empty()).then_some(why)
        }
        _ => Some("GIL 기록기를 확인하지 못했습니다".to_owned()),
    }
}

/// `cpython-3.11`, `cpython-3.13t` (free-threaded), `pypy3`: what the harness writes too.
pub fn runtime_id(implementation: &str, version: &str, free_threaded: bool) -> String {
    if implementation == "pypy" {
        return "pypy3".to_owned();
    }
    let minor: Vec<&str> = version.split('.').take(2).collect();
    format!("{implementation}-{}{}", minor.join("."), if free_threaded { "t" } else { "" })
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
    fn runtime_ids_name_the_implementation_the_minor_version_and_the_free_threaded_build() {
        assert_eq!(runtime_id("cpython", "3.11.2", false), "cpython-3.11");
        assert_eq!(runtime_id("cpython", "3.13.15", true), "cpython-3.13t");
        assert_eq!(runtime_id("pypy", "3.9.16", false), "pypy3");
    }

    #[test]
    fn the_main_interpreter_is_found_and_a_missing_need_is_explained_in_korean() {
        let runtimes = Runtimes::detect(Path::new("/usr/bin/python3"));
        let python = runtimes.interpreter("python3").expect("python3 is always there");
        assert_eq!(python.implementation, "cpython");
        assert_eq!(runtimes.missing(&["runtime:python3".to_owned()]), None);
        assert!(is_known_need("module:numba") && is_known_need("runtime:pypy3"));
        assert!(is_known_need("runtime:free-threaded"));
        assert!(!is_known_need("module:tensorflow") && !is_known_need("numba"));
        let mut empty = Runtimes::default();
        empty.modules.push(Module {
            name: "numba".into(),
            version: None,
            install: "apt-get install python3-numba",
        });
        let reason = empty.missing(&["module:numba".to_owned()]).expect("numba is missing");
        assert!(reason.contains("apt-get install python3-numba"), "{reason}");
        let reason = empty.missing(&["runtime:free-threaded".to_owned()]).expect("missing");
        assert!(reason.contains(".ci/install-free-threaded"), "{reason}");
        let entries = empty.entries();
        let free = entries.iter().find(|e| e.free_threaded).expect("listed though missing");
        assert!(!free.available && free.install.contains("install-free-threaded"));
    }
}
