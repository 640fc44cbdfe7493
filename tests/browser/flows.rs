//! Steps several scenarios share: the CPU experiment's card on its lesson, an instructor who
//! signs up and makes a class, a learner who joins it.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use serde_json::Value;

use crate::session::Browser;

pub const CPU_LESSON: &str = "/lessons/threading-bottleneck";
pub const CARD: &str = "#exp-cpu-bound";
/// A run waits behind the other tests' runs (the server executes one at a time).
pub const RUN_LIMIT: Duration = Duration::from_secs(120);
pub const PAGE_LIMIT: Duration = Duration::from_secs(20);

/// A name no other test (or earlier run of the suite) uses.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{prefix}{}x{}x{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Two workers, a million iterations each: a run of about a second.
pub async fn small_params(browser: &Browser) -> Result<()> {
    browser.fill(&format!("{CARD}-workers"), "2").await?;
    browser.fill(&format!("{CARD}-iterations"), "1000000").await
}

/// Waits until the card's run has ended and its panel is in; returns (run id, status label).
pub async fn finished_run(browser: &Browser) -> Result<(String, String)> {
    finished_run_of(browser, CARD).await
}

/// The same for the experiment card `card` (`#exp-free-threaded`).
pub async fn finished_run_of(browser: &Browser, card: &str) -> Result<(String, String)> {
    let script = format!(
        "const live = document.querySelector('{card} [data-run-live]');
         const panel = live.querySelector('[data-run-panel]');
         if (!live.querySelector('.run-permalink a') || !panel) return null;
         return [panel.dataset.runId, panel.querySelector('.run-status__label').textContent.trim()];"
    );
    let answer = browser.wait("the run to finish", RUN_LIMIT, &script).await?;
    let text = |i: usize| answer[i].as_str().map(str::to_owned).context("run id and status");
    Ok((text(0)?, text(1)?))
}

/// Opens the CPU lesson, runs the card with small parameters and waits for the end.
pub async fn run_small(browser: &Browser) -> Result<String> {
    browser.goto(CPU_LESSON).await?;
    small_params(browser).await?;
    browser.click(&format!("{CARD} [data-run-button]")).await?;
    let (id, status) = finished_run(browser).await?;
    ensure!(status == "완료", "the run {id} ended as {status}");
    Ok(id)
}

pub struct Class {
    pub id: String,
    /// As shown on the dashboard, e.g. `ABC-DEF`.
    pub code: String,
    /// The dashboard's join link, as a path: `/join?code=…`.
    pub join_path: String,
}

/// Signs up a new instructor in `browser` and creates a class; leaves the class page open.
pub async fn instructor_with_class(browser: &Browser, class_name: &str) -> Result<Class> {
    browser.goto("/instructor/signup").await?;
    let email = format!("{}@school.test", unique("t"));
    browser.fill("#email", &email).await?;
    browser.fill("#name", "김선생").await?;
    browser.fill("#password", "correct horse 42").await?;
    browser.fill("#password_confirm", "correct horse 42").await?;
    browser.click("form[action='/instructor/signup'] button[type=submit]").await?;
    // Sign-up signs no one in (it must not tell whether the email was free): log in next.
    let at_login = "return location.pathname === '/instructor/login' && !!document.querySelector('#password');";
    browser.wait("the login form after signing up", PAGE_LIMIT, at_login).await?;
    browser.fill("#email", &email).await?;
    browser.fill("#password", "correct horse 42").await?;
    browser.click("form[action='/instructor/login'] button[type=submit]").await?;
    let at_classes =
        "return location.pathname === '/classes' && !!document.querySelector('#name');";
    browser.wait("the class list after signing up", PAGE_LIMIT, at_classes).await?;
    browser.fill("#name", class_name).await?;
    browser.click("form[action='/classes'] button[type=submit]").await?;
    let on_class = "const m = location.pathname.match(/^\\/classes\\/(\\d+)$/); return m && m[1];";
    let id = browser.wait("the new class's page", PAGE_LIMIT, on_class).await?;
    let code = browser.text(".join-card__code").await?;
    let link = "const a = document.querySelector('.join-card__link a');
                return a && new URL(a.href).pathname + new URL(a.href).search;";
    let join_path = browser.js(link, vec![]).await?;
    Ok(Class {
        id: id.as_str().context("class id")?.to_owned(),
        code: code.trim().to_owned(),
        join_path: join_path.as_str().context("the dashboard's join link")?.to_owned(),
    })
}

/// Follows the class's join link in `browser` (the code comes prefilled) under `name`.
pub async fn join(browser: &Browser, class: &Class, name: &str) -> Result<()> {
    browser.goto(&class.join_path).await?;
    let prefilled = browser.js("return document.querySelector('#code').value;", vec![]).await?;
    let letters = |text: &str| text.chars().filter(char::is_ascii_alphanumeric).collect::<String>();
    ensure!(
        letters(prefilled.as_str().unwrap_or("")) == letters(&class.code),
        "the join form is not prefilled with {}: {prefilled}",
        class.code
    );
    browser.fill("#name", name).await?;
    browser.click("form[action='/join'] button[type=submit]").await?;
    let joined = "const h = document.querySelector('h1'); return !!h && h.textContent.includes('참여했습니다');";
    browser.wait("the page saying we joined", PAGE_LIMIT, joined).await?;
    Ok(())
}

/// The text of a JSON answer, or an error naming what was expected.
pub fn string(value: &Value, what: &str) -> Result<String> {
    value.as_str().map(str::to_owned).with_context(|| format!("{what}: {value}"))
}
