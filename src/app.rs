//! Application state, the router with its layers, and serving with graceful shutdown.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use crate::db::Pool;
use anyhow::Context;
use axum::Router;
use axum::http::Request;
use tokio_util::sync::CancellationToken;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::accounts::guess_limit::GuessLimit;
use crate::accounts::password::Passwords;
use crate::config::Config;
use crate::content::Content;
use crate::runs::{self, Runner};
use crate::runtimes::Runtimes;
use crate::sandbox::Backend;
use crate::{db, server, web};

/// Cheap to clone — one reference count, since every request clones it at least twice (routing,
/// `State`) — and read through `Deref` as if it were the fields themselves.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What every handler shares.
pub struct Shared {
    pub db: Pool,
    pub content: Arc<Content>,
    pub config: Arc<Config>,
    pub runner: Runner,
    /// Interpreters and modules found on this machine.
    pub runtimes: &'static Runtimes,
    /// Fires on SIGTERM/Ctrl-C: workers stop their runs, event streams close.
    pub shutdown: CancellationToken,
    /// The index and lesson pages as a reader with no history sees them, rendered once.
    pub pages: Arc<web::PageCache>,
    /// Event streams open now, per run and per client address.
    pub streams: web::StreamCaps,
    /// Argon2 for logins and sign-ups, a bounded number at once.
    pub passwords: Passwords,
    /// Wrong join and resume codes per client address.
    pub code_guesses: GuessLimit,
}

impl AppState {
    /// Loads the content (refusing bad content), opens the migrated database and recovers runs
    /// a previous process left unfinished. Workers are not started here (see `serve`).
    pub async fn build(config: Config, backend: Arc<dyn Backend>) -> anyhow::Result<AppState> {
        let db = db::connect(&config.database_url).await?;
        AppState::build_on(config, backend, db).await
    }

    /// As [`AppState::build`], on a database already opened. Only a SQLite store recovers
    /// runs left `running` here: its one process is the only one that can have started them.
    /// A PostgreSQL store's runs may be executing on other hosts right now; a lost one is found
    /// by its lease running out (see `runs::lease`).
    pub async fn build_on(
        config: Config,
        backend: Arc<dyn Backend>,
        db: Pool,
    ) -> anyhow::Result<AppState> {
        let content = Content::load(&config.content_dir).context("invalid course content")?;
        let content = Arc::new(content);
        if db.dialect() == db::Dialect::Sqlite {
            runs::recover_interrupted(&db).await?;
        }
        let shutdown = CancellationToken::new();
        let limits = config.run_limits();
        let lease = config.run_lease();
        let runner =
            Runner::new(db.clone(), content.clone(), backend, limits, shutdown.clone(), lease);
        runner.hub().set_workers(config.parallel_runs());
        let python = crate::sandbox::resolve_python(&config.python)
            .unwrap_or_else(|_| "/usr/bin/python3".into());
        let runtimes = tokio::task::spawn_blocking(move || Runtimes::detect(&python)).await?;
        let pages =
            web::PageCache::render(&content, runtimes).context("cannot render the course")?;
        let pages = Arc::new(pages);
        let streams =
            web::StreamCaps::new(config.max_streams_per_run, config.max_streams_per_address);
        let passwords = Passwords::new(config.password_hashes_at_once);
        let code_guesses = GuessLimit::new(config.code_guesses_per_minute, Duration::from_secs(60));
        let config = Arc::new(config);
        let shared = Shared {
            db,
            content,
            config,
            runner,
            runtimes,
            shutdown,
            pages,
            streams,
            passwords,
            code_guesses,
        };
        Ok(AppState(Arc::new(shared)))
    }
}

/// The whole site: feature routers, then the layers every response passes through.
pub fn router(state: AppState) -> Router {
    let layers = ServiceBuilder::new()
        .layer(web::site_layer::SiteLayer::default())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(CatchPanicLayer::custom(web::pages::panic_response))
        .layer(CompressionLayer::new());
    web::router(&state).with_state(state).layer(layers)
}

fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let path = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| request.uri().path(), |matched| matched.as_str());
    let id = request
        .headers()
        .get(&web::site_layer::X_REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", method = %request.method(), path, request_id = id)
}

