//! `scenario`: runs one test's steps with the browsers it opens, and when the steps fail, panic
//! or run out of time, saves what each browser showed (screenshot, HTML, address) into
//! `target/browser-screenshots/` before the test fails with the cause.

use std::cell::RefCell;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::time::Duration;

use anyhow::Result;
use futures_util::FutureExt;

use crate::services::{artifacts_dir, services};
use crate::session::{Browser, Viewport};

/// The longest any one scenario may take, queueing behind the other tests' runs included.
const SCENARIO_LIMIT: Duration = Duration::from_secs(150);

/// The browsers one test opened, so that a failure can show what each of them saw.
pub struct Lab {
    browsers: RefCell<Vec<(String, Rc<Browser>)>>,
}

impl Lab {
    /// A new browser; `role` names its screenshot (`<test>-<role>.png`).
    pub async fn open(&self, role: &str, viewport: Viewport) -> Result<Rc<Browser>> {
        let browser = Rc::new(Browser::open(viewport).await?);
        self.browsers.borrow_mut().push((role.to_owned(), browser.clone()));
        Ok(browser)
    }

    pub async fn desktop(&self) -> Result<Rc<Browser>> {
        self.open("", Viewport::Desktop).await
    }
}

/// Runs one test's steps; on an error, a panic or the time limit, saves every open browser's
/// screenshot and HTML into `target/browser-screenshots/`, then fails the test with the cause.
pub async fn scenario(name: &str, steps: impl AsyncFnOnce(&Lab) -> Result<()>) {
    // Installing the browser (first run on a fresh machine) is not part of the time limit.
    if let Err(error) = services() {
        panic!("{name} cannot run: {error}");
    }
    let lab = Lab { browsers: RefCell::new(Vec::new()) };
    let run = tokio::time::timeout(SCENARIO_LIMIT, steps(&lab));
    let outcome = AssertUnwindSafe(run).catch_unwind().await;
    let failure = match outcome {
        Ok(Ok(Ok(()))) => None,
        Ok(Ok(Err(error))) => Some(format!("{error:#}")),
        Ok(Err(_)) => Some(format!("timed out after {SCENARIO_LIMIT:?}")),
        Err(panic) => Some(panic_message(&panic)),
    };
    let browsers = lab.browsers.take();
    let mut saved = Vec::new();
    for (role, browser) in &browsers {
        let file = if role.is_empty() { name.to_owned() } else { format!("{name}-{role}") };
        match &failure {
            Some(_) => saved.extend(save_artifacts(browser, &file).await),
            None => forget_old_artifacts(&file),
        }
    }
    for (_, browser) in browsers {
        browser.client().clone().close().await.ok();
    }
    if let Some(failure) = failure {
        saved.push(format!("server log {}", artifacts_dir().join("gil-lab.log").display()));
        panic!("{name} failed: {failure}\nsaved: {}", saved.join(", "));
    }
}

/// Saves the page as `target/browser-screenshots/look-<name>-<n>.png`, a screenful each, when
/// `GIL_LAB_SNAPSHOTS` is set: for looking at pages by eye, not for the verdict.
pub async fn snapshot(browser: &Browser, name: &str) {
    snapshot_from(browser, name, "body").await;
}

/// [`snapshot`] from the top of the element `css` down.
pub async fn snapshot_from(browser: &Browser, name: &str, css: &str) {
    if std::env::var_os("GIL_LAB_SNAPSHOTS").is_none() {
        return;
    }
    let height = "const el = document.querySelector(arguments[0]) || document.body;
        const top = el.getBoundingClientRect().top + scrollY;
        return [innerHeight, document.documentElement.scrollHeight - top, top];";
    let Ok(size) = browser.js(height, vec![serde_json::json!(css)]).await else { return };
    let (screen, page) = (size[0].as_f64().unwrap_or(800.0), size[1].as_f64().unwrap_or(0.0));
    let top = size[2].as_f64().unwrap_or(0.0);
    let screens = ((page / screen).ceil() as usize).clamp(1, 8);
    for n in 0..screens {
        let scroll = format!("window.scrollTo(0, {}); return true;", top + n as f64 * screen);
        browser.js(&scroll, vec![]).await.ok();
        if let Ok(png) = browser.client().screenshot().await {
            std::fs::write(artifacts_dir().join(format!("look-{name}-{n}.png")), png).ok();
        }
    }
}

fn forget_old_artifacts(file: &str) {
    let dir = artifacts_dir();
    for ext in ["png", "html"] {
        std::fs::remove_file(dir.join(format!("{file}.{ext}"))).ok();
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "panicked".to_owned())
}

async fn save_artifacts(browser: &Browser, name: &str) -> Vec<String> {
    let dir = artifacts_dir();
    let mut saved = Vec::new();
    if let Ok(png) = browser.client().screenshot().await {
        let path = dir.join(format!("{name}.png"));
        if std::fs::write(&path, png).is_ok() {
            saved.push(path.display().to_string());
        }
    }
    if let Ok(html) = browser.client().source().await {
        let path = dir.join(format!("{name}.html"));
        if std::fs::write(&path, html).is_ok() {
            saved.push(path.display().to_string());
        }
    }
    if let Ok(url) = browser.client().current_url().await {
        saved.push(format!("at {url}"));
    }
    saved
}
