//! What every request and response passes through, in one layer rather than six: the request
//! id (set on the request, copied to the response), the cross-site check of `csrf.rs`, and the
//! security headers. Measured on the lesson page, each generic layer cost about as much as the
//! handler itself; one hand-written service costs one future and no allocation but the id.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use axum::BoxError;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::response::Response;
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use super::csrf;

pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// No inline script, no framing, nothing from other origins.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
    font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Set where a handler did not set its own.
static SECURITY_HEADERS: [(HeaderName, HeaderValue); 3] = [
    (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    (header::REFERRER_POLICY, HeaderValue::from_static("same-origin")),
    (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)),
];

#[derive(Clone, Default)]
pub struct SiteLayer {
    next_id: Arc<AtomicU64>,
}

impl<S> Layer<S> for SiteLayer {
    type Service = Site<S>;

    fn layer(&self, inner: S) -> Site<S> {
        Site { inner, next_id: self.next_id.clone() }
    }
}

#[derive(Clone)]
pub struct Site<S> {
    inner: S,
    next_id: Arc<AtomicU64>,
}

impl<S> Site<S> {
    /// Unique within a process: start time and a counter, cheap and readable in logs.
    fn request_id(&self) -> HeaderValue {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{:x}-{n}", *PROCESS_START))
            .unwrap_or_else(|_| HeaderValue::from_static("-"))
    }
}

static PROCESS_START: std::sync::LazyLock<u64> = std::sync::LazyLock::new(|| {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
});

impl<S, B> Service<Request> for Site<S>
where
    S: Service<Request, Response = Response<B>, Error = Infallible>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = SiteFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        // A client's own id is kept, so a proxy's id follows the request through our logs.
        let id = match request.headers().get(&X_REQUEST_ID) {
            Some(id) => id.clone(),
            None => {
                let id = self.request_id();
                request.headers_mut().insert(X_REQUEST_ID.clone(), id.clone());
                id
            }
        };
        match csrf::refusal(&request) {
            Some(refused) => SiteFuture::Refused { response: Some(refused), id },
            None => SiteFuture::Inner { future: self.inner.call(request), id },
        }
    }
}

pin_project! {
    #[project = SiteProjection]
    pub enum SiteFuture<F> {
        Inner { #[pin] future: F, id: HeaderValue },
        Refused { response: Option<Response>, id: HeaderValue },
    }
}

/// The inner body is boxed into axum's `Body` here, where axum would box it anyway, so that a
/// refusal made before the inner layers and a response from them have one type.
impl<F, B> Future for SiteFuture<F>
where
    F: Future<Output = Result<Response<B>, Infallible>>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (mut response, id) = match self.project() {
            SiteProjection::Inner { future, id } => match future.poll(cx) {
                Poll::Ready(Ok(response)) => (response.map(Body::new), id),
                Poll::Ready(Err(never)) => match never {},
                Poll::Pending => return Poll::Pending,
            },
            SiteProjection::Refused { response, id } => match response.take() {
                Some(response) => (response, id),
                None => return Poll::Pending,
            },
        };
        finish(response.headers_mut(), id.clone());
        Poll::Ready(Ok(response))
    }
}

fn finish(headers: &mut HeaderMap, id: HeaderValue) {
    for (name, value) in &SECURITY_HEADERS {
        if !headers.contains_key(name) {
            headers.insert(name.clone(), value.clone());
        }
    }
    headers.insert(X_REQUEST_ID.clone(), id);
}
