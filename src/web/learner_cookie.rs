//! Who a request comes from (`Visitor`), and the one layer that gives a browser its learner
//! cookie: only once the visitor acts. Reading pages mints nothing, sets no cookie and asks the
//! database nothing; a handler that records something calls `Visitor::learner_or_mint`, and its
//! router carries `give_learner_cookie` (without it that call is an internal error, which the
//! tests of every such handler would show).

use std::sync::{Arc, Mutex};

use crate::db::Pool;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::CookieJar;

use super::cookies;
use crate::accounts::access::Viewer;
use crate::accounts::learner::{self, LearnerToken};
use crate::accounts::session::SessionToken;
use crate::web::error::{AppError, Result};

/// The browser behind a request, as its cookies say (nothing here is checked against the
/// database yet): its learner token if it has acted before, its instructor session if any.
pub struct Visitor {
    learner: Option<LearnerToken>,
    session: Option<SessionToken>,
    /// Where a token minted or bound on this request waits for `give_learner_cookie`.
    to_give: Option<ToGive>,
}

/// Shared between the layer and the handler's `Visitor`: the token the browser should carry
/// from this response on, if it changed.
#[derive(Clone, Default)]
struct ToGive(Arc<Mutex<Option<LearnerToken>>>);

impl ToGive {
    fn put(&self, token: LearnerToken) {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(token);
    }

    fn take(&self) -> Option<LearnerToken> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take()
    }
}

impl Visitor {
    /// The learner token this browser already has; `None` for one that has never acted.
    pub fn learner(&self) -> Option<&LearnerToken> {
        self.learner.as_ref()
    }

    pub fn session(&self) -> Option<&SessionToken> {
        self.session.as_ref()
    }

    /// The learner this browser has been, if it has done anything yet; no cookie, no query.
    pub async fn learner_id(&self, db: &Pool) -> Result<Option<i64>> {
        match &self.learner {
            Some(token) => Ok(learner::find(db, token).await?),
            None => Ok(None),
        }
    }

    /// Who this visitor is to the access rules; a cookie-less visitor costs no query.
    pub async fn viewer(&self, db: &Pool) -> Result<Viewer> {
        Ok(Viewer::of(db, self.learner(), self.session()).await?)
    }

    /// The token to record an action under: the browser's own if the server issued it, or a new
    /// one that the response gives the browser (whatever the handler answers, so a row made
    /// here is never orphaned). A token the server never issued counts as none.
    pub async fn learner_or_mint(&self, db: &Pool) -> Result<LearnerToken> {
        if let Some(token) = &self.learner
            && learner::find(db, token).await?.is_some()
        {
            return Ok(token.clone());
        }
        let token = LearnerToken::mint();
        self.give(token.clone())?;
        Ok(token)
    }

    /// After a join or a resume the browser gets a new token and `token` stops working.
    pub async fn rotate(&self, db: &Pool, token: &LearnerToken) -> Result<()> {
        if let Some(fresh) = learner::rotate(db, token).await? {
            self.give(fresh)?;
        }
        Ok(())
    }

    /// From this response on the browser is this learner (another device, bound by resume code).
    pub fn give(&self, token: LearnerToken) -> Result<()> {
        let to_give = self.to_give.as_ref().ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("the learner cookie layer is not installed"))
        })?;
        to_give.put(token);
        Ok(())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        Ok(Visitor {
            learner: cookies::learner_in(&jar),
            session: cookies::session_in(&jar),
            to_give: parts.extensions.get::<ToGive>().cloned(),
        })
    }
}

/// Whether cookies are marked `Secure`: the layer's whole state, so no request clones `AppState`.
#[derive(Clone, Copy)]
pub struct SecureCookies(pub bool);

/// The layer: lets handlers hand the browser a learner token, and sets its cookie if one did.
/// A request whose handler gave none passes through with one small allocation, no header added.
pub async fn give_learner_cookie(
    State(SecureCookies(secure)): State<SecureCookies>,
    mut request: Request,
    next: Next,
) -> Response {
    let to_give = ToGive::default();
    request.extensions_mut().insert(to_give.clone());
    let mut response = next.run(request).await;
    if let Some(token) = to_give.take() {
        match cookies::learner_header(&token, secure) {
            Some(value) => {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            None => tracing::error!("the learner cookie is not a valid header value"),
        }
    }
    response
}
