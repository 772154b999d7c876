//! Spreadsheet import and export of IBM units, agents, periodic reports and institutions: upload
//! with a dry run first, templates, and scoped exports in CSV or XLSX.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::page::Page;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::Datelike;
use pantau_core::access::Permission;
use pantau_db::Actor;
use pantau_db::exchange::{self, Format, RowError, Table, units::ImportSummary};
use serde::Deserialize;

/// Largest spreadsheet accepted by upload (with room for the form around it).
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024 + 64 * 1024;

/// Reads an uploaded spreadsheet on a blocking thread: parsing is CPU-bound, and the async
/// workers must stay free for other requests meanwhile.
pub(crate) async fn read_upload(file: Vec<u8>) -> Result<Result<Table, Vec<RowError>>, AppError> {
    tokio::task::spawn_blocking(move || exchange::read(&file))
        .await
        .map_err(|e| AppError::Internal(format!("spreadsheet reader: {e}")))
}

/// One kind of spreadsheet the exchange page takes and gives: its `jenis` key, its title and help
/// messages, and its columns.
pub struct Kind {
    pub key: &'static str,
    pub title: &'static str,
    pub help: &'static str,
    pub columns: Vec<String>,
}

fn this_year() -> i64 {
    chrono::Utc::now().year() as i64
}

fn kinds() -> Vec<Kind> {
    vec![
        Kind {
            key: "unit",
            title: "xchg-units",
            help: "xchg-import-help",
            columns: exchange::units::columns(&[this_year()]),
        },
        Kind {
            key: "agen",
            title: "xchg-agents",
            help: "xchg-import-agents-help",
            columns: exchange::agents::columns()
                .iter()
                .map(|c| c.to_string())
                .collect(),
        },
        Kind {
            key: "laporan",
            title: "xchg-reports",
            help: "xchg-import-reports-help",
            columns: exchange::reports::columns()
                .iter()
                .map(|c| c.to_string())
                .collect(),
        },
        Kind {
            key: "lembaga",
            title: "xchg-institutions",
            help: "xchg-import-institutions-help",
            columns: exchange::institutions::columns()
                .iter()
                .map(|c| c.to_string())
                .collect(),
        },
        Kind {
            key: "riwayat-sni",
            title: "xchg-history",
            help: "xchg-import-history-help",
            columns: exchange::history::columns()
                .iter()
                .map(|c| c.to_string())
                .collect(),
        },
        Kind {
            key: "target-sni",
            title: "xchg-targets",
            help: "xchg-import-targets-help",
            columns: exchange::targets::columns()
                .iter()
                .map(|c| c.to_string())
                .collect(),
        },
    ]
}

#[derive(Template)]
#[template(path = "exchange.html")]
struct ExchangePage {
    page: Page,
    year: i64,
    kinds: Vec<Kind>,
    /// The title message of what was imported, and how it went.
    summary: Option<(&'static str, ImportSummary)>,
    may_import: bool,
}

impl ExchangePage {
    fn import_action(&self) -> String {
        format!("/ibm/impor?csrf_token={}", self.page.csrf)
    }
}

#[derive(Template)]
#[template(path = "import_errors.html")]
struct ImportErrorsPage {
    page: Page,
    errors: Vec<RowError>,
    back: String,
}

/// The list of row errors of a refused import (422), with a way back to the form.
pub(crate) fn import_errors(
    page: Page,
    errors: Vec<RowError>,
    back: &str,
) -> Result<Response, AppError> {
    let body = ImportErrorsPage {
        page,
        errors,
        back: back.into(),
    }
    .render()?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
}

fn may_import(user: &CurrentUser) -> bool {
    user.principal()
        .grants
        .iter()
        .any(|g| !g.is_narrowed() && g.role.permits(Permission::WriteData))
}

pub async fn show(user: CurrentUser, page: Page) -> Result<Response, AppError> {
    user.office_wide()?;
    let body = ExchangePage {
        page,
        year: chrono::Utc::now().year() as i64,
        kinds: kinds(),
        summary: None,
        may_import: may_import(&user),
    }
    .render()?;
    Ok(Html(body).into_response())
}

/// Checks and (unless it is a dry run) imports an uploaded CSV or XLSX file of units.
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    multipart: Multipart,
) -> Result<Response, AppError> {
    if !may_import(&user) {
        return Err(AppError::Forbidden);
    }
    let mut fields = crate::form::multipart_fields(multipart).await?;
    let file = fields.remove("file").unwrap_or_default();
    let dry_run = fields.get("dry_run").is_some_and(|v| !v.is_empty());
    let year = crate::form::text_field(&fields, "year")
        .trim()
        .parse::<i64>()
        .ok();
    let year = year.unwrap_or_else(|| chrono::Utc::now().year() as i64);
    let key = crate::form::text_field(&fields, "jenis");
    let all = kinds();
    let kind = all.iter().find(|k| k.key == key).unwrap_or(&all[0]);
    // A unit list is previewed before it is saved.
    if kind.key == "unit" && dry_run {
        return super::unit_import::preview(&state, &user, page, file, year).await;
    }
    let actor = Actor::User(user.principal());
    let none = &|_| {};
    let result = match read_upload(file).await? {
        Ok(table) => match kind.key {
            "laporan" => exchange::reports::import(&state.db, actor, &table, dry_run, none).await?,
            "agen" => exchange::agents::import(&state.db, actor, &table, dry_run, none).await?,
            "lembaga" => {
                exchange::institutions::import(&state.db, actor, &table, dry_run, none).await?
            }
            "riwayat-sni" => {
                exchange::history::import(&state.db, actor, &table, dry_run, none).await?
            }
            "target-sni" => {
                exchange::targets::import(&state.db, actor, &table, dry_run, none).await?
            }
            _ => exchange::units::import(&state.db, actor, &table, year, dry_run, none).await?,
        },
        Err(errors) => Err(errors),
    };
    match result {
        Ok(summary) => summary_page(page, year, kind.title, summary),
        Err(errors) => import_errors(page, errors, "/ibm/impor"),
    }
}

