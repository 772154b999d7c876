//! Server-rendered pages. Each handler parses its input, asks `pantau-db` (which enforces access
//! and writes the audit entry) and renders a template.

mod account;
mod areas;
mod audit;
pub(crate) mod dashboard;
mod exchange;
mod home;
mod ibm;
mod offices;
mod pack;
mod reference;
mod session;
mod sni;
pub(crate) mod unit_import;
mod users;

pub(crate) use audit::AuditQuery;

use crate::AppState;
use crate::error::AppError;
use crate::page::Page;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

pub(crate) use users::may_see_users;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/bahasa/{lang}", post(session::switch_language))
        .route("/wilayah", get(areas::nation))
        .route("/wilayah/{code}", get(areas::show))
        .route("/wilayah/{code}/ganti-nama", post(areas::rename))
        .route("/wilayah/{code}/pemekaran", post(areas::split))
        .route("/satker", get(offices::list).post(offices::create))
        .route("/satker/{id}", get(offices::show))
        .route("/satker/{id}/profil", post(offices::update_profile))
        .route("/satker/{id}/struktur", post(offices::update_structure))
        .route("/satker/{id}/wilayah", post(offices::set_areas))
        .route("/pengguna", get(users::list).post(users::create))
        .route("/pengguna/{id}", get(users::show))
        .route("/pengguna/{id}/sandi", post(users::reset_password))
        .route("/pengguna/{id}/aktif", post(users::set_active))
        .route("/pengguna/{id}/token/cabut", post(users::revoke_token))
        .route("/akun", get(account::show))
        .route("/akun/sandi", post(account::change_password))
        .route("/akun/token", post(account::create_token))
        .route("/akun/token/cabut", post(account::revoke_token))
        .route("/audit", get(audit::list))
        .route("/dasbor", get(dashboard::show))
        .route("/paket", get(pack::page))
        .route("/paket.xlsx", get(pack::xlsx))
        .route("/sni", get(sni::home))
        .route("/sni/kohort", post(sni::create_cohort))
        .route("/sni/kohort/{id}", get(sni::cohort))
        .route("/sni/kohort/{id}/peserta", post(sni::add_participant))
        .route("/sni/lembaga", post(sni::create_institution))
        .route("/sni/lembaga/baru", get(sni::new_institution))
        .route("/sni/lembaga/{id}", get(sni::institution))
        .route("/sni/lembaga/{id}/dokumen", post(sni::add_document))
        .route(
            "/sni/lembaga/{id}/sertifikasi",
            post(sni::apply_certification),
        )
        .route("/sni/sertifikasi/{id}", post(sni::update_certification))
        .route("/sni/peserta/{id}", get(sni::participant))
        .route("/sni/peserta/{id}/penilaian", post(sni::open_assessment))
        .route("/sni/peserta/{id}/sesi", post(sni::record_session))
        .route("/sni/peserta/{id}/rekomendasi", post(sni::recommend))
        .route("/sni/tindak-lanjut/{id}/status", post(sni::action_status))
        .route(
            "/sni/penilaian/{id}",
            get(sni::assessment).post(sni::save_scores),
        )
        .route("/sni/penilaian/{id}/aksi", post(sni::assessment_action))
        .route(
            "/sni/penilaian/{id}/bukti/{requirement}",
            post(sni::upload_evidence).layer(axum::extract::DefaultBodyLimit::max(
                pantau_db::sni::evidence::MAX_BYTES + 64 * 1024,
            )),
        )
        .route("/sni/bukti/{id}", get(sni::download_evidence))
        .route("/referensi", get(reference::show))
        .route("/referensi/tahap", post(reference::save_stage))
        .route("/referensi/kriteria", post(reference::save_criterion))
        .route("/referensi/daftar", post(reference::save_item))
        .route("/referensi/pelaporan", post(reference::save_rule))
        .route("/referensi/batas", post(reference::save_limits))
        .route("/referensi/sni/butir", post(reference::save_requirement))
        .route("/referensi/sni/impor", post(reference::import_instrument))
        .route(
            "/referensi/sni/{id}/ekspor/{format}",
            get(reference::export_instrument),
        )
        .route("/ibm", get(ibm::list).post(ibm::create))
        .route("/ibm/baru", get(ibm::new_form))
        .route("/ibm/opsi-wilayah", get(ibm::area_options))
        .route("/ibm/target", get(ibm::target_table))
        .route("/ibm/kepatuhan", get(ibm::compliance))
        .route("/ibm/rollover", post(ibm::roll_over))
        .route(
            "/ibm/impor",
            get(exchange::show)
                .post(exchange::import)
                .layer(axum::extract::DefaultBodyLimit::max(
                    exchange::MAX_UPLOAD_BYTES,
                )),
        )
        .route("/ibm/impor/simpan", post(unit_import::save))
        .route("/ibm/impor/proses/{id}", get(unit_import::progress))
        .route("/ibm/impor/templat/{format}", get(exchange::template))
        .route("/ibm/ekspor/{format}", get(exchange::export))
        .route("/ibm/{id}", get(ibm::show))
        .route("/ibm/{id}/status", post(ibm::change_status))
        .route("/ibm/{id}/tahun", post(ibm::set_year))
        .route("/ibm/{id}/agen", post(ibm::add_agent))
        .route("/ibm/{id}/pelatihan", post(ibm::add_training))
        .route("/ibm/{id}/kunjungan", post(ibm::record_visit))
        .route("/ibm/{id}/evaluasi", post(ibm::save_evaluation))
        .route(
            "/ibm/{id}/laporan",
            get(ibm::report_form).post(ibm::submit_report),
        )
        .route(
            "/ibm/{id}/penilaian/{year}",
            get(ibm::assessment_form).post(ibm::save_assessment),
        )
        .route(
            "/ibm/{id}/penilaian/{year}/aksi",
            post(ibm::assessment_action),
        )
}

