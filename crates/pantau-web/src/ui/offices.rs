//! The office tree: a directory everyone signed in can see, office pages within scope, profile
//! edits by the office's own staff (and those above), structure edits by national admins.

use super::{render, saved};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::page::Page;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use pantau_core::org::OfficeLevel;
use pantau_db::Actor;
use pantau_db::offices::{self, Office, OfficeProfile, OfficeStructure, OfficeSummary};
use serde::Deserialize;
use std::collections::HashMap;

pub(crate) struct TreeNode {
    office: OfficeSummary,
    depth: usize,
    readable: bool,
}

#[derive(Template)]
#[template(path = "offices.html")]
struct OfficesPage {
    page: Page,
    tree: Vec<TreeNode>,
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
) -> Result<Response, AppError> {
    let readable: HashMap<i64, ()> = offices::in_scope(&state.db, user.principal())
        .await?
        .into_iter()
        .map(|o| (o.id, ()))
        .collect();
    let tree = offices::directory(&state.db)
        .await?
        .into_iter()
        .map(|o| TreeNode {
            depth: OfficeLevel::parse(&o.level)
                .map(|l| l as usize)
                .unwrap_or(0),
            readable: readable.contains_key(&o.id),
            office: o,
        })
        .collect();
    render(OfficesPage { page, tree })
}

#[derive(Template)]
#[template(path = "office.html")]
struct OfficePage {
    page: Page,
    office: Office,
    ancestors: Vec<(i64, String)>,
    areas: Vec<(String, String)>,
    area_codes: String,
    staff: Vec<(String, String, String)>,
    children: Vec<OfficeSummary>,
    parent_options: Vec<(i64, String, bool)>,
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let office = offices::get(&state.db, user.principal(), id).await?;
    let directory = offices::directory(&state.db).await?;
    let name_of = |id: i64| {
        directory
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.name.clone())
            .unwrap_or_default()
    };
    let path = office.office_path();
    let ancestors = path
        .ids()
        .into_iter()
        .filter(|i| *i != id)
        .map(|i| (i, name_of(i)))
        .collect();
    let areas = offices::areas(&state.db, id).await?;
    let area_codes = areas
        .iter()
        .map(|(c, _)| c.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let parent_level = office.level().and_then(OfficeLevel::parent_level);
    let parent_options = directory
        .iter()
        .filter(|o| Some(o.level.as_str()) == parent_level.map(OfficeLevel::as_str))
        .map(|o| (o.id, o.name.clone(), Some(o.id) == office.parent_id))
        .collect();
    render(OfficePage {
        staff: offices::staff(&state.db, user.principal(), id).await?,
        children: offices::children(&state.db, id).await?,
        ancestors,
        areas,
        area_codes,
        parent_options,
        office,
        page,
    })
}

pub async fn update_profile(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(profile): Form<OfficeProfile>,
) -> Result<Response, AppError> {
    offices::update_profile(&state.db, Actor::User(user.principal()), id, &profile).await?;
    Ok(saved(&format!("/satker/{id}"), "offices-updated"))
}

#[derive(Deserialize)]
pub struct StructureForm {
    code: String,
    name: String,
    level: String,
    parent_id: Option<i64>,
    active: Option<String>,
}

impl StructureForm {
    fn into_structure(self) -> Result<OfficeStructure, AppError> {
        Ok(OfficeStructure {
            level: OfficeLevel::parse(&self.level).ok_or_else(|| {
                AppError::BadRequest(format!("tingkat {:?} tidak dikenal", self.level))
            })?,
            code: self.code,
            name: self.name,
            parent_id: self.parent_id,
            active: self.active.is_some(),
        })
    }
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(mut f): Form<StructureForm>,
) -> Result<Response, AppError> {
    f.active = Some("1".into());
    let office = offices::create(
        &state.db,
        Actor::User(user.principal()),
        &f.into_structure()?,
    )
    .await?;
    Ok(saved(&format!("/satker/{}", office.id), "offices-updated"))
}

pub async fn update_structure(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<StructureForm>,
) -> Result<Response, AppError> {
    offices::update_structure(
        &state.db,
        Actor::User(user.principal()),
        id,
        &f.into_structure()?,
    )
    .await?;
    Ok(saved(&format!("/satker/{id}"), "offices-updated"))
}

#[derive(Deserialize)]
pub struct AreasForm {
    codes: String,
}

pub async fn set_areas(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<AreasForm>,
) -> Result<Response, AppError> {
    let codes = f
        .codes
        .split([',', ';', ' ', '\n'])
        .filter(|s| !s.trim().is_empty())
        .map(super::areas::parse_code)
        .collect::<Result<Vec<_>, _>>()?;
    offices::set_areas(&state.db, Actor::User(user.principal()), id, &codes).await?;
    Ok(saved(&format!("/satker/{id}"), "offices-updated"))
}
