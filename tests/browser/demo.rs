//! A class demo (peer instruction) with an instructor and three learners, each in their own
//! browser: the instructor opens the CPU experiment for the class, three devices predict, the
//! projector counts them live, the instructor runs it once, and every device and the projector
//! show the measurement against the histogram of the class's predictions.

use std::rc::Rc;
use std::time::Duration;

use anyhow::{Result, ensure};

use crate::axe::audit_page;
use crate::flows::{PAGE_LIMIT, RUN_LIMIT, instructor_with_class, join, unique};
use crate::scenario::scenario;
use crate::session::{Browser, Viewport};

/// Predicts `value` on the learner's demo page and waits for the page to show it saved.
async fn predict(learner: &Browser, value: &str) -> Result<()> {
    learner.goto("/class/demo").await?;
    learner.wait_for("#demo-value", PAGE_LIMIT).await?;
    learner.fill("#demo-value", value).await?;
    learner.click("[data-demo-predict]").await?;
    let saved = format!(
        "const mine = document.querySelector('[data-demo-mine]');
         return !!mine && mine.textContent.trim().startsWith('{value}');"
    );
    learner.wait("the saved prediction", PAGE_LIMIT, &saved).await?;
    Ok(())
}

/// Clicks `css` on a page that swaps in fresh fragments as events arrive: when the element found
/// is replaced before the click lands (a stale reference), finds it again, a few times.
async fn click_fresh(browser: &Browser, css: &str) -> Result<()> {
    let mut tries = 0;
    loop {
        match browser.click(css).await {
            Err(error) if tries < 5 && format!("{error:#}").contains("stale") => tries += 1,
            other => return other,
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// No serious or critical axe-core finding on what `browser` shows now.
async fn accessible(browser: &Browser, page: &str) -> Result<()> {
    let found = audit_page(browser).await?;
    ensure!(found.serious.is_empty(), "{page}:\n  {}", found.serious.join("\n  "));
    Ok(())
}

const MEASURED: &str = "const m = document.querySelector('[data-demo-measured]');
     const h = document.querySelector('[data-demo-histogram] svg.hist__svg');
     return m && h && h.querySelector('.hist__measured') ? m.textContent.trim() : null;";

#[tokio::test]
async fn three_devices_predict_the_instructor_runs_once_and_all_see_the_histogram() {
    scenario("class_demo", async |lab| {
        let teacher = lab.open("instructor", Viewport::Desktop).await?;
        let class = instructor_with_class(&teacher, &unique("수업 실험 반 ")).await?;
        let mut learners: Vec<Rc<Browser>> = Vec::new();
        for (role, name) in [("learner1", "김민준"), ("learner2", "이서연"), ("learner3", "박지후")]
        {
            let learner = lab.open(role, Viewport::Phone).await?;
            join(&learner, &class, name).await?;
            learners.push(learner);
        }

        teacher.goto(&format!("/classes/{}/experiments/cpu-bound", class.id)).await?;
        teacher.click("form.demo-open button[type=submit]").await?;
        let projector = format!("return location.pathname === '/classes/{}/demo';", class.id);
        teacher.wait("the projector view", PAGE_LIMIT, &projector).await?;
        let question = teacher.text(".demo-question").await?;
        ensure!(question.contains("몇 배"), "the projector shows the question: {question}");

        for (learner, value) in learners.iter().zip(["1.8", "4", "3"]) {
            predict(learner, value).await?;
        }
        accessible(&learners[0], "a learner's demo page, predicted").await?;
        // The projector counts them without a reload.
        teacher.js("window.stillHere = true; return true;", vec![]).await?;
        let three = "const c = document.querySelector('[data-demo-count]');
                     return !!c && c.textContent.trim() === '3'
                       && !!document.querySelector('[data-demo-histogram] svg.hist__svg');";
        teacher.wait("three predictions on the projector", PAGE_LIMIT, three).await?;
        let still = teacher.js("return window.stillHere === true;", vec![]).await?;
        ensure!(still == serde_json::Value::Bool(true), "the count arrived in place");
        let summary = teacher.text("[data-demo-histogram] .hist__summary").await?;
        ensure!(summary.contains("학생 3명"), "the histogram of three predictions: {summary}");

        click_fresh(&teacher, "[data-demo-run-button]").await?;
        let measured =
            teacher.wait("the measurement on the projector", RUN_LIMIT, MEASURED).await?;
        accessible(&teacher, "the projector, measured").await?;
        let right = teacher.text("[data-demo-right]").await?;
        ensure!(right.starts_with("3명 중"), "how many were right: {right}");
        for learner in &learners {
            let seen = learner.wait("the measurement on a device", PAGE_LIMIT, MEASURED).await?;
            ensure!(seen == measured, "a device shows {seen}, the projector {measured}");
            // Read in one go: the page swaps in fresh fragments as events arrive.
            let verdict = "const v = document.querySelector('.prediction-verdict__title');
                           return v && v.textContent.trim();";
            let verdict = learner.wait("the device's verdict", PAGE_LIMIT, verdict).await?;
            let verdict = verdict.as_str().unwrap_or_default();
            ensure!(verdict.starts_with("예측"), "each device judges its own: {verdict}");
        }
        accessible(&learners[1], "a learner's demo page, measured").await?;
        // The class's histogram re-flows to the phone: its text keeps its size.
        crate::charts::text_is_readable_and_inside(&learners[1], "a learner's demo page").await?;
        crate::scenario::snapshot_from(&learners[1], "demo_phone", "[data-demo-histogram]").await;
        let runs: i64 = teacher
            .js("return document.querySelectorAll('[data-demo-run]').length;", vec![])
            .await?
            .as_i64()
            .unwrap_or(0);
        ensure!(runs == 1, "one run on the projector: {runs}");

        click_fresh(&teacher, "[data-demo-open-button]").await?;
        let opened = "return document.querySelector('[data-demo-state]')
                        ?.getAttribute('data-demo-phase') === 'opened';";
        teacher.wait("the demo opened for everyone", PAGE_LIMIT, opened).await?;
        let told = "return document.body.textContent.includes('모두에게 열었습니다');";
        learners[0].wait("the learner told it is open", Duration::from_secs(30), told).await?;
        Ok(())
    })
    .await;
}
