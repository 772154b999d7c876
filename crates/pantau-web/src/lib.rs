//! Pantau's web layer: server-rendered pages (askama + htmx) and the JSON API under `/api/v1`.
//! Handlers stay thin: they parse input, call `pantau-db` (which checks access and audits), and
//! render. Sessions, CSRF, the login throttle and security headers live in `auth` and `security`.

pub mod api;
pub mod auth;
mod cache;
mod error;
mod form;
pub mod guard;
pub mod i18n;
pub mod idempotency;
mod page;
mod pdf;
mod request_log;
pub mod routes;
mod security;
mod static_files;
mod ui;
mod view;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use pantau_db::Db;
use std::sync::Arc;

/// Settings the web layer needs.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (serve behind HTTPS in production).
    pub secure_cookies: bool,
    /// The sign-in throttle's limits (shared by every server through the database).
    pub login: pantau_db::throttle::Rule,
    /// Addresses of reverse proxies whose `X-Forwarded-For` names the client; from anyone
    /// else the header is ignored, so a client cannot pick its own address for the throttle.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Folder for uploaded evidence files (outside anything served).
    pub data_dir: std::path::PathBuf,
    /// Seconds a resolved session is reused without asking the database: a sign-out through
    /// this server ends it at once; an account disabled elsewhere, within this many seconds.
    pub session_cache_secs: u64,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            login: pantau_db::throttle::Rule::default(),
            trusted_proxies: Vec::new(),
            data_dir: std::path::PathBuf::from("pantau-data"),
            session_cache_secs: 5,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub i18n: Arc<i18n::I18n>,
    pub config: Arc<WebConfig>,
    pub evidence: Arc<pantau_db::sni::evidence::EvidenceStore>,
    /// Photos from the field (follow-ups and visits), beside the evidence files.
    pub photos: Arc<pantau_db::files::FileStore>,
    pub dashboards: Arc<cache::FiguresCache<view::Figures>>,
    /// Rendered dashboard pages, per session (they carry its CSRF token) and address.
    pub pages: Arc<cache::FiguresCache<axum::body::Bytes>>,
    pub sessions: Arc<auth::SessionCache>,
    /// The users behind API tokens, for a few seconds (see `auth::resolve_token`).
    pub tokens: Arc<auth::SessionCache>,
    /// Area counts for the home page (a scan of 90,000 areas), until the next write.
    pub area_counts: Arc<cache::FiguresCache<pantau_db::wilayah::LevelCounts>>,
    /// Unit lists being saved in the background, with their progress.
    pub jobs: Arc<ui::unit_import::Jobs>,
    /// This server among others on the same database (see [`pantau_db::changes`]).
    pub server_id: Arc<str>,
}

impl AppState {
    pub fn new(db: Db, config: WebConfig) -> Self {
        let session_ttl = std::time::Duration::from_secs(config.session_cache_secs);
        AppState {
            sessions: Arc::new(auth::SessionCache::new(session_ttl)),
            tokens: Arc::new(auth::SessionCache::new(session_ttl)),
            db,
            i18n: Arc::new(i18n::I18n::new()),
            evidence: Arc::new(pantau_db::sni::evidence::EvidenceStore::new(
                config.data_dir.join("bukti"),
            )),
            photos: Arc::new(pantau_db::files::FileStore::new(
                config.data_dir.join("foto"),
            )),
            config: Arc::new(config),
            dashboards: Arc::default(),
            pages: Arc::default(),
            area_counts: Arc::default(),
            jobs: Arc::default(),
            server_id: pantau_db::sessions::random_token()[..16].into(),
        }
    }

    /// Every cache of figures and pages is stale: after a write here.
    pub fn forget_figures(&self) {
        self.dashboards.invalidate();
        self.pages.invalidate();
        self.area_counts.invalidate();
    }

    /// Empties this server's caches whenever another server on the same PostgreSQL announces
    /// a change, until the returned task is aborted: figures, pages, reference data, and the
    /// roles kept for API tokens (revocation itself is checked on every request). Nothing to
    /// follow on SQLite.
    pub fn follow_other_servers(&self) -> tokio::task::JoinHandle<()> {
        let state = self.clone();
        tokio::spawn(pantau_db::changes::follow(
            self.db.clone(),
            self.server_id.to_string(),
            move || {
                state.forget_figures();
                state.tokens.clear();
                state.db.forget_reference();
            },
        ))
    }
}

/// Largest request body accepted for forms and JSON; evidence uploads have their own limit.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(routes::router())
        .route_layer(middleware::from_fn_with_state(state.clone(), guard::writes))
        .fallback(ui::not_found)
        // Outermost last: a request meets these bottom-up, its response top-down.
        .layer(middleware::from_fn(auth::csrf_guard))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            cache::invalidate_after_writes,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            error::render_errors,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::exactly_once,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::login_form_token,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(middleware::from_fn(i18n::choose_language))
        .layer(middleware::from_fn(security::headers))
        .layer(middleware::from_fn(request_log::log))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Serves the app on `listener` until `shutdown` completes, with client addresses available to
/// the login throttle.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let following = state.follow_other_servers();
    let served = axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    following.abort();
    served
}