/// The exchange page with what an import did.
pub(crate) fn summary_page(
    page: Page,
    year: i64,
    title: &'static str,
    summary: ImportSummary,
) -> Result<Response, AppError> {
    let body = ExchangePage {
        page,
        year,
        kinds: kinds(),
        summary: Some((title, summary)),
        may_import: true,
    }
    .render()?;
    Ok(Html(body).into_response())
}

#[derive(Template)]
#[template(path = "import_result.html")]
struct ImportResultPage {
    page: Page,
    dry_run: bool,
    unchanged: bool,
    rows: usize,
    back: String,
}

/// The outcome of an import that made nothing new (a dry run, or identical to what is stored).
pub(crate) fn import_checked(
    page: Page,
    done: &pantau_db::sni::instrument::InstrumentImport,
    back: &str,
) -> Result<Response, AppError> {
    let body = ImportResultPage {
        page,
        dry_run: done.dry_run,
        unchanged: done.unchanged,
        rows: done.requirements,
        back: back.into(),
    }
    .render()?;
    Ok(Html(body).into_response())
}

pub(crate) fn download(table: &Table, format: &str, name: &str) -> Result<Response, AppError> {
    let format = Format::parse(format).ok_or(AppError::NotFound)?;
    let bytes = exchange::write(table, format, name)
        .map_err(|e| AppError::BadRequest(format!("XLSX: {e}")))?;
    Ok(file_response(format, name, bytes))
}

/// A file to download, named `name` with its format's extension.
fn file_response(format: Format, name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{}\"", format.extension()),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct ExportQuery {
    office: Option<i64>,
    /// `laporan` for report lines; units otherwise.
    jenis: Option<String>,
    year: Option<i64>,
}

pub async fn template(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(format): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    // The unit workbook guides with drop-down lists and a notes sheet.
    if matches!(q.jenis.as_deref(), Some("unit") | None)
        && Format::parse(&format) == Some(Format::Xlsx)
    {
        let bytes = exchange::units::template_workbook(&state.db, this_year()).await?;
        return Ok(file_response(Format::Xlsx, "templat-unit-ibm", bytes));
    }
    let (table, name) = match q.jenis.as_deref() {
        Some("laporan") => (exchange::reports::template(), "templat-laporan-ibm"),
        Some("agen") => (exchange::agents::template(), "templat-agen-pemulihan"),
        Some("lembaga") => (exchange::institutions::template(), "templat-lembaga"),
        Some("riwayat-sni") => (exchange::history::template(), "templat-riwayat-sni"),
        Some("target-sni") => (exchange::targets::template(), "templat-target-sni"),
        Some("instrumen") => (
            pantau_db::exchange::Table::new(&pantau_db::sni::instrument::import_columns()),
            "templat-instrumen-sni",
        ),
        Some("unit") | None => (exchange::units::template(this_year()), "templat-unit-ibm"),
        Some(_) => return Err(AppError::NotFound),
    };
    download(&table, &format, name)
}

/// What the user may read of one kind (units by default), optionally units under one office.
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(format): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    user.office_wide()?;
    let who = user.principal();
    match q.jenis.as_deref() {
        Some("laporan") => {
            let year = q.year.unwrap_or_else(|| chrono::Utc::now().year() as i64);
            let table = exchange::reports::export(&state.db, who, year).await?;
            download(&table, &format, &format!("laporan-ibm-{year}"))
        }
        Some("agen") => {
            let table = exchange::agents::export(&state.db, Actor::User(who)).await?;
            download(&table, &format, "agen-pemulihan")
        }
        Some("riwayat-sni") => {
            let table = exchange::history::export(&state.db, who).await?;
            download(&table, &format, "riwayat-sni")
        }
        Some("target-sni") => {
            let table = exchange::targets::export(&state.db, who, q.year).await?;
            download(&table, &format, "target-sni")
        }
        Some("lembaga") => {
            let table = exchange::institutions::export(&state.db, who).await?;
            download(&table, &format, "lembaga-rehabilitasi")
        }
        Some("unit") | None => {
            let table = exchange::units::export(&state.db, who, q.office).await?;
            download(&table, &format, "unit-ibm")
        }
        Some(_) => Err(AppError::NotFound),
    }
}
