//! axe-core (vendored, `vendor/README.md`) run on the page a browser shows: the violations of
//! impact "serious" or "critical", each with the elements it found, ready to print.

use anyhow::{Context, Result};
use serde_json::Value;

use crate::session::Browser;

const AXE: &str = include_str!("vendor/axe.min.js");

/// What axe found on one page.
pub struct Findings {
    /// One readable paragraph per violation of impact serious or critical.
    pub serious: Vec<String>,
    /// `impact:rule-id` of the moderate and minor ones, reported but not failed on.
    pub lesser: Vec<String>,
}

/// Runs axe on the whole current page.
pub async fn audit_page(browser: &Browser) -> Result<Findings> {
    let loaded = browser.js("return typeof window.axe === 'object';", vec![]).await?;
    if loaded != Value::Bool(true) {
        browser.js(&format!("{AXE}\nreturn true;"), vec![]).await.context("inject axe-core")?;
    }
    let script = r#"
        const done = arguments[arguments.length - 1];
        axe.run(document, { resultTypes: ["violations"] })
          .then((r) => done(JSON.stringify(r.violations)))
          .catch((e) => done(JSON.stringify({ error: String(e) })));
    "#;
    let answer = browser.js_async(script, vec![]).await.context("run axe-core")?;
    let text = answer.as_str().context("axe answered no JSON")?;
    let violations: Value = serde_json::from_str(text).context("axe's JSON")?;
    if let Some(error) = violations.get("error") {
        anyhow::bail!("axe-core failed: {error}");
    }
    let list = violations.as_array().context("axe's violations")?;
    let (serious, lesser): (Vec<&Value>, Vec<&Value>) = list.iter().partition(|v| is_serious(v));
    Ok(Findings {
        serious: serious.into_iter().map(describe).collect(),
        lesser: lesser
            .into_iter()
            .map(|v| {
                format!(
                    "{}:{}",
                    v["impact"].as_str().unwrap_or("?"),
                    v["id"].as_str().unwrap_or("?")
                )
            })
            .collect(),
    })
}

fn is_serious(violation: &Value) -> bool {
    matches!(violation["impact"].as_str(), Some("serious" | "critical"))
}

fn describe(violation: &Value) -> String {
    let mut text = format!(
        "[{}] {}: {} ({})",
        violation["impact"].as_str().unwrap_or("?"),
        violation["id"].as_str().unwrap_or("?"),
        violation["help"].as_str().unwrap_or(""),
        violation["helpUrl"].as_str().unwrap_or(""),
    );
    let nodes = violation["nodes"].as_array().cloned().unwrap_or_default();
    for node in nodes.iter().take(8) {
        let html: String = node["html"].as_str().unwrap_or("").chars().take(160).collect();
        let summary = node["failureSummary"].as_str().unwrap_or("").replace('\n', " ");
        text.push_str(&format!("\n      at {} {html}\n         {summary}", node["target"]));
    }
    if nodes.len() > 8 {
        text.push_str(&format!("\n      … and {} more", nodes.len() - 8));
    }
    text
}
