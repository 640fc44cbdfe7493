//! axe-core on every page type, learners' and instructors', in the states people see them in
//! (empty and filled, a form with its errors): no violation of impact serious or critical.

use anyhow::{Result, bail, ensure};

use crate::axe::audit_page;
use crate::flows::{
    CARD, CPU_LESSON, PAGE_LIMIT, finished_run, instructor_with_class, join, small_params, unique,
};
use crate::scenario::scenario;
use crate::session::{Browser, Viewport};

/// Collects each page's findings, then fails once with all of them.
#[derive(Default)]
struct Audit {
    failures: Vec<String>,
    /// Added to every page's name, e.g. " (dark)".
    suffix: &'static str,
}

impl Audit {
    /// Audits what `browser` shows now, under the name `page`.
    async fn here(&mut self, browser: &Browser, page: &str) -> Result<()> {
        let page = format!("{page}{}", self.suffix);
        let found = audit_page(browser).await?;
        let serious = found.serious.len();
        eprintln!("axe {page}: {serious} serious or critical; lesser: {:?}", found.lesser);
        if serious > 0 {
            self.failures.push(format!("{page}:\n  {}", found.serious.join("\n  ")));
        }
        Ok(())
    }

    async fn visit(&mut self, browser: &Browser, path: &str) -> Result<()> {
        browser.goto(path).await?;
        self.here(browser, path).await
    }

    fn verdict(self) -> Result<()> {
        if self.failures.is_empty() {
            return Ok(());
        }
        bail!("serious accessibility violations (axe-core):\n{}", self.failures.join("\n"))
    }
}

#[tokio::test]
async fn learner_pages_have_no_serious_accessibility_violations() {
    scenario("a11y_learner_pages", async |lab| {
        let b = lab.desktop().await?;
        let mut audit = Audit::default();
        audit.visit(&b, "/").await?;
        let links = "return [...document.querySelectorAll('.lesson-item__link')].map((a) => a.getAttribute('href'));";
        let lessons: Vec<String> = serde_json::from_value(b.js(links, vec![]).await?)?;
        for lesson in &lessons {
            audit.visit(&b, lesson).await?;
        }
        for page in ["/me", "/environment", "/no-such-page", "/runs/no-such-run", "/join"] {
            audit.visit(&b, page).await?;
        }
        b.fill("#code", "없는코드").await?;
        b.click("form[action='/join'] button[type=submit]").await?;
        b.wait_for(".field__error", PAGE_LIMIT).await?;
        audit.here(&b, "/join with errors").await?;
        // A lesson after a run: the card with its live result panel, prediction verdict and
        // the box for an explanation.
        b.goto(CPU_LESSON).await?;
        small_params(&b).await?;
        b.fill(&format!("{CARD} [data-prediction=number]"), "2").await?;
        b.click(&format!("{CARD} details.run-form__code > summary")).await?;
        b.wait_for(&format!("{CARD} .gil-editor"), PAGE_LIMIT).await?;
        b.click(&format!("{CARD} [data-run-button]")).await?;
        let (id, _) = finished_run(&b).await?;
        audit.here(&b, "a lesson with a finished run, code open").await?;
        audit.visit(&b, &format!("/runs/{id}")).await?;
        // At the defaults: the run beside the lesson's figure (and a rerun offer when busy).
        b.goto(CPU_LESSON).await?;
        b.click(&format!("{CARD} [data-run-button]")).await?;
        let (id, _) = finished_run(&b).await?;
        b.wait_for(&format!("{CARD} [data-claim-check]"), PAGE_LIMIT).await?;
        audit.here(&b, "a lesson with a run at the defaults, beside the lesson's figure").await?;
        audit.visit(&b, &format!("/runs/{id}")).await?;
        audit.visit(&b, "/me").await?;
        audit.verdict()
    })
    .await;
}

