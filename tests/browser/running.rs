//! While a run executes, on a desktop and on a phone: the card counts the seconds up against the
//! run's limit, and its "내 이전 실행" list takes the run in when it ends, without a reload. The
//! resume code fits a phone's line and copies with one tap.

use anyhow::{Result, ensure};
use serde_json::Value;

use crate::flows::{
    CARD, CPU_LESSON, PAGE_LIMIT, RUN_LIMIT, finished_run, instructor_with_class, join,
    small_params, unique,
};
use crate::scenario::scenario;
use crate::session::{Browser, Viewport};

/// A program that runs for a few seconds, so the clock has time to tick.
const SLEEPER: &str = "import time\nprint('잠깐 잡니다', flush=True)\ntime.sleep(4)\n";

/// The texts the card's clock showed, in order, as the page changed.
const WATCH_CLOCK: &str = "
    const live = document.querySelector('#exp-cpu-bound [data-run-live]');
    window.seenClocks = [];
    window.samePage = true;
    const note = () => {
      const clock = live.querySelector('.run-status [data-live-clock]');
      const text = clock ? clock.textContent.trim() : null;
      if (text && window.seenClocks[window.seenClocks.length - 1] !== text) window.seenClocks.push(text);
    };
    new MutationObserver(note).observe(live, { childList: true, subtree: true, characterData: true });
    return true;";

async fn the_card_times_its_run_and_lists_it(b: &Browser) -> Result<()> {
    b.goto(CPU_LESSON).await?;
    let before = b
        .js(&format!("return document.querySelectorAll('{CARD} .run-history').length;"), vec![])
        .await?;
    ensure!(before == 0, "a new learner has no earlier runs: {before}");
    let set = format!(
        "const t = document.querySelector('{CARD}-code'); t.value = arguments[0];
         t.dispatchEvent(new Event('input', {{ bubbles: true }})); return true;"
    );
    b.js(&set, vec![Value::from(SLEEPER)]).await?;
    b.js(WATCH_CLOCK, vec![]).await?;
    b.click(&format!("{CARD} [data-run-button]")).await?;
    let ticked = "return window.seenClocks.filter((t) => t.includes('지남')).length >= 3;";
    b.wait("the clock to tick three times", RUN_LIMIT, ticked).await?;
    let (_, status) = finished_run(b).await?;
    ensure!(status == "완료", "the run ended as {status}");
    let seen: Vec<String> =
        serde_json::from_value(b.js("return window.seenClocks;", vec![]).await?)?;
    let running: Vec<&String> = seen.iter().filter(|t| t.contains("지남")).collect();
    let shape = clock_shape(running.first().map_or("", |s| s.as_str()));
    ensure!(shape, "the clock reads '· N초 지남 / 제한 M초': {seen:?}");
    let limits: std::collections::BTreeSet<&str> =
        running.iter().filter_map(|t| t.split("제한 ").nth(1)).collect();
    ensure!(limits.len() == 1, "one limit for the whole run: {seen:?}");
    let seconds: Vec<u64> = running
        .iter()
        .filter_map(|t| t.trim_start_matches(['·', ' ']).split('초').next()?.parse().ok())
        .collect();
    ensure!(
        seconds.windows(2).all(|w| w[0] <= w[1]) && seconds.last() > seconds.first(),
        "the seconds count up: {seen:?}"
    );
    let listed = format!(
        "const s = document.querySelector('{CARD} [data-run-history] .run-history summary');
         return window.samePage && s && s.textContent.trim();"
    );
    let summary = b.wait("the card's list of earlier runs", PAGE_LIMIT, &listed).await?;
    ensure!(summary == "내 이전 실행 1개", "the list counts the run: {summary}");
    Ok(())
}

/// `· 3초 지남 / 제한 40초` (or `1분 20초` forms), without a regex crate.
fn clock_shape(text: &str) -> bool {
    let Some((elapsed, limit)) = text.trim_start_matches(['·', ' ']).split_once(" 지남 / 제한 ")
    else {
        return false;
    };
    let korean_duration = |t: &str| t.ends_with('초') || t.ends_with('분');
    korean_duration(elapsed)
        && korean_duration(limit)
        && elapsed.starts_with(|c: char| c.is_ascii_digit())
}

