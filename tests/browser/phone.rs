//! A phone-sized viewport (390×844, touch): no page scrolls sideways, before or after a result
//! is drawn, the experiment card fits the screen and runs, and the instructor's dashboard keeps
//! its names readable and shows that its tables scroll.

use anyhow::{Result, ensure};
use serde_json::Value;

use crate::charts::text_is_readable_and_inside;
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
        // The work's timeline, or the GIL's where the server records it.
        // The services build the GIL recorder, so the CPU card's result is a GIL timeline.
        b.wait_for(&format!("{CARD} .gil__svg"), PAGE_LIMIT).await?;
        no_sideways_scroll(&b, "the lesson with a result").await?;
        // The charts, the GIL timeline too, re-flow to the phone's width: their text is not
        // scaled down to 4-5 px, and no figure scrolls sideways out of the keyboard's reach.
        text_is_readable_and_inside(&b, "the lesson with a result").await?;
        crate::scenario::snapshot_from(&b, "phone_cpu_card", "#exp-cpu-bound .run-result").await;
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

#[tokio::test]
async fn on_a_phone_the_dashboard_keeps_the_experiment_column_readable_and_shows_it_scrolls() {
    scenario("charts_dashboard_phone", async |lab| {
        let teacher = lab.open("instructor", Viewport::Phone).await?;
        let class = crate::flows::instructor_with_class(&teacher, &crate::flows::unique("폰 반 ")).await?;
        teacher.goto(&format!("/classes/{}", class.id)).await?;
        let widths = "
            const table = document.querySelector('#class-live table');
            const wrap = table.closest('.table-wrap');
            return [[...table.querySelectorAll('tbody th[scope=row]')].map((th) => th.getBoundingClientRect().width),
                    wrap.scrollWidth > wrap.clientWidth, getComputedStyle(wrap).backgroundImage];";
        let answer = teacher.js(widths, vec![]).await?;
        let widths: Vec<f64> = serde_json::from_value(answer[0].clone())?;
        ensure!(widths.len() >= 10, "the experiments are listed: {answer}");
        ensure!(widths.iter().all(|w| *w >= 120.0), "titles keep their width: {widths:?}");
        if answer[1] == Value::Bool(true) {
            let shadow = answer[2].as_str().unwrap_or("");
            ensure!(shadow.contains("radial-gradient"), "a table that scrolls shows it: {answer}");
        }
        crate::scenario::snapshot(&teacher, "charts_dashboard-phone").await;
        Ok(())
    })
    .await;
}
