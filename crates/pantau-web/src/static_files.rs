//! Vendored front-end files (htmx, CSS), embedded in the binary: no CDN, works offline.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "static/"]
struct Assets;

pub async fn serve(Path(path): Path<String>) -> Response {
    match Assets::get(&path) {
        Some(file) => {
            let mime = file.metadata.mimetype();
            let mut res = file.data.into_owned().into_response();
            let h = res.headers_mut();
            if let Ok(v) = HeaderValue::from_str(mime) {
                h.insert(header::CONTENT_TYPE, v);
            }
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            );
            // The field pages' service worker lives here but looks after the whole site.
            if path == "js/sw.js" {
                h.insert(
                    header::HeaderName::from_static("service-worker-allowed"),
                    HeaderValue::from_static("/"),
                );
            }
            res
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
