//! One log line per request through `tracing`: method, route (the pattern, never the address
//! with its query, which may carry a token), status, latency and a request id that the response
//! also carries (`x-request-id`), so a user's report can be found in the log.

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

pub async fn log(req: Request, next: Next) -> Response {
    // Process start (seconds) and a counter: unique per server, short enough to read out.
    static START: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let start = *START.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() % 1_000_000)
            .unwrap_or_default()
    });
    let id = format!("{start:06}-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "(unmatched)".to_owned());
    let began = std::time::Instant::now();
    let mut res = next.run(req).await;
    let status = res.status().as_u16();
    let latency_ms = began.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::error!(target: "pantau::http", request_id = %id, %method, %route, status, latency_ms, "request");
    } else {
        tracing::info!(target: "pantau::http", request_id = %id, %method, %route, status, latency_ms, "request");
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}
