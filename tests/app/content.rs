//! Broken content stops the server at start with a message naming the file (and line).

use std::path::Path;

use gil_lab::content::Content;

use crate::helpers::copy_of_content;

fn first_lesson(dir: &Path) -> std::path::PathBuf {
    let mut lessons: Vec<_> = std::fs::read_dir(dir.join("lessons"))
        .expect("lessons")
        .map(|e| e.expect("entry").path())
        .collect();
    lessons.sort();
    lessons.remove(0)
}

fn load_error(dir: &Path) -> String {
    Content::load(dir).expect_err("content must be rejected").to_string()
}

#[test]
fn the_real_content_loads() {
    Content::load(&crate::helpers::content_dir()).expect("content is valid");
}

#[test]
fn bad_front_matter_is_rejected_naming_the_file_and_line() {
    let dir = copy_of_content();
    let path = first_lesson(dir.path());
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replacen("order =", "order = \"one\"\nx =", 1)).expect("write");
    let message = load_error(dir.path());
    let name = path.file_name().and_then(|n| n.to_str()).expect("name");
    assert!(message.contains(name), "{message}");
    assert!(message.contains(":4:") || message.contains(":5:"), "{message}");
}

#[test]
fn an_unknown_experiment_is_rejected_naming_the_file_and_line() {
    let dir = copy_of_content();
    let path = first_lesson(dir.path());
    let mut text = std::fs::read_to_string(&path).expect("read");
    let line = text.lines().count() + 2;
    text.push_str("\n```experiment no-such-thing\n```\n");
    std::fs::write(&path, text).expect("write");
    let message = load_error(dir.path());
    assert!(message.contains(&format!(":{line}:")), "{message}");
    assert!(message.contains("no-such-thing"), "{message}");
}

#[test]
fn a_duplicate_order_is_rejected() {
    let dir = copy_of_content();
    let path = first_lesson(dir.path());
    let copy = path.with_file_name("99-duplicate.md");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&copy, text).expect("write");
    let message = load_error(dir.path());
    assert!(message.contains("99-duplicate.md"), "{message}");
    assert!(message.contains("order"), "{message}");
}

#[test]
fn an_experiment_of_a_missing_lesson_is_rejected() {
    let dir = copy_of_content();
    let folder = dir.path().join("experiments/orphan");
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::write(
        folder.join("experiment.toml"),
        "title = \"고아\"\nlesson = \"nowhere\"\ndescription = \"\"\n",
    )
    .expect("write");
    let message = load_error(dir.path());
    assert!(message.contains("orphan/experiment.toml"), "{message}");
    assert!(message.contains("nowhere"), "{message}");
}

#[test]
fn a_missing_content_folder_is_rejected() {
    let message = load_error(Path::new("/nonexistent/content"));
    assert!(message.contains("/nonexistent/content"), "{message}");
}

#[test]
fn a_label_for_an_unknown_variant_is_rejected_naming_the_file() {
    let dir = copy_of_content();
    let path = dir.path().join("experiments/cpu-bound/experiment.toml");
    let text = std::fs::read_to_string(&path).expect("read");
    let text = text.replacen("[variant_labels]", "[variant_labels]\nthreadz = \"오타\"", 1);
    std::fs::write(&path, text).expect("write");
    let message = load_error(dir.path());
    assert!(message.contains("cpu-bound/experiment.toml"), "{message}");
    assert!(message.contains("threadz"), "{message}");
}
