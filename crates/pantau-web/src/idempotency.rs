//! `Idempotency-Key` on every write of the API: a client that retries after a lost answer sends
//! the same key, and gets the first answer again instead of a second write; the same key with
//! another request is refused (409). Storage in [`pantau_db::idempotency`], so a retry reaching
//! another server gets the same answer.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{AppError, RequestError};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use pantau_core::message::Message;
use pantau_db::idempotency::{self, Claim};
use std::sync::Arc;

pub const HEADER: &str = "idempotency-key";
/// Set on an answer given again for a retry.
pub const REPLAYED: &str = "idempotent-replayed";
/// The most of a request body read to hash it; larger uploads have their own routes and limits.
const MAX_REQUEST_BYTES: usize = 24 * 1024 * 1024;

/// A refusal as the reader reads every error (this layer sits outside error rendering).
fn refuse(state: &AppState, parts: &Parts, status: StatusCode, id: &'static str) -> Response {
    let page = crate::page::page_from_parts(parts, state);
    crate::error::render(
        &page,
        AppError::from(RequestError::new(status, Message::new(id))).into_response(),
    )
}

/// Route layer: sits inside authentication (a key belongs to a user) and outside error rendering
/// (the answer kept is the one the client read).
pub async fn exactly_once(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !write || !req.uri().path().starts_with("/api/v1/") {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get(HEADER).cloned() else {
        return next.run(req).await;
    };
    // Without a user the handler refuses anyway; nothing to keep.
    let Some(user_id) = req
        .extensions()
        .get::<Arc<Auth>>()
        .map(|a| a.principal.user_id)
    else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let Some(key) = key
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| idempotency::valid_key(k))
        .map(str::to_string)
    else {
        return refuse(
            &state,
            &parts,
            StatusCode::BAD_REQUEST,
            "err-idempotency-key",
        );
    };
    let Ok(bytes) = axum::body::to_bytes(body, MAX_REQUEST_BYTES).await else {
        return refuse(
            &state,
            &parts,
            StatusCode::PAYLOAD_TOO_LARGE,
            "err-idempotency-too-large",
        );
    };
    let hash = idempotency::request_hash(parts.method.as_str(), &parts.uri.to_string(), &bytes);
    match idempotency::claim(&state.db, user_id, &key, &hash).await {
        Err(e) => crate::error::render(
            &crate::page::page_from_parts(&parts, &state),
            AppError::from(e).into_response(),
        ),
        Ok(Claim::OtherRequest) => refuse(
            &state,
            &parts,
            StatusCode::CONFLICT,
            "err-idempotency-other-request",
        ),
        Ok(Claim::InProgress) => {
            let mut res = refuse(
                &state,
                &parts,
                StatusCode::CONFLICT,
                "err-idempotency-in-progress",
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            res
        }
        Ok(Claim::Answered {
            status,
            content_type,
            body,
        }) => {
            let mut res =
                (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body).into_response();
            if let Some(ct) = content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
                res.headers_mut().insert(header::CONTENT_TYPE, ct);
            }
            res.headers_mut()
                .insert(REPLAYED, HeaderValue::from_static("true"));
            res
        }
        Ok(Claim::New) => {
            let res = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            keep(&state, user_id, &key, res).await
        }
    }
}

/// Stores the answer for retries and gives it; an answer that a retry could change (the server
/// failed, the sign-in or the permission was missing, the client was throttled) releases the
/// key instead.
async fn keep(state: &AppState, user_id: i64, key: &str, res: Response) -> Response {
    let status = res.status();
    let retry_may_differ = status.is_server_error()
        || matches!(
            status,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS
        );
    let (parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, idempotency::MAX_STORED_BODY).await {
        Ok(b) if !retry_may_differ => b,
        other => {
            if let Err(e) = idempotency::release(&state.db, user_id, key).await {
                tracing::warn!(error = %e, "could not release an idempotency key");
            }
            return match other {
                Ok(b) => Response::from_parts(parts, Body::from(b)),
                Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            };
        }
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        let _ = idempotency::release(&state.db, user_id, key).await;
        return Response::from_parts(parts, Body::from(bytes));
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if let Err(e) =
        idempotency::answer(&state.db, user_id, key, status.as_u16(), content_type, text).await
    {
        // The write is done; a retry will be told the key is in use rather than write twice.
        tracing::warn!(error = %e, "could not store the answer of an idempotency key");
    }
    Response::from_parts(parts, Body::from(bytes))
}