#[tokio::test]
async fn on_a_desktop_the_running_card_counts_up_to_its_limit_and_lists_the_run_after() {
    scenario("running_clock_desktop", async |lab| {
        let b = lab.desktop().await?;
        the_card_times_its_run_and_lists_it(&b).await
    })
    .await;
}

#[tokio::test]
async fn on_a_phone_the_running_card_counts_up_to_its_limit_and_lists_the_run_after() {
    scenario("running_clock_phone", async |lab| {
        let b = lab.open("", Viewport::Phone).await?;
        the_card_times_its_run_and_lists_it(&b).await
    })
    .await;
}

#[tokio::test]
async fn on_a_phone_the_resume_code_stays_on_one_line_and_copies() {
    scenario("resume_code_phone", async |lab| {
        let teacher = lab.open("instructor", Viewport::Desktop).await?;
        let class = instructor_with_class(&teacher, &unique("반")).await?;
        let phone = lab.open("learner", Viewport::Phone).await?;
        join(&phone, &class, "폰학생").await?;
        let shape = "const code = document.querySelector('.resume-code__value');
                     const r = code.getBoundingClientRect();
                     return [code.getClientRects().length, r.left, r.right, innerWidth, code.textContent.trim()];";
        let shape = phone.js(shape, vec![]).await?;
        ensure!(shape[0] == 1, "the code is one unbroken line: {shape}");
        let (left, right, width) = (shape[1].as_f64(), shape[2].as_f64(), shape[3].as_f64());
        ensure!(
            left >= Some(0.0) && right <= width,
            "the code fits the screen: {shape}"
        );
        phone.click(".resume-code button[data-copy]").await?;
        let said = "return document.querySelector('#resume-code-copied').textContent.trim();";
        let said = phone.wait("the copy confirmation", PAGE_LIMIT, said).await?;
        ensure!(said == "복사했습니다.", "the button says it copied: {said}");
        let role = phone.js("return document.querySelector('#resume-code-copied').getAttribute('role');", vec![]).await?;
        ensure!(role == "status", "screen readers hear it: {role}");
        Ok(())
    })
    .await;
}

/// The panel offers "같은 설정으로 다시 실행" only for a run measured while other programs took
/// cores (or one that missed the lesson's point), which a test cannot order up; so the button is
/// put in as the panel renders it, and what it does is checked: the card follows the new run in
/// place, and the run's own page goes to the new run's page.
#[tokio::test]
async fn the_rerun_button_follows_the_same_run_again() {
    scenario("rerun_button", async |lab| {
        let b = lab.desktop().await?;
        b.goto(CPU_LESSON).await?;
        small_params(&b).await?;
        b.click(&format!("{CARD} [data-run-button]")).await?;
        let (id, _) = finished_run(&b).await?;
        let button = format!(
            "<p class=\"rerun\"><button type=\"button\" class=\"button\" data-rerun data-run-id=\"{id}\">같은 설정으로 다시 실행</button><span data-rerun-message role=\"status\"></span></p>"
        );
        let add = "document.querySelector(arguments[0]).insertAdjacentHTML('afterbegin', arguments[1]);
                   window.samePage = true; return true;";
        let panel = format!("{CARD} [data-run-panel]");
        b.js(add, vec![Value::from(panel.as_str()), Value::from(button.as_str())]).await?;
        b.click(&format!("{CARD} [data-rerun]")).await?;
        let other = format!(
            "return document.querySelector('{CARD} [data-run-panel]')?.dataset.runId !== '{id}';"
        );
        b.wait("another run in the card", RUN_LIMIT, &other).await?;
        let (twin, status) = finished_run(&b).await?;
        ensure!(twin != id && status == "완료", "the twin {twin} ended as {status}");
        let same = b.js("return window.samePage === true;", vec![]).await?;
        ensure!(same == true, "followed in place, without a reload");
        let summary = b.text(&format!("{CARD} [data-run-history] summary")).await?;
        ensure!(summary == "내 이전 실행 2개", "both runs listed: {summary}");

        b.goto(&format!("/runs/{twin}")).await?;
        let button = button.replace(&id, &twin);
        b.js(add, vec![Value::from("[data-run-panel]"), Value::from(button.as_str())]).await?;
        b.click("[data-rerun]").await?;
        let moved = format!(
            "return location.pathname.startsWith('/runs/') && location.pathname !== '/runs/{twin}';"
        );
        b.wait("the new run's page", PAGE_LIMIT, &moved).await?;
        Ok(())
    })
    .await;
}
