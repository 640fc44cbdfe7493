//! A run that fails at a line of the program marks that line in the code editor, on a desktop
//! and on a phone; "코드에서 이 줄 보기" opens the code there, and the next run clears the mark.

use anyhow::{Result, ensure};
use serde_json::Value;

use crate::flows::{CARD, CPU_LESSON, PAGE_LIMIT, finished_run};
use crate::scenario::scenario;
use crate::session::{Browser, Viewport};

const BROKEN: &str = "import time\nsteps = 3\nprint(undefined_name)\n";

/// [line number, text] of each marked line in the card's editor (inside its shadow root).
const MARKED: &str = "
    const host = document.querySelector('#exp-cpu-bound .gil-editor');
    const lines = [...host.shadowRoot.querySelectorAll('.cm-line')];
    return lines.filter((l) => l.classList.contains('cm-gil-error-line'))
      .map((l) => [l.dataset.errorLine, lines.indexOf(l) + 1, l.textContent]);";

async fn set_code(b: &Browser, code: &str) -> Result<()> {
    let set = format!(
        "const t = document.querySelector('{CARD}-code'); t.value = arguments[0];
         t.dispatchEvent(new Event('input', {{ bubbles: true }})); return true;"
    );
    b.js(&set, vec![Value::from(code)]).await?;
    Ok(())
}

async fn the_failed_line_is_marked(b: &Browser) -> Result<()> {
    b.goto(CPU_LESSON).await?;
    b.wait_for(&format!("{CARD} .gil-editor"), PAGE_LIMIT).await?;
    set_code(b, BROKEN).await?;
    b.click(&format!("{CARD} [data-run-button]")).await?;
    let (_, status) = finished_run(b).await?;
    ensure!(status == "실패", "the run ended as {status}");
    let marked = b
        .wait(
            "the marked line",
            PAGE_LIMIT,
            &format!("const m = (() => {{{MARKED}}})(); return m.length && m;"),
        )
        .await?;
    let marked: Vec<(String, usize, String)> = serde_json::from_value(marked)?;
    ensure!(
        marked.len() == 1 && marked[0].0 == "3" && marked[0].1 == 3,
        "line 3 alone is marked: {marked:?}"
    );
    ensure!(marked[0].2.contains("undefined_name"), "the line that failed: {marked:?}");
    b.click(&format!("{CARD} [data-run-live] .run-error__go")).await?;
    let there = format!(
        "return document.querySelector('{CARD} details.run-form__code').open
           && document.activeElement === document.querySelector('{CARD} .gil-editor');"
    );
    b.wait("the code opened at the line, the editor focused", PAGE_LIMIT, &there).await?;
    set_code(b, "print('고쳤습니다')\n").await?;
    b.click(&format!("{CARD} [data-run-button]")).await?;
    let cleared = format!("return (() => {{{MARKED}}})().length === 0;");
    b.wait("the mark cleared by the next run", PAGE_LIMIT, &cleared).await?;
    finished_run(b).await?;
    Ok(())
}

#[tokio::test]
async fn on_a_desktop_a_failed_runs_line_is_marked_in_the_editor() {
    scenario("error_line_desktop", async |lab| {
        let b = lab.desktop().await?;
        the_failed_line_is_marked(&b).await
    })
    .await;
}

#[tokio::test]
async fn on_a_phone_a_failed_runs_line_is_marked_in_the_editor() {
    scenario("error_line_phone", async |lab| {
        let b = lab.open("", Viewport::Phone).await?;
        the_failed_line_is_marked(&b).await
    })
    .await;
}
