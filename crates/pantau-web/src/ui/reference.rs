//! Configurable reference data: development stages and criteria, the coded lists used by reports
//! and evaluations, and the reporting rule. Everyone signed in reads; national admins edit.

use super::{render, saved};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::page::Page;
use askama::Template;
use axum::Form;
use axum::extract::Multipart;
use axum::extract::State;
use axum::response::Response;
use pantau_core::ibm::ReportingRule;
use pantau_db::Actor;
use pantau_db::ibm::stages::{self, Stage};
use pantau_db::reference::{self, LISTS, RefItem};
use pantau_db::sni::instrument::{self, Instrument, RequirementInput};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "reference.html")]
struct ReferencePage {
    page: Page,
    stages: Vec<Stage>,
    lists: Vec<(&'static str, Vec<RefItem>)>,
    rule: ReportingRule,
    limits: reference::Limits,
    instrument: Instrument,
}

impl ReferencePage {
    fn import_action(&self) -> String {
        format!("/referensi/sni/impor?csrf_token={}", self.page.csrf)
    }
    fn aspect_code(&self, id: &i64) -> String {
        self.instrument
            .aspects
            .iter()
            .find(|a| a.id == *id)
            .map(|a| a.code.clone())
            .unwrap_or_default()
    }
}

pub async fn show(
    State(state): State<AppState>,
    _user: CurrentUser,
    page: Page,
) -> Result<Response, AppError> {
    let mut lists = Vec::new();
    for l in LISTS {
        lists.push((*l, reference::items(&state.db, l, true).await?));
    }
    render(ReferencePage {
        stages: stages::list(&state.db).await?,
        lists,
        rule: reference::reporting_rule(&state.db).await?,
        limits: reference::limits(&state.db).await?,
        instrument: instrument::active(&state.db).await?,
        page,
    })
}

#[derive(Deserialize)]
pub struct StageForm {
    code: String,
    ordinal: i64,
    name_id: String,
    name_en: String,
    #[serde(default)]
    description: String,
}

pub async fn save_stage(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<StageForm>,
) -> Result<Response, AppError> {
    stages::upsert_stage(
        &state.db,
        Actor::User(user.principal()),
        &f.code,
        f.ordinal,
        &f.name_id,
        &f.name_en,
        &f.description,
    )
    .await?;
    Ok(saved("/referensi", "ibm-saved"))
}

#[derive(Deserialize)]
pub struct CriterionForm {
    stage_id: i64,
    code: String,
    text_id: String,
    text_en: String,
    mandatory: Option<String>,
    #[serde(default)]
    ordinal: i64,
}

pub async fn save_criterion(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<CriterionForm>,
) -> Result<Response, AppError> {
    stages::upsert_criterion(
        &state.db,
        Actor::User(user.principal()),
        f.stage_id,
        &f.code,
        &f.text_id,
        &f.text_en,
        f.mandatory.is_some(),
        f.ordinal,
    )
    .await?;
    Ok(saved("/referensi", "ibm-saved"))
}

#[derive(Deserialize)]
pub struct ItemForm {
    list: String,
    code: String,
    name_id: String,
    name_en: String,
    #[serde(default)]
    ordinal: i64,
    active: Option<String>,
}

pub async fn save_item(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<ItemForm>,
) -> Result<Response, AppError> {
    let item = RefItem {
        id: 0,
        list: f.list,
        code: f.code,
        name_id: f.name_id,
        name_en: f.name_en,
        ordinal: f.ordinal,
        active: f.active.is_some(),
    };
    reference::upsert_item(&state.db, Actor::User(user.principal()), &item).await?;
    Ok(saved("/referensi", "ibm-saved"))
}

pub async fn save_limits(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(limits): Form<reference::Limits>,
) -> Result<Response, AppError> {
    reference::set_limits(&state.db, Actor::User(user.principal()), limits).await?;
    Ok(saved("/referensi#batas", "ibm-saved"))
}

pub async fn save_rule(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(rule): Form<ReportingRule>,
) -> Result<Response, AppError> {
    reference::set_reporting_rule(&state.db, Actor::User(user.principal()), rule).await?;
    Ok(saved("/referensi", "ibm-saved"))
}

#[derive(Deserialize)]
pub struct RequirementForm {
    instrument_id: i64,
    aspect_code: String,
    code: String,
    text_id: String,
    text_en: String,
    weight: f64,
    mandatory: Option<String>,
    #[serde(default)]
    evidence_kind: String,
    #[serde(default)]
    evidence_kind_en: String,
}

pub async fn save_requirement(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<RequirementForm>,
) -> Result<Response, AppError> {
    let r = RequirementInput {
        aspect_code: f.aspect_code,
        code: f.code,
        text_id: f.text_id,
        text_en: f.text_en,
        weight: f.weight,
        mandatory: f.mandatory.is_some(),
        evidence_kind: f.evidence_kind,
        evidence_kind_en: f.evidence_kind_en,
    };
    instrument::upsert_requirement(
        &state.db,
        Actor::User(user.principal()),
        f.instrument_id,
        &r,
    )
    .await?;
    Ok(saved("/referensi#sni", "ibm-saved"))
}

/// Imports a new SNI instrument version from a CSV file (all or nothing); row errors are listed.
pub async fn import_instrument(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let mut fields = crate::form::multipart_fields(multipart).await?;
    let (code, title, threshold) = (
        crate::form::text_field(&fields, "code"),
        crate::form::text_field(&fields, "title"),
        crate::form::text_field(&fields, "threshold"),
    );
    let file = fields.remove("file").unwrap_or_default();
    let threshold: f64 = threshold
        .trim()
        .replace(',', ".")
        .parse::<f64>()
        .map(|t| if t > 1.0 { t / 100.0 } else { t })
        .map_err(|_| AppError::BadRequest("ambang lulus bukan angka".into()))?;
    let dry_run = fields.get("dry_run").is_some_and(|v| !v.is_empty());
    let table = match super::exchange::read_upload(file).await? {
        Ok(t) => t,
        Err(errors) => return super::exchange::import_errors(page, errors, "/referensi#sni"),
    };
    match instrument::import(
        &state.db,
        Actor::User(user.principal()),
        &code,
        &title,
        threshold,
        &table,
        dry_run,
    )
    .await?
    {
        Ok(done) if done.dry_run || done.unchanged => {
            super::exchange::import_checked(page, &done, "/referensi#sni")
        }
        Ok(_) => Ok(saved("/referensi#sni", "ibm-saved")),
        Err(errors) => super::exchange::import_errors(page, errors, "/referensi#sni"),
    }
}

/// One instrument version in the import columns (reference data: any signed-in user).
pub async fn export_instrument(
    State(state): State<AppState>,
    _user: CurrentUser,
    axum::extract::Path((id, format)): axum::extract::Path<(i64, String)>,
) -> Result<Response, AppError> {
    let found = instrument::load(&state.db, id).await?;
    super::exchange::download(
        &instrument::export(&found),
        &format,
        &format!("instrumen-{}", found.code),
    )
}
