//! Spreadsheet import and export of IBM units: upload with a dry run first, templates, and
//! scoped exports in CSV or XLSX.

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

/// Largest spreadsheet accepted by upload.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

#[derive(Template)]
#[template(path = "exchange.html")]
struct ExchangePage {
    page: Page,
    year: i64,
    columns: Vec<&'static str>,
    report_columns: Vec<&'static str>,
    /// What was imported (`unit` or `laporan`) and how it went.
    summary: Option<(String, ImportSummary)>,
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
        .any(|g| g.institution_id.is_none() && g.role.permits(Permission::WriteData))
}

pub async fn show(user: CurrentUser, page: Page) -> Result<Response, AppError> {
    user.office_wide()?;
    let body = ExchangePage {
        page,
        year: chrono::Utc::now().year() as i64,
        columns: exchange::units::columns(),
        report_columns: exchange::reports::columns(),
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
    let fields = crate::form::multipart_fields(multipart).await?;
    let file = fields.get("file").cloned().unwrap_or_default();
    let dry_run = fields.get("dry_run").is_some_and(|v| !v.is_empty());
    let year = crate::form::text_field(&fields, "year")
        .trim()
        .parse::<i64>()
        .ok();
    let year = year.unwrap_or_else(|| chrono::Utc::now().year() as i64);
    let kind = match crate::form::text_field(&fields, "jenis").as_str() {
        "laporan" => "laporan",
        _ => "unit",
    };
    let actor = Actor::User(user.principal());
    let result = match exchange::read(&file) {
        Ok(table) if kind == "laporan" => {
            exchange::reports::import(&state.db, actor, &table, dry_run).await?
        }
        Ok(table) => {
            exchange::units::import(&state.db, actor, &table, year, dry_run, &|_| {}).await?
        }
        Err(errors) => Err(errors),
    };
    match result {
        Ok(summary) => {
            let body = ExchangePage {
                page,
                year,
                columns: exchange::units::columns(),
                report_columns: exchange::reports::columns(),
                summary: Some((kind.to_string(), summary)),
                may_import: true,
            }
            .render()?;
            Ok(Html(body).into_response())
        }
        Err(errors) => import_errors(page, errors, "/ibm/impor"),
    }
}

fn download(table: &Table, format: &str, name: &str) -> Result<Response, AppError> {
    let format = Format::parse(format).ok_or(AppError::NotFound)?;
    let bytes = exchange::write(table, format, name)
        .map_err(|e| AppError::BadRequest(format!("XLSX: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{}\"", format.extension()),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct ExportQuery {
    office: Option<i64>,
    /// `laporan` for report lines; units otherwise.
    jenis: Option<String>,
    year: Option<i64>,
}

pub async fn template(
    _user: CurrentUser,
    Path(format): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    match q.jenis.as_deref() {
        Some("laporan") => download(
            &exchange::reports::template(),
            &format,
            "templat-laporan-ibm",
        ),
        _ => download(&exchange::units::template(), &format, "templat-unit-ibm"),
    }
}

/// The units the user may read, optionally under one office.
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(format): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    if q.jenis.as_deref() == Some("laporan") {
        let year = q.year.unwrap_or_else(|| chrono::Utc::now().year() as i64);
        let table = exchange::reports::export(&state.db, user.principal(), year).await?;
        return download(&table, &format, &format!("laporan-ibm-{year}"));
    }
    let table = exchange::units::export(&state.db, user.principal(), q.office).await?;
    download(&table, &format, "unit-ibm")
}
