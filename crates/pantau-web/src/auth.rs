//! Sessions and CSRF (the sign-in throttle is `pantau_db::throttle`).
//!
//! - `authenticate` resolves the session cookie (or an API token) into an [`Auth`] (the principal
//!   with its grants); `login_form_token` gives visitors the sign-in form's CSRF token.
//! - `csrf_guard` refuses every state-changing request whose token does not match: the session's
//!   token for signed-in users, a double-submit cookie for the login form.
//! - [`CurrentUser`] is the extractor handlers use to require a signed-in user.

use crate::error::AppError;
use crate::{AppState, MAX_BODY_BYTES};
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use pantau_core::access::Principal;
use pantau_db::{sessions, users};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "pantau_session";
pub const LOGIN_CSRF_COOKIE: &str = "pantau_login_csrf";
pub const LANG_COOKIE: &str = "pantau_lang";
pub const CSRF_FIELD: &str = "csrf_token";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The signed-in user for this request.
#[derive(Debug, Clone)]
pub struct Auth {
    pub principal: Principal,
    pub full_name: String,
    pub csrf_token: String,
    pub session_token: String,
    /// Signed in by an API token (`Authorization: Bearer pt_…`): no cookie, so no CSRF check.
    pub via_token: bool,
    /// Where the user reads times (their province's zone).
    pub zone: pantau_core::org::TimeZone,
}

/// The anonymous double-submit token for the login form.
#[derive(Debug, Clone)]
pub struct LoginCsrf(pub String);

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .expect("cookie values are ASCII tokens")
}

/// The client's address: the connection's peer, or — when the peer is a trusted reverse proxy —
/// the last address its `X-Forwarded-For` adds (the one the proxy itself saw).
pub fn client_ip(
    parts: &axum::http::request::Parts,
    trusted_proxies: &[std::net::IpAddr],
) -> String {
    let Some(peer) = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
    else {
        return "local".into();
    };
    if trusted_proxies.contains(&peer) {
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<std::net::IpAddr>().ok())
            .last();
        if let Some(client) = forwarded {
            return client.to_string();
        }
    }
    peer.to_string()
}

/// The client's address (see [`client_ip`]), as an extractor.
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(client_ip(
            parts,
            &state.config.trusted_proxies,
        )))
    }
}

pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Resolves the session cookie — or, on the API, an `Authorization: Bearer pt_…` token — into
/// an [`Auth`] for everything after it. Without either the request goes on anonymous.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    let mut auth = None;
    if let Some(token) = cookie(headers, SESSION_COOKIE) {
        match resolve(&state, &token).await {
            Ok(found) => auth = found,
            Err(e) => return failed(&state, req, e),
        }
    }
    // Machine clients of the JSON API sign each request with a token instead of a session.
    if auth.is_none() && req.uri().path().starts_with("/api/") {
        if let Some(token) = bearer(req.headers()) {
            match resolve_token(&state, &token).await {
                Ok(found) => auth = found,
                Err(e) => return failed(&state, req, e),
            }
        }
    }
    if let Some(auth) = auth {
        req.extensions_mut().insert(auth);
    }
    next.run(req).await
}

/// A session that could not be looked up (the database failing) is answered as an error page,
/// drawn without a user.
fn failed(state: &AppState, req: Request, e: pantau_db::DbError) -> Response {
    let (parts, _) = req.into_parts();
    let page = crate::page::page_from_parts(&parts, state);
    crate::error::render(&page, AppError::from(e).into_response())
}

/// The sign-in form's double-submit token for visitors without a session: the cookie's, or a
/// new one, set on the response.
pub async fn login_form_token(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    if req.extensions().get::<Arc<Auth>>().is_some() {
        return next.run(req).await;
    }
    let mut minted = None;
    let token = cookie(req.headers(), LOGIN_CSRF_COOKIE)
        .filter(|t| sessions::is_token_text(t))
        .unwrap_or_else(|| {
            let t = sessions::random_token();
            minted = Some(t.clone());
            t
        });
    req.extensions_mut().insert(LoginCsrf(token));
    let mut res = next.run(req).await;
    if let Some(t) = minted {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&state, LOGIN_CSRF_COOKIE, &t, 3600 * 12),
        );
    }
    res
}

async fn resolve(state: &AppState, token: &str) -> pantau_db::DbResult<Option<Arc<Auth>>> {
    if let Some(auth) = state.sessions.get(token) {
        return Ok(Some(auth));
    }
    let Some(session) = sessions::lookup(&state.db, token).await? else {
        return Ok(None);
    };
    let principal = users::principal(&state.db, session.user_id).await?;
    let user = users::by_username(&state.db, &principal.username).await?;
    let zone = pantau_db::offices::time_zone(&state.db, &principal).await?;
    let auth = Arc::new(Auth {
        zone,
        principal,
        full_name: user.full_name,
        csrf_token: session.csrf_token,
        session_token: token.to_string(),
        via_token: false,
    });
    state.sessions.put(token, auth.clone());
    Ok(Some(auth))
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(|t| t.trim().to_string())
}