#[tokio::test]
async fn instructor_pages_have_no_serious_accessibility_violations() {
    scenario("a11y_instructor_pages", async |lab| {
        let teacher = lab.open("instructor", Viewport::Desktop).await?;
        let mut audit = Audit::default();
        audit.visit(&teacher, "/instructor/login").await?;
        audit.visit(&teacher, "/instructor/signup").await?;
        teacher.click("form[action='/instructor/signup'] button[type=submit]").await?;
        teacher.wait_for(".field__error", PAGE_LIMIT).await?;
        audit.here(&teacher, "/instructor/signup with errors").await?;
        let class = instructor_with_class(&teacher, &unique("접근성 반 ")).await?;
        audit.here(&teacher, "/classes/{id} (no learners yet)").await?;
        audit.visit(&teacher, "/classes").await?;

        let learner = lab.open("learner", Viewport::Desktop).await?;
        learner.goto(&class.join_path).await?;
        audit.here(&learner, "/join?code=…").await?;
        join(&learner, &class, "최하준").await?;
        audit.here(&learner, "the joined page with a resume code").await?;
        learner.goto(CPU_LESSON).await?;
        small_params(&learner).await?;
        learner.fill(&format!("{CARD} [data-prediction=number]"), "1.8").await?;
        learner.click(&format!("{CARD} [data-run-button]")).await?;
        let (id, _) = finished_run(&learner).await?;
        learner.fill(&format!("#explain-{id}"), "프로세스는 GIL을 나눠 쓰지 않습니다.").await?;
        learner.click(&format!("{CARD} form[data-explain-form] button[type=submit]")).await?;
        let saved = format!("return document.querySelector('{CARD} [data-explain-message]').textContent === '저장했습니다.';");
        learner.wait("the explanation to be saved", PAGE_LIMIT, &saved).await?;
        // A second run with edited code: the instructor's learner page shows its diff.
        let edit = format!(
            "const t = document.querySelector('{CARD}-code'); t.value += '\\n# 고친 줄\\n';
             t.dispatchEvent(new Event('input', {{ bubbles: true }})); return true;"
        );
        learner.js(&edit, vec![]).await?;
        learner.click(&format!("{CARD} [data-run-button]")).await?;
        let edited = format!(
            "return document.querySelector('{CARD} [data-run-panel]')?.dataset.runId !== '{id}';"
        );
        learner.wait("the second run to start", PAGE_LIMIT, &edited).await?;
        finished_run(&learner).await?;

        let base = format!("/classes/{}", class.id);
        audit.visit(&teacher, &base).await?;
        let learner_link = "return document.querySelector('#class-live a[href*=\"/learners/\"]').getAttribute('href');";
        let learner_page = teacher.js(learner_link, vec![]).await?;
        let learner_page = learner_page.as_str().unwrap_or_default().to_owned();
        // The learner's page, its code diff opened (axe skips what is hidden).
        teacher.goto(&learner_page).await?;
        let open_diff = "const d = document.querySelector('details.code-diff');
                         if (!d) return null; d.open = true; return d.textContent;";
        let diff = teacher.js(open_diff, vec![]).await?;
        ensure!(diff.as_str().is_some_and(|d| d.contains("고친 줄")), "the diff: {diff}");
        audit.here(&teacher, &format!("{learner_page} (code diff open)")).await?;
        for page in [
            format!("{base}/experiments/cpu-bound"),
            format!("{base}/settings"),
            format!("{base}/projector"),
            "/classes".to_owned(),
        ] {
            audit.visit(&teacher, &page).await?;
        }
        audit.visit(&teacher, &format!("/runs/{id}")).await?;
        // Logged out, a wrong password: the login form with its error.
        teacher.goto("/classes").await?;
        teacher.click(".instructor-bar__logout button").await?;
        teacher.goto("/instructor/login").await?;
        teacher.fill("#email", "nobody@school.test").await?;
        teacher.fill("#password", "wrong password").await?;
        teacher.click("form[action='/instructor/login'] button[type=submit]").await?;
        teacher.wait_for(".form-error", PAGE_LIMIT).await?;
        audit.here(&teacher, "/instructor/login after a wrong password").await?;
        audit.verdict()
    })
    .await;
}

#[tokio::test]
async fn pages_in_the_dark_colour_scheme_have_no_serious_accessibility_violations() {
    scenario("a11y_dark_pages", async |lab| {
        let b = lab.open("", Viewport::Dark).await?;
        b.goto("/").await?;
        let dark = b.js("return matchMedia('(prefers-color-scheme: dark)').matches;", vec![]);
        ensure!(dark.await? == true, "the browser asks for the dark scheme");
        let mut audit = Audit { suffix: " (dark)", ..Audit::default() };
        audit.here(&b, "/").await?;
        for page in ["/environment", "/join", "/instructor/login", "/no-such-page"] {
            audit.visit(&b, page).await?;
        }
        b.goto(CPU_LESSON).await?;
        small_params(&b).await?;
        b.fill(&format!("{CARD} [data-prediction=number]"), "2").await?;
        b.click(&format!("{CARD} [data-run-button]")).await?;
        let (id, _) = finished_run(&b).await?;
        audit.here(&b, "a lesson with a finished run").await?;
        audit.visit(&b, &format!("/runs/{id}")).await?;
        audit.visit(&b, "/me").await?;
        audit.verdict()
    })
    .await;
}
