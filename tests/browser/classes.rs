//! A class seen from both sides, each in its own browser: an instructor signs up and makes a
//! class, a learner joins from its link and runs; the dashboard follows live; the CSV downloads.

use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use serde_json::Value;

use crate::flows::{PAGE_LIMIT, instructor_with_class, join, run_small, unique};
use crate::scenario::scenario;
use crate::session::Viewport;

#[tokio::test]
async fn a_learner_joins_a_class_from_its_link_and_is_on_the_roster() {
    scenario("join_a_class", async |lab| {
        let teacher = lab.open("instructor", Viewport::Desktop).await?;
        let class_name = unique("3학년 2반 ");
        let class = instructor_with_class(&teacher, &class_name).await?;
        ensure!(class.join_path.starts_with("/join?code="), "join link: {}", class.join_path);

        let learner = lab.open("learner", Viewport::Desktop).await?;
        join(&learner, &class, "김민준").await?;
        let code = learner.text(".resume-code__value").await?;
        let shape = code.len() == 14 && code.matches('-').count() == 2;
        ensure!(shape, "a resume code like XXXX-XXXX-XXXX: {code}");
        learner.goto("/join").await?;
        let memberships = learner.text(".form-card .notice").await?;
        ensure!(memberships.contains(&class_name), "/join lists the class: {memberships}");

        teacher.goto(&format!("/classes/{}", class.id)).await?;
        let row = teacher.js(&runs_of("김민준"), vec![]).await?;
        ensure!(row == 0, "the roster lists the learner, with no runs yet: {row}");
        Ok(())
    })
    .await;
}

/// The roster row of `name`: its run count, or null while it is not there.
fn runs_of(name: &str) -> String {
    format!(
        "const row = [...document.querySelectorAll('#class-live tbody tr')]
           .find((tr) => tr.querySelector('th').textContent.trim() === '{name}');
         return row ? Number(row.querySelector('td.num').textContent) : null;"
    )
}

#[tokio::test]
async fn the_instructors_dashboard_shows_a_learners_run_without_a_reload() {
    scenario("dashboard_updates_live", async |lab| {
        let teacher = lab.open("instructor", Viewport::Desktop).await?;
        let class = instructor_with_class(&teacher, &unique("실시간 반 ")).await?;
        let learner = lab.open("learner", Viewport::Desktop).await?;
        join(&learner, &class, "이서연").await?;

        teacher.goto(&format!("/classes/{}", class.id)).await?;
        let before = teacher.js(&runs_of("이서연"), vec![]).await?;
        ensure!(before == 0, "the roster shows the learner with no runs: {before}");
        teacher.js("window.stillHere = true; return true;", vec![]).await?;

        run_small(&learner).await?;
        let ran = Instant::now();
        let one = format!("return (() => {{ {} }})() === 1;", runs_of("이서연"));
        teacher.wait("the dashboard to count the run", Duration::from_secs(30), &one).await?;
        let still = teacher.js("return window.stillHere === true;", vec![]).await?;
        ensure!(still == Value::Bool(true), "the dashboard updated in place, not by a reload");
        ensure!(ran.elapsed() < Duration::from_secs(15), "updated after {:?}", ran.elapsed());
        let totals = teacher.text("#class-live .stat-grid").await?;
        ensure!(totals.contains("1번"), "the totals count the run: {totals}");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn the_class_csv_downloads_as_utf8_with_a_bom_and_holds_the_run() {
    scenario("class_csv", async |lab| {
        let teacher = lab.open("instructor", Viewport::Desktop).await?;
        let class = instructor_with_class(&teacher, &unique("CSV 반 ")).await?;
        let learner = lab.open("learner", Viewport::Desktop).await?;
        join(&learner, &class, "박지후").await?;
        let run_id = run_small(&learner).await?;

        teacher.goto(&format!("/classes/{}", class.id)).await?;
        let link = format!("a[href='/classes/{}/runs.csv'][download]", class.id);
        teacher.click(&link).await?;
        let file = teacher.downloads().join(format!("class-{}-runs.csv", class.id));
        let started = Instant::now();
        while !file.exists() && started.elapsed() < PAGE_LIMIT {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let bytes = std::fs::read(&file).with_context(|| format!("download {}", file.display()))?;
        ensure!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM: {:?}", &bytes[..3]);
        let text = String::from_utf8(bytes[3..].to_vec()).context("the CSV is UTF-8")?;
        let mut lines = text.split("\r\n");
        let header = lines.next().unwrap_or_default();
        ensure!(header.starts_with("\"학습자\",\"실험 ID\""), "header: {header}");
        let row = lines.find(|l| l.contains(&run_id)).context("the run's row")?;
        for cell in ["\"박지후\"", "\"cpu-bound\"", "\"완료\""] {
            ensure!(row.contains(cell), "the row has {cell}: {row}");
        }

        let head = format!(
            "const done = arguments[0]; fetch('/classes/{}/runs.csv').then((r) =>
               done([r.status, r.headers.get('content-type'), r.headers.get('content-disposition')]));",
            class.id
        );
        let answer = teacher.js_async(&head, vec![]).await?;
        ensure!(answer[0] == 200 && answer[1] == "text/csv; charset=utf-8", "{answer}");
        let attachment = answer[2].as_str().unwrap_or("").starts_with("attachment");
        ensure!(attachment, "a download, not a page: {answer}");
        // Only the instructor gets it: a learner is sent to the instructors' login.
        learner.goto(&format!("/classes/{}/runs.csv", class.id)).await?;
        let path = learner.path().await?;
        ensure!(path.starts_with("/instructor/login"), "a learner asking for the CSV is at {path}");
        Ok(())
    })
    .await;
}
