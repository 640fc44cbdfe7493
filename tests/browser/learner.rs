//! A learner's scenarios: reading a lesson, running the CPU experiment and watching it live,
//! editing its code, cancelling a run, predicting and explaining.

use std::time::Duration;

use anyhow::ensure;
use fantoccini::key::Key;
use serde_json::Value;

use crate::flows::{CARD, CPU_LESSON, PAGE_LIMIT, RUN_LIMIT, finished_run, small_params, string};
use crate::scenario::scenario;

#[tokio::test]
async fn a_lesson_reads_with_its_tables_code_callouts_and_experiment_card() {
    scenario("read_a_lesson", async |lab| {
        let b = lab.desktop().await?;
        b.goto("/").await?;
        b.click(&format!("a[href='{CPU_LESSON}']")).await?;
        let here = format!("return location.pathname === '{CPU_LESSON}';");
        b.wait("the lesson from the index", PAGE_LIMIT, &here).await?;
        let lang = b.js("return document.documentElement.lang;", vec![]).await?;
        ensure!(lang == "ko", "pages are Korean: lang={lang}");
        ensure!(b.text("h1").await?.contains("스레드"), "the lesson's title");
        for part in [".prose table", ".prose pre.code", ".prose .callout-correction", CARD] {
            b.find(part).await?;
        }
        ensure!(b.text(&format!("{CARD} [data-run-button]")).await? == "실험 실행", "run button");
        // The table of contents leads to its section.
        let toc = b.find(".toc--side a[href^='#']").await?;
        let target = toc.attr("href").await?.unwrap_or_default();
        toc.click().await?;
        let hash = b.js("return decodeURIComponent(location.hash);", vec![]).await?;
        ensure!(hash == target.as_str(), "the contents link moved to {hash}");
        // Hangul in the self-hosted font, not in boxes or a fallback.
        let font = "const done = arguments[0]; document.fonts.ready.then(() => done(
            [...document.fonts].some((f) => f.family.includes('Pretendard') && f.status === 'loaded')));";
        ensure!(b.js_async(font, vec![]).await? == Value::Bool(true), "Pretendard is loaded");
        b.click("a[rel='next']").await?;
        let next = "return location.pathname === '/lessons/threading-vs-multiprocessing';";
        b.wait("the next lesson", PAGE_LIMIT, next).await?;
        Ok(())
    })
    .await;
}

/// Records every text the card's status line shows, as it changes.
const WATCH_STATUS: &str = "
    const live = document.querySelector('#exp-cpu-bound [data-run-live]');
    window.seenStatuses = [];
    window.samePage = true;
    const note = () => {
      const line = live.querySelector('.run-status');
      const text = line ? line.textContent.trim().replace(/\\s+/g, ' ') : null;
      if (text && window.seenStatuses[window.seenStatuses.length - 1] !== text)
        window.seenStatuses.push(text);
    };
    new MutationObserver(note).observe(live, { childList: true, subtree: true, characterData: true });
    return true;";

