//! One browser session: its own Chromium (fresh profile, own cookies, own downloads folder) in
//! one of three looks (desktop, dark, phone), with the few verbs the scenarios use.

use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::services::services;

#[derive(Clone, Copy)]
pub enum Viewport {
    Desktop,
    /// Desktop size, the dark colour scheme (`prefers-color-scheme: dark`).
    Dark,
    /// 390×844 CSS pixels, touch, device pixel ratio 3: a common phone.
    Phone,
}

pub struct Browser {
    client: Client,
    base: String,
    downloads: std::path::PathBuf,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn open(viewport: Viewport) -> Result<Browser> {
        let services = services().map_err(|e| anyhow!(e))?;
        let profile = tempfile::Builder::new()
            .prefix("gil-lab-chromium-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"));
        let profile = profile.context("a fresh Chromium profile")?;
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--lang=ko-KR".to_owned(),
            // Smooth scrolling would move elements under WebDriver's clicks.
            "--force-prefers-reduced-motion".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let downloads = profile.path().join("downloads");
        let mut chrome = json!({
            "binary": "/usr/bin/chromium",
            "prefs": {
                "download.default_directory": downloads.display().to_string(),
                "download.prompt_for_download": false,
            },
        });
        match viewport {
            Viewport::Desktop => args.push("--window-size=1280,900".to_owned()),
            Viewport::Dark => {
                args.push("--window-size=1280,900".to_owned());
                args.push("--force-dark-mode".to_owned());
            }
            Viewport::Phone => {
                chrome["mobileEmulation"] = json!({
                    "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 3.0, "touch": true }
                });
            }
        }
        chrome["args"] = json!(args);
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": chrome,
            "timeouts": { "script": 60_000, "pageLoad": 30_000, "implicit": 0 },
        });
        let Value::Object(capabilities) = capabilities else { bail!("capabilities") };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&services.webdriver_url)
            .await
            .context("start a Chromium session through chromedriver")?;
        Ok(Browser { client, base: services.base_url.clone(), downloads, _profile: profile })
    }

    /// Where this browser saves what it downloads.
    pub fn downloads(&self) -> &std::path::Path {
        &self.downloads
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn goto(&self, path: &str) -> Result<()> {
        self.client.goto(&self.url(path)).await.with_context(|| format!("open {path}"))
    }

    /// The current page's path and query.
    pub async fn path(&self) -> Result<String> {
        let url = self.client.current_url().await.context("current url")?;
        Ok(match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        })
    }

    /// Runs `script` (a function body: use `return`) with `arguments`.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.client.execute(script, args).await.with_context(|| format!("script: {script}"))
    }

    /// Runs an async `script`; it ends by calling `arguments[arguments.length - 1](value)`.
    pub async fn js_async(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.client.execute_async(script, args).await.with_context(|| format!("script: {script}"))
    }

    /// Polls `script` until it returns something other than null, false, 0 or "".
    pub async fn wait(&self, what: &str, limit: Duration, script: &str) -> Result<Value> {
        let started = std::time::Instant::now();
        let mut last = Value::Null;
        while started.elapsed() < limit {
            last = self.js(script, vec![]).await?;
            let done = match &last {
                Value::Null | Value::Bool(false) => false,
                Value::String(text) => !text.is_empty(),
                Value::Number(n) => n.as_f64() != Some(0.0),
                _ => true,
            };
            if done {
                return Ok(last);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("waited {limit:?} for {what}; last answer {last}")
    }

    pub async fn find(&self, css: &str) -> Result<Element> {
        self.client.find(Locator::Css(css)).await.with_context(|| format!("find {css}"))
    }

    pub async fn wait_for(&self, css: &str, limit: Duration) -> Result<Element> {
        let wait = self.client.wait().at_most(limit);
        wait.for_element(Locator::Css(css))
            .await
            .with_context(|| format!("wait {limit:?} for {css}"))
    }

    pub async fn text(&self, css: &str) -> Result<String> {
        self.find(css).await?.text().await.with_context(|| format!("text of {css}"))
    }

    /// A form field's current value.
    pub async fn value(&self, css: &str) -> Result<String> {
        let value = self.find(css).await?.prop("value").await;
        Ok(value.with_context(|| format!("value of {css}"))?.unwrap_or_default())
    }

    pub async fn click(&self, css: &str) -> Result<()> {
        self.find(css).await?.click().await.with_context(|| format!("click {css}"))
    }

    /// Empties a field and types `text` into it, as a person would.
    pub async fn fill(&self, css: &str, text: &str) -> Result<()> {
        let field = self.find(css).await?;
        field.clear().await.with_context(|| format!("clear {css}"))?;
        field.send_keys(text).await.with_context(|| format!("type into {css}"))
    }

    /// Presses each key (a character or a `fantoccini::key::Key`) in turn, wherever focus is.
    pub async fn press(&self, keys: &[char]) -> Result<()> {
        let mut actions = KeyActions::new("keyboard".to_owned());
        for &key in keys {
            actions =
                actions.then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
        }
        self.client.perform_actions(actions).await.context("press keys")
    }

    /// Types `text` key by key, wherever focus is.
    pub async fn type_text(&self, text: &str) -> Result<()> {
        self.press(&text.chars().collect::<Vec<_>>()).await
    }

    /// Holds `modifier` while pressing `key` (e.g. Control + a).
    pub async fn chord(&self, modifier: char, key: char) -> Result<()> {
        let actions = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value: modifier })
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key })
            .then(KeyAction::Up { value: modifier });
        self.client.perform_actions(actions).await.context("press a key chord")
    }

    /// The shadow root of `css` (the code editor lives in one).
    pub async fn in_shadow(&self, css: &str, inner: &str) -> Result<Element> {
        let host = self.find(css).await?;
        let root = host.shadow_root().await.with_context(|| format!("shadow root of {css}"))?;
        root.find(Locator::Css(inner)).await.with_context(|| format!("find {inner} in {css}"))
    }

    /// The WebDriver client, for what the verbs above don't cover.
    pub fn client(&self) -> &Client {
        &self.client
    }
}
