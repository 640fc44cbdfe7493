//! The signed-in instructor as an extractor (pages that need one send strangers to the login
//! form), the client's address for the login rate limit, and signing a browser in or out.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;

use tower_http::set_header::SetResponseHeaderLayer;

use super::cookies;
use super::forms::encode_component;
use crate::accounts::instructor::Instructor;
use crate::accounts::session;
use crate::app::AppState;
use crate::web::error::{AppError, Result};

/// The instructor whose session cookie came with the request.
pub struct SignedIn(pub Instructor);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let jar = CookieJar::from_headers(&parts.headers);
        let found = match cookies::session_in(&jar) {
            Some(token) => session::instructor(&state.db, &token)
                .await
                .map_err(|e| AppError::from(e).into_response())?,
            None => None,
        };
        found.map(SignedIn).ok_or_else(|| login_redirect(&parts.uri))
    }
}

/// `Option<SignedIn>`: pages that look different for a signed-in instructor.
impl OptionalFromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Response> {
        match <SignedIn as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(signed_in) => Ok(Some(signed_in)),
            Err(response) if response.status().is_redirection() => Ok(None),
            Err(response) => Err(response),
        }
    }
}

fn login_redirect(uri: &axum::http::Uri) -> Response {
    let here = uri.path_and_query().map_or("/classes", |p| p.as_str());
    Redirect::to(&format!("/instructor/login?next={}", encode_component(here))).into_response()
}

/// The client's IP address when the server knows it (it needs `ConnectInfo`), else `unknown`;
/// the login rate limit then counts per email alone.
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let address = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(ClientAddress(address.map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())))
    }
}

impl ClientAddress {
    /// The network the client counts as for the queue's caps: its IPv4 address, or its IPv6
    /// /64 (one subscriber usually holds a whole /64 and could otherwise take a new address
    /// per request).
    pub fn network(&self) -> String {
        match self.0.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
            Ok(IpAddr::V6(v6)) => {
                let prefix = u128::from(v6) & !(u128::MAX >> 64);
                format!("{}/64", Ipv6Addr::from(prefix))
            }
            Ok(IpAddr::V4(v4)) => v4.to_string(),
            Err(_) => self.0.clone(),
        }
    }
}

/// Starts a fresh session (replacing the browser's old one) and goes on to `next`.
pub async fn sign_in(
    state: &AppState,
    jar: &CookieJar,
    instructor_id: i64,
    next: &str,
) -> Result<Response> {
    let previous = cookies::session_in(jar);
    let token = session::start(&state.db, instructor_id, previous.as_ref()).await?;
    let cookie = cookies::session(&token, state.config.secure_cookies);
    Ok((CookieJar::new().add(cookie), Redirect::to(next)).into_response())
}

/// Ends the browser's session, if it has one, and removes the cookie.
pub async fn sign_out(state: &AppState, jar: &CookieJar) -> Result<Response> {
    if let Some(token) = cookies::session_in(jar) {
        session::end(&state.db, &token).await?;
    }
    let cookie = cookies::session_removal(state.config.secure_cookies);
    Ok((CookieJar::new().add(cookie), Redirect::to("/instructor/login")).into_response())
}

/// Class pages hold learners' names and work: no browser or proxy cache keeps a copy.
pub fn no_store() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_counts_as_its_slash_64_and_an_ipv4_one_as_itself() {
        let network = |raw: &str| ClientAddress(raw.to_owned()).network();
        assert_eq!(network("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(network("2001:db8:1:2:ffff::1"), network("2001:db8:1:2::9"));
        assert_eq!(network("::ffff:10.0.0.7"), "10.0.0.7");
        assert_eq!(network("10.0.0.7"), "10.0.0.7");
        assert_eq!(network("unknown"), "unknown");
    }
}
