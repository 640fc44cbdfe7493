//! What our two cookies look like on the wire: the learner's token and the instructor's
//! session, both `HttpOnly`, `SameSite=Lax`, `Path=/`, with a `Max-Age`, and `Secure` behind TLS.

use std::time::Duration;

use axum::http::HeaderValue;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};

use crate::accounts::learner::LearnerToken;
use crate::accounts::session::{self, SessionToken};

pub const LEARNER: &str = "gil_lab_learner";
pub const SESSION: &str = "gil_lab_instructor";

/// A learner comes back over a school year and more; browsers cap cookies at 400 days anyway.
const LEARNER_MAX_AGE: Duration = Duration::from_secs(400 * 24 * 3600);

/// The attributes every cookie of ours shares. Scripts never read them (`HttpOnly`); other sites'
/// forms and fetches never carry them (`SameSite=Lax`), which also backs up `csrf.rs`.
fn site_cookie(
    name: &'static str,
    value: String,
    max_age: Duration,
    secure: bool,
) -> Cookie<'static> {
    // Our lifetimes are days, far inside the range `time::Duration` holds.
    let max_age = cookie::time::Duration::try_from(max_age).unwrap_or(cookie::time::Duration::ZERO);
    Cookie::build((name, value))
        .path("/")
        .max_age(max_age)
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build()
}

/// The cookie that gives a browser its learner token.
pub fn learner(token: &LearnerToken, secure: bool) -> Cookie<'static> {
    site_cookie(LEARNER, token.reveal().to_owned(), LEARNER_MAX_AGE, secure)
}

/// The learner cookie as a `Set-Cookie` value, for the layer that appends it.
pub fn learner_header(token: &LearnerToken, secure: bool) -> Option<HeaderValue> {
    HeaderValue::from_str(&learner(token, secure).to_string()).ok()
}

/// The cookie that signs a browser in as an instructor.
pub fn session(token: &SessionToken, secure: bool) -> Cookie<'static> {
    site_cookie(SESSION, token.reveal().to_owned(), session::LIFETIME, secure)
}

/// The cookie that signs a browser out: empty, expired.
pub fn session_removal(secure: bool) -> Cookie<'static> {
    let mut cookie = site_cookie(SESSION, String::new(), Duration::ZERO, secure);
    cookie.make_removal();
    cookie
}

/// The well-formed learner token the browser sent, if any (not checked against the database).
pub fn learner_in(jar: &CookieJar) -> Option<LearnerToken> {
    jar.get(LEARNER).and_then(|cookie| LearnerToken::parse(cookie.value()))
}

/// The well-formed session token the browser sent, if any (not checked against the database).
pub fn session_in(jar: &CookieJar) -> Option<SessionToken> {
    jar.get(SESSION).and_then(|cookie| SessionToken::parse(cookie.value()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attributes(cookie: &Cookie<'_>) -> String {
        cookie.to_string()
    }

    #[test]
    fn the_learner_cookie_is_http_only_lax_site_wide_and_lasts_400_days() {
        let token = LearnerToken::mint();
        let text = attributes(&learner(&token, false));
        assert!(text.starts_with(&format!("gil_lab_learner={}", token.reveal())), "{text}");
        for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=34560000"] {
            assert!(text.contains(part), "{part} missing from {text}");
        }
        assert!(!text.contains("Secure"), "{text}");
        assert!(attributes(&learner(&token, true)).contains("Secure"));
    }

    #[test]
    fn the_session_cookie_is_http_only_lax_and_secure_when_asked() {
        let token = SessionToken::parse(&"a".repeat(64)).expect("token");
        let plain = attributes(&session(&token, false));
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Lax"), "{plain}");
        assert!(plain.contains("Max-Age=1209600") && !plain.contains("Secure"), "{plain}");
        assert!(attributes(&session(&token, true)).contains("Secure"));
    }

    #[test]
    fn signing_out_sends_an_empty_expired_session_cookie() {
        let text = attributes(&session_removal(false));
        assert!(text.starts_with("gil_lab_instructor=;"), "{text}");
        assert!(text.contains("Max-Age=0") && text.contains("Path=/"), "{text}");
    }

    #[test]
    fn only_well_formed_tokens_are_read_back() {
        let token = LearnerToken::mint();
        let headers =
            [("cookie", format!("gil_lab_learner={}; gil_lab_instructor=x", token.reveal()))];
        let headers: axum::http::HeaderMap = headers
            .iter()
            .map(|(k, v)| (axum::http::HeaderName::from_static(k), v.parse().expect("value")))
            .collect();
        let jar = CookieJar::from_headers(&headers);
        assert_eq!(learner_in(&jar), Some(token));
        assert!(session_in(&jar).is_none());
    }
}
