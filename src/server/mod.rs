//! Accepting and serving connections ourselves rather than with `axum::serve`, which offers no
//! header-read or idle timeout and no cap on open connections: without them idle sockets pile
//! up until the process runs out of files and refuses everyone.

mod files;
mod idle;

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

pub use files::{connections_allowed, raise_file_limit};
use idle::IdleTimeout;

use crate::slots::{Slot, Slots};

/// How long shutdown waits for requests still in flight (event streams end on their own).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Timeouts and caps of client connections.
#[derive(Debug, Clone)]
pub struct ConnectionSettings {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    pub max_per_address: usize,
}

/// Open connections, counted in all and per client address.
struct Caps {
    total: Slots<()>,
    per_address: Slots<IpAddr>,
    settings: ConnectionSettings,
}

impl Caps {
    fn admit(&self, address: IpAddr) -> Option<(Slot<IpAddr>, Slot<()>)> {
        let mine = self.per_address.take(&address, self.settings.max_per_address)?;
        let total = self.total.take(&(), self.settings.max_connections)?;
        Some((mine, total))
    }
}

/// Serves `router` until `shutdown` completes, then lets requests in flight finish briefly.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: ConnectionSettings,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(settings.header_read_timeout);
    let caps = Caps { total: Slots::default(), per_address: Slots::default(), settings };
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => { pause_after(error).await; continue; }
            },
            () = &mut shutdown => break,
        };
        let Some(admitted) = caps.admit(peer.ip()) else {
            refuse(stream, peer);
            continue;
        };
        let io = TokioIo::new(IdleTimeout::new(stream, caps.settings.idle_timeout));
        let connection = graceful.watch(builder.serve_connection(io, service(&router, peer)));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
            drop(admitted);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still in flight at shutdown were cut off");
    }
}

/// The router for one connection, with the client's address where `ConnectInfo` finds it.
fn service(
    router: &Router,
    peer: SocketAddr,
) -> TowerToHyperService<
    impl tower::Service<
        Request<Incoming>,
        Response = axum::response::Response,
        Error = std::convert::Infallible,
        Future: Send,
    > + Clone
    + Send
    + 'static,
> {
    TowerToHyperService::new(router.clone().map_request(move |request: Request<Incoming>| {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    }))
}

/// Over a cap: a one-line 503 if the socket takes it now, then closed; never waited on.
fn refuse(stream: TcpStream, peer: SocketAddr) {
    const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\
        Retry-After: 5\r\nContent-Length: 0\r\n\r\n";
    let _ = stream.try_write(BUSY);
    tracing::debug!(%peer, "connection over the cap, closed");
}

/// A failed accept: the client's own trouble is skipped; running out of files or memory
/// pauses briefly, so the loop does not spin while connections close.
async fn pause_after(error: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(error.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    tracing::warn!(%error, "accept error");
    tokio::time::sleep(Duration::from_millis(100)).await;
}
