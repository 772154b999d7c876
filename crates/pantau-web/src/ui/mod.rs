//! Server-rendered pages. Each handler parses its input, asks `pantau-db` (which enforces access
//! and writes the audit entry) and renders a template.

mod account;
mod areas;
mod audit;
pub(crate) mod dashboard;
mod exchange;
mod field;
mod home;
mod ibm;
mod lists;
mod offices;
mod pack;
mod reference;
mod session;
mod sni;
mod summary;
pub(crate) mod unit_import;
mod users;

use crate::AppState;
use crate::error::AppError;
use crate::page::Page;
use crate::routes::{Need, Route, Target, get, post};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

pub fn routes() -> Vec<Route> {
    let mut routes = vec![
        get("/", home::show),
        get("/tugas/{kind}", home::list),
        get("/login", session::login_form),
        post("/login", Need::SelfService, session::login),
        post("/logout", Need::SelfService, session::logout),
        // The Indonesian addresses people type; the English ones keep working.
        get("/masuk", session::login_form),
        post("/masuk", Need::SelfService, session::login),
        post("/keluar", Need::SelfService, session::logout),
        post(
            "/bahasa/{lang}",
            Need::SelfService,
            session::switch_language,
        ),
        get("/wilayah", areas::nation),
        get("/wilayah/{code}", areas::show),
        post("/wilayah/{code}/ganti-nama", Need::National, areas::rename),
        post("/wilayah/{code}/pemekaran", Need::National, areas::split),
        get("/satker", offices::list),
        post("/satker", Need::National, offices::create),
        get("/satker/{id}", offices::show),
        post(
            "/satker/{id}/profil",
            Need::Record(Target::Office),
            offices::update_profile,
        ),
        post(
            "/satker/{id}/struktur",
            Need::National,
            offices::update_structure,
        ),
        post("/satker/{id}/wilayah", Need::National, offices::set_areas),
        get("/pengguna", users::list),
        post("/pengguna", Need::Users, users::create),
        get("/pengguna/{id}", users::show),
        post("/pengguna/{id}/sandi", Need::Users, users::reset_password),
        post("/pengguna/{id}/aktif", Need::Users, users::set_active),
        post(
            "/pengguna/{id}/token/cabut",
            Need::Users,
            users::revoke_token,
        ),
        get("/akun", account::show),
        post("/akun/sandi", Need::SelfService, account::change_password),
        post("/akun/pengingat", Need::SelfService, account::set_reminders),
        post("/akun/token", Need::SelfService, account::create_token),
        post(
            "/akun/token/cabut",
            Need::SelfService,
            account::revoke_token,
        ),
        get("/audit", audit::list),
        get("/dasbor", dashboard::show),
        get("/paket", pack::page),
        get("/ringkasan", summary::page),
        get("/ringkasan.pdf", summary::pdf),
        get("/ringkasan.xlsx", summary::xlsx),
        post("/ringkasan/target", Need::National, summary::save_target),
        get("/paket.xlsx", pack::xlsx),
        get("/paket.pdf", pack::pdf),
        get("/sni", sni::home),
        post("/sni/kohort", Need::OfficeWriter, sni::create_cohort),
        get("/sni/kohort/{id}", sni::cohort),
        post(
            "/sni/kohort/{id}/peserta",
            Need::StaffRecord(Target::Cohort),
            sni::add_participant,
        ),
        post("/sni/lembaga", Need::OfficeWriter, sni::create_institution),
        get("/sni/lembaga/baru", sni::new_institution),
        get("/sni/lembaga/{id}", sni::institution),
        post(
            "/sni/lembaga/{id}/dokumen",
            Need::Record(Target::Institution),
            sni::add_document,
        ),
        post(
            "/sni/lembaga/{id}/sertifikasi",
            Need::StaffRecord(Target::Institution),
            sni::apply_certification,
        ),
        post(
            "/sni/sertifikasi/{id}",
            Need::StaffRecord(Target::Certification),
            sni::update_certification,
        ),
        get("/sni/peserta/{id}", sni::participant),
        post(
            "/sni/peserta/{id}/penilaian",
            Need::Record(Target::Participant),
            sni::open_assessment,
        ),
        post(
            "/sni/peserta/{id}/sesi",
            Need::StaffRecord(Target::Participant),
            sni::record_session,
        ),
        post(
            "/sni/peserta/{id}/rekomendasi",
            Need::StaffRecord(Target::Participant),
            sni::recommend,
        ),
        post(
            "/sni/tindak-lanjut/{id}/status",
            Need::Record(Target::Action),
            sni::action_status,
        ),
        get("/sni/penilaian/{id}", sni::assessment),
        post(
            "/sni/penilaian/{id}",
            Need::Record(Target::Assessment),
            sni::save_scores,
        ),
        post(
            "/sni/penilaian/{id}/aksi",
            Need::Record(Target::Assessment),
            sni::assessment_action,
        ),
        post(
            "/sni/penilaian/{id}/bukti/{requirement}",
            Need::Record(Target::Assessment),
            sni::upload_evidence,
        )
        .body_limit(pantau_db::sni::evidence::MAX_BYTES + 64 * 1024),
        get("/sni/bukti/{id}", sni::download_evidence),
        get("/referensi", reference::show),
        post("/referensi/tahap", Need::National, reference::save_stage),
        post(
            "/referensi/kriteria",
            Need::National,
            reference::save_criterion,
        ),
        post("/referensi/daftar", Need::National, reference::save_item),
        post("/referensi/pelaporan", Need::National, reference::save_rule),
        post("/referensi/batas", Need::National, reference::save_limits),
        post(
            "/referensi/sni/butir",
            Need::National,
            reference::save_requirement,
        ),
        post(
            "/referensi/sni/impor",
            Need::National,
            reference::import_instrument,
        ),
        get(
            "/referensi/sni/{id}/ekspor/{format}",
            reference::export_instrument,
        ),
        get("/ibm", ibm::list),
        post("/ibm", Need::OfficeWriter, ibm::create),
        get("/ibm/baru", ibm::new_form),
        get("/ibm/opsi-wilayah", ibm::area_options),
        get("/ibm/target", ibm::target_table),
        get("/ibm/kepatuhan", ibm::compliance),
        post("/ibm/rollover", Need::National, ibm::roll_over),
        get("/ibm/impor", exchange::show).body_limit(exchange::MAX_UPLOAD_BYTES),
        post("/ibm/impor", Need::OfficeWriter, exchange::import)
            .body_limit(exchange::MAX_UPLOAD_BYTES),
        post("/ibm/impor/simpan", Need::OfficeWriter, unit_import::save),
        get("/ibm/impor/proses/{id}", unit_import::progress),
        get("/ibm/impor/templat/{format}", exchange::template),
        get("/ibm/ekspor/{format}", exchange::export),
        get("/ibm/{id}", ibm::show),
        post(
            "/ibm/{id}/status",
            Need::Record(Target::Unit),
            ibm::change_status,
        ),
        post("/ibm/{id}/tahun", Need::Record(Target::Unit), ibm::set_year),
        post("/ibm/{id}/agen", Need::Record(Target::Unit), ibm::add_agent),
        post(
            "/ibm/{id}/pelatihan",
            Need::Record(Target::Unit),
            ibm::add_training,
        ),
        post(
            "/ibm/{id}/kunjungan",
            Need::Record(Target::Unit),
            field::record_visit,
        )
        .body_limit(field::MAX_UPLOAD_BYTES),
        post(
            "/ibm/{id}/tindakan/{action}",
            Need::UnitReport,
            field::record_follow_up,
        )
        .body_limit(field::MAX_UPLOAD_BYTES),
        get("/ibm/{id}/foto/{photo}", field::photo),
        post(
            "/ibm/{id}/evaluasi",
            Need::Record(Target::Unit),
            ibm::save_evaluation,
        ),
        get("/ibm/{id}/laporan", ibm::report_form),
        post("/ibm/{id}/laporan", Need::UnitReport, ibm::submit_report),
        post(
            "/ibm/{id}/pelapor",
            Need::Record(Target::Unit),
            ibm::create_reporter,
        ),
        post(
            "/ibm/{id}/pelapor/{user}/sandi",
            Need::Record(Target::Unit),
            ibm::set_reporter_password,
        ),
        get("/ibm/{id}/penilaian/{year}", ibm::assessment_form),
        post(
            "/ibm/{id}/penilaian/{year}",
            Need::Record(Target::Unit),
            ibm::save_assessment,
        ),
        post(
            "/ibm/{id}/penilaian/{year}/aksi",
            Need::Record(Target::Unit),
            ibm::assessment_action,
        ),
    ];
    // The working lists, each at the address it is declared with.
    routes.extend(
        lists::PLACES
            .iter()
            .map(|(path, _, _)| get(path, lists::show_list)),
    );
    routes
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

/// A page kept whole until the next write (see [`page_cache_key`]): a handler begins with
/// [`Keeping::begin`], which answers with the kept page when there is one, and ends with
/// [`Keeping::render`], which keeps what it renders — unless a write came in between.
pub(crate) struct Keeping {
    key: String,
    /// The page cache's generation when the work began.
    generation: u64,
}

impl Keeping {
    /// The kept page as `Err` (to answer at once), or the ticket to keep the page being made.
    pub(crate) fn begin(
        state: &AppState,
        user: &crate::auth::CurrentUser,
        page: &Page,
        uri: &axum::http::Uri,
    ) -> Result<Keeping, Response> {
        let key = page_cache_key(user, page, uri, pantau_db::today());
        if let Some(html) = state.pages.get(&key) {
            return Err(Html((*html).clone()).into_response());
        }
        Ok(Keeping {
            key,
            generation: state.pages.generation(),
        })
    }

    pub(crate) fn render(self, state: &AppState, t: impl Template) -> Result<Response, AppError> {
        // Kept as bytes: a kept page is answered without copying it.
        let html = axum::body::Bytes::from(t.render()?);
        state
            .pages
            .put(self.key, self.generation, std::sync::Arc::new(html.clone()));
        Ok(Html(html).into_response())
    }
}

pub(crate) fn render(t: impl Template) -> Result<Response, AppError> {
    Ok(Html(t.render()?).into_response())
}

/// Post/redirect/get: back to `to` with a confirmation message id.
/// The redirect after a save: back to `to`, with the confirmation `message_id` in the query
/// (before any `#fragment`, which the browser keeps to itself).
pub(crate) fn saved(to: &str, message_id: &str) -> Response {
    Redirect::to(&with_flash(to, message_id)).into_response()
}

fn with_flash(to: &str, message_id: &str) -> String {
    let (address, fragment) = match to.split_once('#') {
        Some((a, f)) => (a, format!("#{f}")),
        None => (to, String::new()),
    };
    let sep = if address.contains('?') { '&' } else { '?' };
    format!("{address}{sep}ok={message_id}{fragment}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_confirmation_goes_in_the_query_before_the_fragment() {
        assert_eq!(
            super::with_flash("/ibm/215#kunjungan", "ibm-saved"),
            "/ibm/215?ok=ibm-saved#kunjungan"
        );
        assert_eq!(
            super::with_flash("/ibm/target?year=2025", "ibm-saved"),
            "/ibm/target?year=2025&ok=ibm-saved"
        );
    }
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

/// Province names by code (`32` → "Jawa Barat"), for tables keyed by province.
pub(crate) async fn province_names(
    state: &AppState,
) -> Result<std::collections::HashMap<String, String>, AppError> {
    Ok(pantau_db::wilayah::children(&state.db, None, None, 100, 0)
        .await?
        .0
        .into_iter()
        .map(|a| (a.code, a.name))
        .collect())
}

/// Where a page of office figures (dashboard, target table, pack) stands: the office asked for,
/// or else the reader's own (see `Principal::home_office`), its name, and the way up — only as
/// far as the reader may read, so no link leads to a refusal.
pub(crate) struct Place {
    pub office: Option<i64>,
    pub title: String,
    /// `(label, href)` from the top of the reader's scope down to the parent of this office.
    pub crumbs: Vec<(String, String)>,
}

impl Place {
    pub async fn find(
        state: &AppState,
        user: &crate::auth::CurrentUser,
        page: &Page,
        asked: Option<i64>,
        href: impl Fn(Option<i64>) -> String,
    ) -> Result<Place, AppError> {
        let who = user.principal();
        let Some(id) = asked.or_else(|| who.home_office()) else {
            return Ok(Place {
                office: None,
                title: page.t("ibm-nation"),
                crumbs: Vec::new(),
            });
        };
        let office = pantau_db::offices::get(&state.db, who, id).await?;
        let names: std::collections::HashMap<i64, String> =
            pantau_db::offices::directory(&state.db)
                .await?
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect();
        let mut crumbs = Vec::new();
        let mut above: Option<pantau_core::org::OfficePath> = None;
        for ancestor in office.office_path().ids().into_iter().filter(|a| *a != id) {
            let path = match &above {
                Some(p) => p.child(ancestor),
                None => pantau_core::org::OfficePath::root(ancestor),
            };
            if who.can(pantau_core::access::Permission::ReadData, &path) {
                crumbs.push(match &above {
                    None => (page.t("ibm-nation"), href(None)),
                    Some(_) => (
                        names.get(&ancestor).cloned().unwrap_or_default(),
                        href(Some(ancestor)),
                    ),
                });
            }
            above = Some(path);
        }
        Ok(Place {
            office: Some(id),
            title: office.name,
            crumbs,
        })
    }
}
