//! Browser tests: the real `gil-lab` binary on a free port, driven in Debian's headless Chromium
//! through chromedriver (`fantoccini`), as learners and instructors use it. One server and one
//! chromedriver for the whole suite; every test opens its own browser (fresh profile, own
//! cookies). A failing test leaves `target/browser-screenshots/<test>.png` (and the page's HTML).
//!
//! The suite installs what it needs with `.ci/install-browser` (root and Debian's mirrors) and
//! fails, naming that script, when it cannot: it never skips.

mod a11y;
mod axe;
mod charts;
mod classes;
mod demo;
mod failures;
mod flows;
// Shared with the other test binaries; this one only needs `free_addr` and `Agent::get`.
#[allow(dead_code)]
#[path = "../support/http.rs"]
mod http;
mod install;
#[path = "../support/install_script.rs"]
mod install_script;
mod keyboard;
mod learner;
mod phone;
mod running;
#[path = "../support/runtimes.rs"]
mod runtimes;
mod scenario;
mod services;
mod session;