/// Renders a template into a 200 page.
/// The key of a page kept whole in `AppState::pages` until the next write: per session (the page
/// carries the session's CSRF token), language, address and day.
pub(crate) fn page_cache_key(
    user: &crate::auth::CurrentUser,
    page: &Page,
    uri: &axum::http::Uri,
    today: chrono::NaiveDate,
) -> String {
    format!(
        "{}|{}|{uri}|{today}",
        user.0.session_token,
        page.lang.code()
    )
}

pub(crate) fn render(t: impl Template) -> Result<Response, AppError> {
    Ok(Html(t.render()?).into_response())
}

/// Post/redirect/get: back to `to` with a confirmation message id.
pub(crate) fn saved(to: &str, message_id: &str) -> Response {
    let sep = if to.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{to}{sep}ok={message_id}")).into_response()
}

pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// Page-number navigation for long lists; links keep the other query parameters.
pub(crate) struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub base: String,
}

pub(crate) const PAGE_SIZE: i64 = 50;

impl Pager {
    /// `base` is the path plus query without `page=`, e.g. `/audit?entity=satker`.
    pub fn new(page: Option<i64>, total: i64, base: String) -> Self {
        let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        Pager {
            page: page.unwrap_or(1).clamp(1, pages),
            pages,
            total,
            base,
        }
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * PAGE_SIZE
    }

    fn href(&self, page: i64) -> String {
        let sep = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{sep}page={page}", self.base)
    }

    pub fn prev_href(&self) -> Option<String> {
        (self.page > 1).then(|| self.href(self.page - 1))
    }

    pub fn next_href(&self) -> Option<String> {
        (self.page < self.pages).then(|| self.href(self.page + 1))
    }

    pub fn label(&self, page: &Page) -> String {
        page.i18n.t_with(
            page.lang,
            "common-page",
            &[("page", self.page.into()), ("pages", self.pages.into())],
        )
    }
}

/// Builds a query string from non-empty pairs, percent-encoded.
pub(crate) fn query_string(pairs: &[(&str, Option<&str>)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| {
            v.filter(|v| !v.is_empty()).map(|v| {
                format!(
                    "{k}={}",
                    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
                )
            })
        })
        .collect();
    parts.join("&")
}