/// A bearer token: checked against the database on every request (one indexed read, so a
/// revocation, expiry or disabled account — from any server or the command line — refuses it
/// at once), while the user's roles, name and zone are reused for a few seconds like a
/// session's (roles are fixed when an account is made), and forgotten when another server
/// announces a change.
async fn resolve_token(state: &AppState, token: &str) -> pantau_db::DbResult<Option<Arc<Auth>>> {
    let Some(user_id) = pantau_db::tokens::lookup(&state.db, token).await? else {
        state.tokens.forget(token);
        return Ok(None);
    };
    if let Some(auth) = state.tokens.get(token)
        && auth.principal.user_id == user_id
    {
        return Ok(Some(auth));
    }
    let principal = users::principal(&state.db, user_id).await?;
    let user = users::by_username(&state.db, &principal.username).await?;
    let zone = pantau_db::offices::time_zone(&state.db, &principal).await?;
    let auth = Arc::new(Auth {
        zone,
        principal,
        full_name: user.full_name,
        csrf_token: String::new(),
        session_token: String::new(),
        via_token: true,
    });
    state.tokens.put(token, auth.clone());
    Ok(Some(auth))
}

/// Resolved sessions kept for a few seconds, so a page view does not cost three queries.
/// Signing out removes the entry at once.
pub struct SessionCache {
    ttl: std::time::Duration,
    entries: std::sync::Mutex<HashMap<String, (std::time::Instant, Arc<Auth>)>>,
}

impl SessionCache {
    pub fn new(ttl: std::time::Duration) -> Self {
        SessionCache {
            ttl,
            entries: Default::default(),
        }
    }

    fn get(&self, token: &str) -> Option<Arc<Auth>> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(token)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, a)| a.clone())
    }

    fn put(&self, token: &str, auth: Arc<Auth>) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= 4096 {
            let ttl = self.ttl;
            entries.retain(|_, (at, _)| at.elapsed() < ttl);
            if entries.len() >= 4096 {
                entries.clear();
            }
        }
        entries.insert(token.to_string(), (std::time::Instant::now(), auth));
    }

    /// Forgets every cached session of one user (its account was disabled or its password set).
    pub fn forget_user(&self, user_id: i64) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, (_, auth)| auth.principal.user_id != user_id);
    }

    pub fn forget(&self, token: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(token);
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Refuses unsafe methods without the right CSRF token (header or form field).
pub async fn csrf_guard(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let expected = match req.extensions().get::<Arc<Auth>>() {
        // A bearer token is not sent by browsers on their own, so it cannot be forged cross-site.
        Some(a) if a.via_token => return next.run(req).await,
        Some(a) => Some(a.csrf_token.clone()),
        // The API has no sign-in form: a write without a session or token lacks credentials.
        None if req.uri().path().starts_with("/api/v1/") => {
            return AppError::Unauthorized.into_response();
        }
        None => cookie(req.headers(), LOGIN_CSRF_COOKIE),
    };
    let Some(expected) = expected else {
        return AppError::Csrf.into_response();
    };
    if let Some(h) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if constant_time_eq(h, &expected) {
            next.run(req).await
        } else {
            AppError::Csrf.into_response()
        };
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    // File uploads cannot carry a header from a plain form, so their token rides in the query.
    if content_type.starts_with("multipart/form-data") {
        let given = req
            .uri()
            .query()
            .and_then(|q| form_field(q.as_bytes(), CSRF_FIELD));
        return if given.is_some_and(|g| constant_time_eq(&g, &expected)) {
            next.run(req).await
        } else {
            AppError::Csrf.into_response()
        };
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return AppError::Csrf.into_response();
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => return AppError::TooLarge.into_response(),
    };
    let given = form_field(&bytes, CSRF_FIELD);
    if !given.is_some_and(|g| constant_time_eq(&g, &expected)) {
        return AppError::Csrf.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    crate::form::pairs(body)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Handlers that need a signed-in user take this; others get 401 (API) or the login page (UI).
pub struct CurrentUser(pub Arc<Auth>);

impl CurrentUser {
    pub fn principal(&self) -> &Principal {
        &self.0.principal
    }

    /// Refuses users whose every grant is narrowed to one institution or one unit (institution
    /// operators, unit reporters): lists, dashboards and packs are about offices' data.
    pub fn office_wide(&self) -> Result<(), AppError> {
        if self.0.principal.grants.iter().any(|g| !g.is_narrowed()) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Arc<Auth>>() {
            Some(a) => Ok(CurrentUser(a.clone())),
            None => Err(AppError::Unauthorized.into_response()),
        }
    }
}

impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for CurrentUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Arc<Auth>>()
            .cloned()
            .map(CurrentUser))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_are_decoded() {
        assert_eq!(
            form_field(b"a=1&csrf_token=x%2By+z", "csrf_token").as_deref(),
            Some("x+y z")
        );
        assert_eq!(form_field(b"a=1", "csrf_token"), None);
        assert!(
            constant_time_eq("abc", "abc")
                && !constant_time_eq("abc", "abd")
                && !constant_time_eq("a", "ab")
        );
    }
}
