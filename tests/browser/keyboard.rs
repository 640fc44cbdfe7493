//! The CPU experiment's card used with the keyboard alone: Tab from the top of the page to the
//! card, through its fields in order, into the code editor (where Tab indents) and out of it
//! with Esc then Tab, and a run started from the keyboard, after which focus is still on the
//! card. Every stop shows its focus.

use anyhow::{Result, bail, ensure};
use fantoccini::key::Key;
use serde_json::Value;

use crate::flows::{CARD, CPU_LESSON, finished_run};
use crate::scenario::scenario;
use crate::session::Browser;

/// Where focus is, and whether it can be seen: `:focus-visible` with a real outline (inside the
/// editor's shadow root, the focused `.cm-editor` carries it).
const FOCUS: &str = "
    const el = document.activeElement;
    if (!el || el === document.body) return { where: 'body', visible: false };
    const editor = el.classList.contains('gil-editor') && el.shadowRoot
      ? el.shadowRoot.querySelector('.cm-editor.cm-focused') : null;
    const ringed = editor || el;
    const style = getComputedStyle(ringed);
    const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    return {
      where: el.id ? '#' + el.id : el.tagName.toLowerCase() + '.' + el.className + ' ' + (el.textContent || '').trim().slice(0, 30),
      inner: el.shadowRoot && el.shadowRoot.activeElement ? el.shadowRoot.activeElement.className : null,
      visible: outlined && (editor !== null || el.matches(':focus-visible')),
      editor: editor !== null,
      matches: arguments[0] ? el.matches(arguments[0]) : false,
    };";

async fn focus(browser: &Browser, css: &str) -> Result<Value> {
    browser.js(FOCUS, vec![Value::from(css)]).await
}

/// Presses Tab and checks that focus landed, visibly, on `css`.
async fn tab_to(browser: &Browser, css: &str) -> Result<()> {
    browser.press(&[Key::Tab.into()]).await?;
    expect_focus(browser, css).await
}

/// Checks that focus is, visibly, on `css` ("editor": inside the code editor). CodeMirror marks
/// itself focused a frame after the focus event, so this looks a few times before it decides.
async fn expect_focus(browser: &Browser, css: &str) -> Result<()> {
    let mut now = Value::Null;
    for _ in 0..10 {
        now = focus(browser, css).await?;
        let there = now["matches"] == true || (css == "editor" && now["editor"] == true);
        if there && now["visible"] == true {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    bail!("focus should be, visibly, on {css}; it is {now}")
}

#[tokio::test]
async fn the_experiment_card_works_from_the_keyboard_alone() {
    scenario("keyboard_only", async |lab| {
        let b = lab.desktop().await?;
        b.goto(CPU_LESSON).await?;
        // From the top of the page, Tab until the card's first field; every stop shows focus.
        let first = format!("{CARD}-workers");
        let mut hidden = Vec::new();
        let mut reached = false;
        for _ in 0..200 {
            b.press(&[Key::Tab.into()]).await?;
            let now = focus(&b, &first).await?;
            if now["visible"] != true {
                hidden.push(now["where"].to_string());
            }
            if now["matches"] == true {
                reached = true;
                break;
            }
        }
        ensure!(reached, "Tab never reached {first}");
        ensure!(hidden.is_empty(), "focus was invisible on: {hidden:?}");

        b.chord(Key::Control.into(), 'a').await?;
        b.press(&['2']).await?;
        tab_to(&b, &format!("{CARD}-iterations")).await?;
        b.chord(Key::Control.into(), 'a').await?;
        b.type_text("1000000").await?;
        let typed = (b.value(&first).await?, b.value(&format!("{CARD}-iterations")).await?);
        ensure!(typed == ("2".into(), "1000000".into()), "typed parameters: {typed:?}");
        tab_to(&b, &format!("{CARD}-start_method")).await?;
        tab_to(&b, &format!("{CARD} [data-prediction=number]")).await?;
        let summary = format!("{CARD} details.run-form__code > summary");
        tab_to(&b, &summary).await?;
        b.press(&[Key::Space.into()]).await?;
        let open = format!("return document.querySelector('{CARD} details.run-form__code').open;");
        ensure!(b.js(&open, vec![]).await? == true, "Space opens the code");

        // In the editor Tab indents and keeps focus; Esc then Tab leaves.
        tab_to(&b, "editor").await?;
        let code = format!("return document.querySelector('{CARD}-code').value;");
        let original = b.js(&code, vec![]).await?;
        b.press(&[Key::Tab.into()]).await?;
        expect_focus(&b, "editor").await?;
        let indented = b.js(&code, vec![]).await?;
        ensure!(
            indented.as_str().is_some_and(|c| c.starts_with("    ")),
            "Tab indents: {indented}"
        );
        b.chord(Key::Shift.into(), Key::Tab.into()).await?;
        ensure!(b.js(&code, vec![]).await? == original, "Shift-Tab takes the indent back");
        b.press(&[Key::Escape.into()]).await?;
        tab_to(&b, &format!("{CARD} [data-reset-code]")).await?;

        tab_to(&b, &format!("{CARD} [data-run-button]")).await?;
        b.press(&[Key::Enter.into()]).await?;
        let (_, status) = finished_run(&b).await?;
        ensure!(status == "완료", "the run started with Enter ended as {status}");
        // Focus stayed on the card: on the run button again once the run is over.
        expect_focus(&b, &format!("{CARD} [data-run-button]")).await?;
        // Two workers, as typed: the work's timeline or the GIL's has lanes 작업자 0 and 1 only.
        let lanes = format!(
            "return [...document.querySelectorAll('{CARD} .run-result svg text')]
               .map((t) => t.textContent).filter((t) => /^작업자 \\d+$/.test(t));"
        );
        let lanes: Vec<String> = serde_json::from_value(b.js(&lanes, vec![]).await?)?;
        let two = lanes.iter().any(|l| l == "작업자 1") && !lanes.iter().any(|l| l == "작업자 2");
        ensure!(two, "the result of the typed parameters: {lanes:?}");
        Ok(())
    })
    .await;
}