#[tokio::test]
async fn the_cpu_experiment_shows_its_queue_its_progress_and_then_the_timeline_live() {
    scenario("timeline_appears_live", async |lab| {
        let b = lab.desktop().await?;
        b.goto(CPU_LESSON).await?;
        small_params(&b).await?;
        b.js(WATCH_STATUS, vec![]).await?;
        b.click(&format!("{CARD} [data-run-button]")).await?;
        // The panel is swapped as events arrive: read the chart in one go, as it first appears.
        // The services build the GIL recorder, so it is the GIL timeline that appears.
        let chart = format!(
            "const svg = document.querySelector('{CARD} [data-run-live] .gil__svg');
             return svg && [svg.querySelectorAll('.gil__bar').length, svg.getAttribute('aria-label')];"
        );
        let chart = b.wait("a timeline to appear", RUN_LIMIT, &chart).await?;
        ensure!(chart[0].as_u64() >= Some(2), "the timeline draws its spans: {chart}");
        ensure!(chart[1].as_str().is_some_and(|l| !l.is_empty()), "a text alternative: {chart}");
        let (_, status) = finished_run(&b).await?;
        ensure!(status == "완료", "the run ended as {status}");
        let seen = b.js("return window.samePage && window.seenStatuses;", vec![]).await?;
        let seen: Vec<String> = serde_json::from_value(seen)?;
        let at = |word: &str| seen.iter().position(|s| s.starts_with(word));
        let (queued, running, done) = (at("대기 중"), at("실행 중"), at("완료"));
        ensure!(
            queued.is_some() && queued < running && running < done,
            "the status went 대기 중 → 실행 중 → 완료 on the same page: {seen:?}"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn code_typed_into_the_editor_runs_and_its_output_appears() {
    scenario("edit_code", async |lab| {
        let b = lab.desktop().await?;
        b.goto(CPU_LESSON).await?;
        b.click(&format!("{CARD} details.run-form__code > summary")).await?;
        let editor = format!("{CARD} .gil-editor");
        b.wait_for(&editor, PAGE_LIMIT).await?;
        b.in_shadow(&editor, ".cm-content").await?.click().await?;
        b.chord(Key::Control.into(), 'a').await?;
        b.type_text("print(\"안녕\")").await?;
        let synced = b.value(&format!("{CARD}-code")).await?;
        ensure!(synced == "print(\"안녕\")", "the textarea follows the editor: {synced}");
        b.click(&format!("{CARD} [data-run-button]")).await?;
        let output = format!(
            "const pre = document.querySelector('{CARD} [data-run-live] .run-output__text');
             return pre && pre.textContent;"
        );
        let text = b.wait("the program's output", RUN_LIMIT, &output).await?;
        ensure!(string(&text, "stdout")?.contains("안녕"), "stdout shows the greeting: {text}");
        finished_run(&b).await?;
        let edited = b.text(&format!("{CARD} [data-run-live] .run-output__text")).await?;
        ensure!(edited.contains("안녕"), "the final panel keeps the output: {edited}");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_running_program_is_cancelled_with_the_cancel_button() {
    scenario("cancel_a_run", async |lab| {
        let b = lab.desktop().await?;
        b.goto(CPU_LESSON).await?;
        // The textarea is the editor's fallback and source of truth: setting it updates both.
        let sleeper = "import time\nprint('잠듭니다', flush=True)\ntime.sleep(30)\n";
        let set = format!(
            "const t = document.querySelector('{CARD}-code'); t.value = arguments[0];
             t.dispatchEvent(new Event('input', {{ bubbles: true }})); return true;"
        );
        b.js(&set, vec![Value::from(sleeper)]).await?;
        let cancel = b.find(&format!("{CARD} [data-cancel-button]")).await?;
        let shown_before = cancel.is_displayed().await?;
        b.click(&format!("{CARD} [data-run-button]")).await?;
        let output = format!(
            "const pre = document.querySelector('{CARD} [data-run-live] [data-live-stdout]');
             return !!pre && pre.textContent.includes('잠듭니다');"
        );
        b.wait("the sleeper to start", RUN_LIMIT, &output).await?;
        ensure!(cancel.is_displayed().await?, "취소 shows while the run goes on");
        ensure!(cancel.text().await? == "취소", "the button says 취소");
        let asked = std::time::Instant::now();
        cancel.click().await?;
        let (_, status) = finished_run(&b).await?;
        ensure!(status == "취소됨", "the run ended as {status}");
        ensure!(asked.elapsed() < Duration::from_secs(15), "cancelled in {:?}", asked.elapsed());
        let button = b.find(&format!("{CARD} [data-run-button]")).await?;
        ensure!(button.is_enabled().await?, "실험 실행 works again");
        let shown_after = cancel.is_displayed().await?;
        ensure!(
            !shown_before && !shown_after,
            "취소 must show only while a run goes on (shown before: {shown_before}, after: \
             {shown_after}): `.button {{ display: inline-block }}` in static/css/site.css \
             overrides the `hidden` attribute; add `[hidden] {{ display: none !important; }}`"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_prediction_is_judged_and_the_explanation_is_kept_with_the_run() {
    scenario("predict_and_explain", async |lab| {
        let b = lab.desktop().await?;
        b.goto(CPU_LESSON).await?;
        small_params(&b).await?;
        b.fill(&format!("{CARD} [data-prediction=number]"), "1.5").await?;
        b.click(&format!("{CARD} [data-run-button]")).await?;
        let (id, status) = finished_run(&b).await?;
        ensure!(status == "완료", "the run ended as {status}");
        let verdict = b.text(&format!("{CARD} .prediction-verdict")).await?;
        ensure!(verdict.contains("내 예측") && verdict.contains("1.5"), "the verdict: {verdict}");
        let why = "프로세스마다 GIL이 따로 있어서 코어를 나눠 씁니다.";
        b.fill(&format!("#explain-{id}"), why).await?;
        b.click(&format!("{CARD} form[data-explain-form] button[type=submit]")).await?;
        let saved = format!(
            "return document.querySelector('{CARD} [data-explain-message]').textContent === '저장했습니다.';"
        );
        b.wait("the explanation to be saved", PAGE_LIMIT, &saved).await?;
        b.goto(&format!("/runs/{id}")).await?;
        b.find(".prediction-verdict").await?;
        let kept = b.value(&format!("#explain-{id}")).await?;
        ensure!(kept == why, "the run page shows the saved explanation: {kept}");
        Ok(())
    })
    .await;
}
