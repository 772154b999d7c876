//! Browsing the audit trail, filtered, newest first, limited to the reader's scope.

use super::{PAGE_SIZE, Pager, query_string, render};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::page::Page;
pub(crate) use crate::view::AuditQuery;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use pantau_core::access::Permission;
use pantau_db::audit::{self, AuditEntry, AuditFilter};

pub(crate) struct EntryView {
    entry: AuditEntry,
    /// The changed fields, named in the reader's language where the catalogue knows them.
    changed: String,
    before: String,
    after: String,
    /// The record's page, for records that have one.
    href: Option<String>,
}

/// The entities the trail records, as the storage layer names them.
const ENTITIES: &[&str] = &[
    "satker",
    "satker_wilayah",
    "wilayah",
    "pengguna",
    "sesi",
    "token_api",
    "unit_ibm",
    "agen_pemulihan",
    "laporan_ibm",
    "kunjungan_ibm",
    "penilaian_tahap",
    "evaluasi_ibm",
    "tahap_ibm",
    "kriteria_tahap_ibm",
    "referensi",
    "pengaturan",
    "pemetaan_kode",
    "nilai_agregat",
    "lembaga",
    "instrumen_sni",
    "butir_sni",
    "kohort_sni",
    "peserta_sni",
    "penilaian_sni",
    "bukti_sni",
    "sesi_sni",
    "tindak_lanjut_sni",
    "sertifikasi_sni",
];

/// The page of a recorded entity, where there is one.
fn record_href(entity: &str, id: &str) -> Option<String> {
    let page = match entity {
        "unit_ibm" => "/ibm/",
        "satker" => "/satker/",
        "pengguna" => "/pengguna/",
        "wilayah" => "/wilayah/",
        "lembaga" => "/sni/lembaga/",
        "kohort_sni" => "/sni/kohort/",
        "peserta_sni" => "/sni/peserta/",
        "penilaian_sni" => "/sni/penilaian/",
        _ => return None,
    };
    // Ids are numbers (an area's is its code): nothing else goes into the link.
    id.bytes()
        .all(|b| b.is_ascii_digit() || b == b'.')
        .then(|| format!("{page}{id}"))
        .filter(|_| !id.is_empty())
}

/// A field's name in the reader's language, or its key when the catalogue has none.
fn field_label(page: &Page, key: &str) -> String {
    let id = format!("field-{}", key.replace('_', "-"));
    if page.i18n.has(page.lang, &id) {
        page.t(&id)
    } else {
        key.to_string()
    }
}

fn pretty(v: &Option<serde_json::Value>) -> String {
    v.as_ref()
        .map(|v| serde_json::to_string_pretty(v).unwrap_or_default())
        .unwrap_or_else(|| "—".into())
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    page: Page,
    filter: AuditFilter,
    entries: Vec<EntryView>,
    entities: Vec<String>,
    total_label: String,
    pager: Pager,
    /// The filtered trail's address, for the download links.
    download_base: String,
}

/// The entries as the page names them: time in the reader's zone, who, what, which record,
/// which fields changed.
fn table(page: &Page, entries: &[AuditEntry]) -> pantau_db::exchange::Table {
    let headers: Vec<String> = [
        "audit-at",
        "audit-user",
        "audit-action",
        "audit-entity",
        "audit-entity-id",
        "audit-changes",
    ]
    .iter()
    .map(|k| page.t(k))
    .collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = pantau_db::exchange::Table::new(&headers);
    for e in entries {
        t.rows.push(vec![
            page.when(&e.at),
            e.username.clone(),
            page.tv_or_code("audit-action-", &e.action),
            page.tv_or_code("audit-entity-", &e.entity),
            e.entity_id.clone(),
            e.changed_fields()
                .iter()
                .map(|f| field_label(page, f))
                .collect::<Vec<_>>()
                .join(", "),
        ]);
    }
    t
}

/// `?unduh=csv|xlsx`: the filtered trail as a file instead of the page.
#[derive(serde::Deserialize)]
pub struct Download {
    unduh: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Query(q): Query<AuditQuery>,
    Query(download): Query<Download>,
) -> Result<Response, AppError> {
    if user
        .principal()
        .scope_roots(Permission::ReadAudit)
        .is_empty()
    {
        return Err(AppError::Forbidden);
    }
    let mut filter = q.filter(PAGE_SIZE);
    if let Some(format) = download.unduh.filter(|f| !f.is_empty()) {
        let (all, _) = audit::list(
            &state.db,
            user.principal(),
            &AuditFilter {
                limit: audit::MAX_LIST,
                ..filter
            },
        )
        .await?;
        return super::exchange::download(&table(&page, &all), &format, "jejak-audit");
    }
    let (_, total) = audit::list(
        &state.db,
        user.principal(),
        &AuditFilter {
            limit: 1,
            ..filter.clone()
        },
    )
    .await?;
    let base = format!(
        "/audit?{}",
        query_string(&[
            ("entity", q.entity.as_deref()),
            ("entity_id", q.entity_id.as_deref()),
            ("username", q.username.as_deref()),
            ("action", q.action.as_deref()),
            ("from", q.from.as_deref()),
            ("to", q.to.as_deref()),
        ])
    );
    let download_base = base.clone();
    let pager = Pager::new(q.page, total, base);
    filter.offset = pager.offset();
    let (entries, _) = audit::list(&state.db, user.principal(), &filter).await?;
    let entries = entries
        .into_iter()
        .map(|e| EntryView {
            changed: e
                .changed_fields()
                .iter()
                .map(|f| field_label(&page, f))
                .collect::<Vec<_>>()
                .join(", "),
            before: pretty(&e.before),
            after: pretty(&e.after),
            href: record_href(&e.entity, &e.entity_id),
            entry: e,
        })
        .collect();
    render(AuditPage {
        total_label: page
            .i18n
            .t_with(page.lang, "audit-total", &[("count", total.into())]),
        entities: ENTITIES.iter().map(|e| e.to_string()).collect(),
        download_base,
        filter,
        entries,
        pager,
        page,
    })
}
