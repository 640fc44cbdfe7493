//! A phone-sized viewport (390×844, touch): no page scrolls sideways, before or after a result
//! is drawn, and the experiment card fits the screen and runs.

use anyhow::{Result, ensure};
use serde_json::Value;

use crate::flows::{CARD, CPU_LESSON, PAGE_LIMIT, finished_run, finished_run_of, small_params};
use crate::scenario::scenario;
use crate::session::{Browser, Viewport};

/// [innerWidth, scrollWidth, the widest element that sticks out (if any)].
const WIDTH: &str = "
    const width = window.innerWidth;
    let worst = null;
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 1 && (!worst || r.right > worst.right)) {
        let clipped = false;
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
          const o = getComputedStyle(p).overflowX;
          if (o !== 'visible') { clipped = true; break; }
        }
        if (!clipped) worst = { right: r.right, what: el.tagName + '.' + el.className };
      }
    }
    return [width, document.scrollingElement.scrollWidth, worst && worst.what];";

async fn no_sideways_scroll(browser: &Browser, page: &str) -> Result<()> {
    let answer = browser.js(WIDTH, vec![]).await?;
    let (width, scroll) = (answer[0].as_f64().unwrap_or(0.0), answer[1].as_f64().unwrap_or(0.0));
    ensure!(width == 390.0, "the viewport is a phone's: innerWidth {width}");
    ensure!(scroll <= width, "{page} scrolls sideways: scrollWidth {scroll} > {width}; {answer}");
    Ok(())
}

#[tokio::test]
async fn on_a_phone_no_page_scrolls_sideways_and_the_card_runs() {
    scenario("phone_viewport", async |lab| {
        let b = lab.open("", Viewport::Phone).await?;
        b.goto("/").await?;
        no_sideways_scroll(&b, "/").await?;
        let links = "return [...document.querySelectorAll('.lesson-item__link')].map((a) => a.getAttribute('href'));";
        let lessons: Vec<String> = serde_json::from_value(b.js(links, vec![]).await?)?;
        ensure!(lessons.len() >= 8, "the index lists the lessons: {lessons:?}");
        for page in lessons.iter().map(String::as_str).chain(["/me", "/environment", "/join"]) {
            b.goto(page).await?;
            no_sideways_scroll(&b, page).await?;
        }

        b.goto(CPU_LESSON).await?;
        let fits = format!(
            "return [...document.querySelectorAll('{CARD} input, {CARD} select, {CARD} button:not([hidden])')]
               .filter((el) => el.getClientRects().length > 0)
               .filter((el) => {{ const r = el.getBoundingClientRect(); return r.left < 0 || r.right > innerWidth; }})
               .map((el) => el.id || el.textContent.trim());"
        );
        let outside = b.js(&fits, vec![]).await?;
        ensure!(outside == Value::Array(vec![]), "controls outside the screen: {outside}");
        small_params(&b).await?;
        let button = b.find(&format!("{CARD} [data-run-button]")).await?;
        let (_, _, w, h) = button.rectangle().await?;
        ensure!(w >= 44.0 && h >= 24.0, "the run button is big enough to tap: {w}×{h}");
        button.click().await?;
        let (_, status) = finished_run(&b).await?;
        ensure!(status == "완료", "the run ended as {status}");
        b.wait_for(&format!("{CARD} .gil__svg"), PAGE_LIMIT).await?;
        no_sideways_scroll(&b, "the lesson with a result").await?;
        // The GIL timeline keeps its size and scrolls inside its figure: its text stays readable.
        let chart = format!(
            "const svg = document.querySelector('{CARD} .gil__svg');
             const label = svg.querySelector('.gil__label').getBoundingClientRect();
             const figure = svg.closest('figure');
             return [label.height, figure.scrollWidth > figure.clientWidth];"
        );
        let chart = b.js(&chart, vec![]).await?;
        ensure!(chart[0].as_f64() >= Some(10.0), "lane labels at least 10 px tall: {chart}");
        ensure!(chart[1] == Value::Bool(true), "the GIL chart scrolls sideways in its figure: {chart}");
        Ok(())
    })
    .await;
}

/// The free-threaded card on a phone: one program on three runtimes, and the table says which
/// row ran where (on the free-threaded CPython that `.ci/install-runtimes` builds if missing).
#[tokio::test]
async fn on_a_phone_the_free_threaded_card_shows_which_runtime_each_row_ran_on() {
    scenario("phone_runtimes", async |lab| {
        let card = "#exp-free-threaded";
        crate::runtimes::ensure_runtimes();
        let b = lab.open("", Viewport::Phone).await?;
        b.goto("/lessons/ways-around").await?;
        b.fill(&format!("{card}-iterations"), "1000000").await?;
        b.click(&format!("{card} [data-run-button]")).await?;
        let (_, status) = finished_run_of(&b, card).await?;
        ensure!(status == "완료", "the run ended as {status}");
        let table = format!(
            "const t = document.querySelector('{card} [data-run-live] .result-table');
             return t && [...t.querySelectorAll('th[scope=col]')].map((th) => th.textContent.trim())
               .concat([...t.querySelectorAll('.result-table__runtime')].map((td) => td.textContent.trim()));"
        );
        let cells: Vec<String> = serde_json::from_value(b.wait("the table", PAGE_LIMIT, &table).await?)?;
        ensure!(cells.iter().any(|c| c == "런타임"), "a runtime column: {cells:?}");
        ensure!(cells.iter().any(|c| c.ends_with("t · GIL 꺼짐")), "the GIL-off rows: {cells:?}");
        ensure!(cells.iter().any(|c| c.ends_with("t · GIL 켜짐")), "the GIL-on rows: {cells:?}");
        no_sideways_scroll(&b, "the ways-around lesson with a result").await?;
        Ok(())
    })
    .await;
}
