//! Browsing the Kemendagri hierarchy (nation → province → kabupaten/kota → kecamatan → desa) and,
//! for national admins, renaming and splitting areas.

use super::{PAGE_SIZE, Pager, query_string, render, saved};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::page::Page;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use pantau_core::org::{AreaCode, AreaLevel};
use pantau_db::offices::{self, OfficeSummary};
use pantau_db::wilayah::{self, Area, Lineage};
use pantau_db::{Actor, today};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "areas.html")]
struct AreasPage {
    page: Page,
    title: String,
    area: Option<Area>,
    ancestry: Vec<Area>,
    covering: Option<OfficeSummary>,
    child_level: Option<&'static str>,
    leaf_children: bool,
    children: Vec<Area>,
    q: String,
    pager: Pager,
    history: Vec<Area>,
    lineage: Vec<Lineage>,
    today: String,
    /// Areas per level nationwide: on the national page only.
    counts: Option<wilayah::LevelCounts>,
}

/// Areas per level, kept until the areas change (counting 83,000 villages is not free).
async fn area_counts(state: &AppState) -> Result<wilayah::LevelCounts, AppError> {
    if let Some(c) = state.area_counts.get("") {
        return Ok((*c).clone());
    }
    let generation = state.area_counts.generation();
    let counts = wilayah::counts(&state.db).await?;
    state.area_counts.put(
        String::new(),
        generation,
        std::sync::Arc::new(counts.clone()),
    );
    Ok(counts)
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    page: Option<i64>,
}

pub(crate) fn parse_code(raw: &str) -> Result<AreaCode, AppError> {
    AreaCode::parse(raw).map_err(|e| AppError::BadRequest(e.to_string()))
}

pub async fn nation(
    State(state): State<AppState>,
    _user: CurrentUser,
    page: Page,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let (_, total) = wilayah::children(&state.db, None, q.q.as_deref(), 1, 0).await?;
    let pager = Pager::new(
        q.page,
        total,
        format!("/wilayah?{}", query_string(&[("q", q.q.as_deref())])),
    );
    let (children, _) =
        wilayah::children(&state.db, None, q.q.as_deref(), PAGE_SIZE, pager.offset()).await?;
    render(AreasPage {
        counts: Some(area_counts(&state).await?),
        title: page.t("areas-nation"),
        area: None,
        ancestry: vec![],
        covering: None,
        child_level: Some(AreaLevel::Province.as_str()),
        leaf_children: false,
        children,
        q: q.q.unwrap_or_default(),
        pager,
        history: vec![],
        lineage: vec![],
        today: today().to_string(),
        page,
    })
}

pub async fn show(
    State(state): State<AppState>,
    _user: CurrentUser,
    page: Page,
    Path(code): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let code = parse_code(&code)?;
    let area = wilayah::get(&state.db, &code).await?;
    let mut ancestry = wilayah::ancestry(&state.db, &code).await?;
    ancestry.pop();
    let child_level = code.level().child();
    let (children, pager) = match child_level {
        Some(_) => {
            let (_, total) =
                wilayah::children(&state.db, Some(&code), q.q.as_deref(), 1, 0).await?;
            let pager = Pager::new(
                q.page,
                total,
                format!("/wilayah/{code}?{}", query_string(&[("q", q.q.as_deref())])),
            );
            let (c, _) = wilayah::children(
                &state.db,
                Some(&code),
                q.q.as_deref(),
                PAGE_SIZE,
                pager.offset(),
            )
            .await?;
            (c, pager)
        }
        None => (vec![], Pager::new(None, 0, String::new())),
    };
    let (history, lineage) = wilayah::history(&state.db, &code).await?;
    render(AreasPage {
        counts: None,
        title: area.name.clone(),
        covering: offices::covering(&state.db, &code).await?,
        area: Some(area),
        ancestry,
        child_level: child_level.map(AreaLevel::as_str),
        leaf_children: child_level == Some(AreaLevel::Village),
        children,
        q: q.q.unwrap_or_default(),
        pager,
        history,
        lineage,
        today: today().to_string(),
        page,
    })
}

#[derive(Deserialize)]
pub struct RenameForm {
    name: String,
    effective: String,
}

pub async fn rename(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(f): Form<RenameForm>,
) -> Result<Response, AppError> {
    let code = parse_code(&code)?;
    wilayah::rename(
        &state.db,
        Actor::User(user.principal()),
        &code,
        &f.name,
        &f.effective,
    )
    .await?;
    Ok(saved(&format!("/wilayah/{code}"), "offices-updated"))
}

#[derive(Deserialize)]
pub struct SplitForm {
    parts: String,
    effective: String,
}

/// `code,name` per line.
fn parse_parts(text: &str) -> Result<Vec<(AreaCode, String)>, AppError> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (c, n) = l
                .split_once(',')
                .ok_or_else(|| AppError::BadRequest(format!("baris {l:?}: format kode,nama")))?;
            Ok((parse_code(c.trim())?, n.trim().to_string()))
        })
        .collect()
}

pub async fn split(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(f): Form<SplitForm>,
) -> Result<Response, AppError> {
    let code = parse_code(&code)?;
    let parts = parse_parts(&f.parts)?;
    wilayah::split(
        &state.db,
        Actor::User(user.principal()),
        &code,
        &parts,
        &f.effective,
    )
    .await?;
    Ok(saved(&format!("/wilayah/{code}"), "offices-updated"))
}
