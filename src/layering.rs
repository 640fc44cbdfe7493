//! Which module may know which, checked by reading the sources: the sandbox knows nothing of
//! runs, the web, the config or axum; the domain modules know nothing of the web.

use std::path::{Path, PathBuf};

/// What the sandbox must not mention: it runs jobs, whoever asks for them.
const NOT_IN_SANDBOX: &[&str] = &["crate::runs", "runs::", "crate::web", "crate::config", "axum"];
/// What a domain module must not mention: HTTP belongs to `web`.
const NOT_IN_DOMAIN: &[&str] = &["crate::web", "crate::web::error", "axum::", "use axum"];

/// Every line of code (comments aside) of a `.rs` file under `src/<dir>` that contains one of
/// `needles`.
fn offending(dir: &str, needles: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    let mut found = Vec::new();
    for file in rust_files(&root) {
        let text = std::fs::read_to_string(&file).expect("a readable source file");
        for (n, line) in text.lines().enumerate() {
            let comment = line.trim_start().starts_with("//");
            if !comment && needles.iter().any(|needle| line.contains(needle)) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    found
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(dir).expect("a readable source folder");
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

#[test]
fn the_sandbox_imports_nothing_from_runs_the_web_the_config_or_axum() {
    let found = offending("sandbox", NOT_IN_SANDBOX);
    assert!(found.is_empty(), "the sandbox reaches out:\n{}", found.join("\n"));
}

#[test]
fn runs_and_content_import_nothing_from_the_web() {
    let found: Vec<String> =
        ["runs", "content"].iter().flat_map(|dir| offending(dir, NOT_IN_DOMAIN)).collect();
    assert!(found.is_empty(), "a domain module reaches into the web:\n{}", found.join("\n"));
}

#[test]
fn accounts_imports_nothing_from_the_web() {
    let found = offending("accounts", NOT_IN_DOMAIN);
    assert!(found.is_empty(), "accounts reaches into the web:\n{}", found.join("\n"));
}