/// Runs a role (`serve` or `work`) on a fresh multi-threaded runtime until SIGTERM or Ctrl-C.
pub fn run_blocking(role: impl Future<Output = anyhow::Result<()>>) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(role) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("gil-lab: {error:#}");
            ExitCode::FAILURE
        }
    }
}

pub async fn serve(config: Config) -> anyhow::Result<()> {
    let addr = config.addr;
    let slots = config.worker_slots();
    if slots.is_empty() && !db::is_postgres(&config.database_url) {
        anyhow::bail!(
            "--workers 0 leaves the runs to `gil-lab worker` processes, which need a PostgreSQL \
             store shared with them (--database-url postgres://…); with SQLite, leave it out"
        );
    }
    let connections = connection_settings(&config);
    let backend = crate::sandbox::real_backend(&config.sandbox_settings())?;
    tracing::info!(backend = backend.describe(), "sandbox ready");
    let state = AppState::build(config, backend).await?;
    tracing::info!(lessons = state.content.lessons().len(), "course loaded");
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    // `--workers 0`: a web node; the runs are executed by `gil-lab worker` elsewhere.
    let handles = if slots.is_empty() { Vec::new() } else { state.runner.spawn_workers(&slots) };
    let cpus: Vec<String> =
        slots.iter().map(|s| s.as_ref().map_or("any".into(), ToString::to_string)).collect();
    tracing::info!(workers = slots.len(), cpus = %cpus.join(" | "), "serving on http://{addr}");
    let shutdown = state.shutdown.clone();
    server::serve(listener, router(state.clone()), connections, async move {
        shutdown_signal().await;
        shutdown.cancel();
    })
    .await;
    stop(&state, handles).await;
    Ok(())
}

/// The `worker` role: the workers and the sweep of lost leases, no HTTP. Refuses to start
/// without root (no sandbox could be built) or on a schema older than the binary (migrating is
/// the web node's part: a worker must not change the schema under running web nodes).
pub async fn work(config: Config) -> anyhow::Result<()> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        anyhow::bail!(
            "gil-lab worker needs root to build each run's sandbox (namespaces, cgroups): run it \
             as root, as the README's systemd unit does"
        );
    }
    if !db::is_postgres(&config.database_url) {
        anyhow::bail!(
            "gil-lab worker shares a PostgreSQL store with the web nodes (--database-url \
             postgres://…); with SQLite, `gil-lab serve` runs the workers itself"
        );
    }
    let slots = config.worker_slots();
    anyhow::ensure!(!slots.is_empty(), "--workers 0 leaves a worker nothing to do: leave it out");
    let db = db::connect_current(&config.database_url).await?;
    let backend = crate::sandbox::real_backend(&config.sandbox_settings())?;
    let state = AppState::build_on(config, backend, db).await?;
    let handles = state.runner.spawn_workers(&slots);
    let cpus: Vec<String> =
        slots.iter().map(|s| s.as_ref().map_or("any".into(), ToString::to_string)).collect();
    let host = runs::lease::host_name();
    tracing::info!(host, workers = slots.len(), cpus = %cpus.join(" | "), "worker ready");
    shutdown_signal().await;
    stop(&state, handles).await;
    Ok(())
}

/// Raises the open-file limit first, since the total connection cap is derived from it.
fn connection_settings(config: &Config) -> server::ConnectionSettings {
    let file_limit = server::raise_file_limit().unwrap_or_else(|error| {
        tracing::warn!(%error, "cannot read or raise the open-file limit; assuming 1024");
        1024
    });
    let settings = config.connection_settings(file_limit);
    if config.max_connections.is_some_and(|wanted| wanted > settings.max_connections) {
        tracing::warn!(file_limit, "--max-connections lowered to what the open-file limit allows");
    }
    tracing::info!(
        file_limit,
        max_connections = settings.max_connections,
        max_per_address = settings.max_per_address,
        "open-file limit and connection caps"
    );
    settings
}

async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Stops the workers (a running run is queued again) and waits for them, then closes the store.
async fn stop(state: &AppState, handles: Vec<tokio::task::JoinHandle<()>>) {
    state.shutdown.cancel();
    for handle in handles {
        handle.await.ok();
    }
    state.db.close().await;
    tracing::info!("stopped");
}
