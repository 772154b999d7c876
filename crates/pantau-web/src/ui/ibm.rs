//! IBM pages: the unit registry, a unit's page (status, yearly category and target, agents,
//! reports, visits, evaluation), the report and assessment forms, target tables, compliance.

use super::{PAGE_SIZE, Pager, query_string, render, saved};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::page::Page;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, RawForm, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::Datelike;
use pantau_core::access::Permission;
use pantau_core::aggregate::xml_escape as escape;
use pantau_core::ibm::{AssessmentAction, Category, FundingSource, UnitStatus, VisitMode};
use pantau_core::ibm::{ReportState, TargetRow};
use pantau_db::ibm::assessments::{self, Assessment, CriterionAnswer};
use pantau_db::ibm::follow_ups::{self, FollowUp};
use pantau_db::ibm::reports::{self, Compliance, ReportLine};
use pantau_db::ibm::units::{self, StatusChange, Unit, UnitFilter, UnitInput, UnitYear};
use pantau_db::ibm::visits::{self, Action, Visit};
use pantau_db::ibm::{agents, evaluations, stages, targets};
use pantau_db::offices::{self, Office};
use pantau_db::reference::{self, RefItem};
use pantau_db::{Actor, wilayah};
use serde::Deserialize;
use std::collections::HashMap;

fn this_year() -> i64 {
    chrono::Utc::now().year() as i64
}

use crate::form::{pairs, value as field};

// ---------- registry ----------

#[derive(Template)]
#[template(path = "ibm_list.html")]
struct ListPage {
    page: Page,
    units: Vec<Unit>,
    pager: Pager,
    q: ListQuery,
    statuses: Vec<&'static str>,
    categories: Vec<&'static str>,
    fundings: Vec<&'static str>,
    provinces: Vec<wilayah::Area>,
    years: Vec<i64>,
    can_register: bool,
    tabs: Vec<(&'static str, String)>,
}

impl ListPage {
    /// This list's address with `changes` applied (empty values dropped): filters live in the
    /// address, so a filtered list can be bookmarked and shared.
    fn href(&self, changes: &[(&str, &str)]) -> String {
        let year = self.q.year.map(|y| y.to_string());
        let office = self.q.office.map(|o| o.to_string());
        let mut pairs: Vec<(&str, String)> = [
            ("q", self.q.q.clone()),
            ("office", office),
            ("province", self.q.province.clone()),
            ("year", year),
            ("category", self.q.category.clone()),
            ("funding", self.q.funding.clone()),
            ("status", self.q.status.clone()),
            ("sort", self.q.sort.clone()),
            ("desc", self.q.desc.clone()),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect();
        for (k, v) in changes {
            pairs.retain(|(key, _)| key != k);
            if !v.is_empty() {
                pairs.push((k, v.to_string()));
            }
        }
        let kept: Vec<(&str, Option<&str>)> =
            pairs.iter().map(|(k, v)| (*k, Some(v.as_str()))).collect();
        format!("/ibm?{}", query_string(&kept))
    }
    /// The header link sorting by `column`: ascending first, then the other way.
    fn sort_href(&self, column: &str) -> String {
        let current = self.q.sort.as_deref().unwrap_or("code") == column;
        let desc = current && self.q.desc.as_deref() != Some("1");
        self.href(&[("sort", column), ("desc", if desc { "1" } else { "" })])
    }
    /// ▲ or ▼ beside the column the list is sorted by.
    fn sort_mark(&self, column: &str) -> &'static str {
        if self.q.sort.as_deref().unwrap_or("code") != column {
            ""
        } else if self.q.desc.as_deref() == Some("1") {
            " ▼"
        } else {
            " ▲"
        }
    }
    /// The year the category filter applies to.
    fn year(&self) -> i64 {
        self.q.year.unwrap_or_else(this_year)
    }
    fn chosen(&self, value: &Option<String>, option: &str) -> bool {
        value.as_deref() == Some(option)
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct ListQuery {
    q: Option<String>,
    status: Option<String>,
    office: Option<i64>,
    province: Option<String>,
    year: Option<i64>,
    category: Option<String>,
    funding: Option<String>,
    sort: Option<String>,
    desc: Option<String>,
    page: Option<i64>,
    /// `csv` or `xlsx`: the filtered list as a spreadsheet instead of the page.
    unduh: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Query(mut q): Query<ListQuery>,
    uri: axum::http::Uri,
) -> Result<Response, AppError> {
    user.office_wide()?;
    let keeping = match super::Keeping::begin(&state, &user, &page, &uri) {
        Ok(k) => k,
        Err(kept) => return Ok(kept),
    };
    let empty_to_none = |v: &mut Option<String>| {
        if v.as_deref().is_some_and(|s| s.trim().is_empty()) {
            *v = None;
        }
    };
    for v in [
        &mut q.q,
        &mut q.status,
        &mut q.province,
        &mut q.category,
        &mut q.funding,
        &mut q.sort,
        &mut q.desc,
    ] {
        empty_to_none(v);
    }
    let filter = UnitFilter {
        office_id: q.office,
        status: q.status.clone(),
        query: q.q.clone(),
        province: q.province.clone(),
        year: q.year,
        category: q.category.clone(),
        funding: q.funding.clone(),
        sort: q
            .sort
            .as_deref()
            .and_then(units::UnitSort::parse)
            .unwrap_or_default(),
        descending: q.desc.as_deref() == Some("1"),
        limit: 1,
        offset: 0,
    };
    if let Some(format) = &q.unduh {
        // Exactly the rows of the list, every page of it.
        let (all, _) = units::list(
            &state.db,
            user.principal(),
            &UnitFilter {
                limit: units::MAX_LIST,
                ..filter
            },
        )
        .await?;
        let table = pantau_db::exchange::views::units(&all);
        return super::exchange::download(&table, format, "daftar-unit-ibm");
    }
    let (_, total) = units::list(&state.db, user.principal(), &filter).await?;
    let mut shown = ListPage {
        units: vec![],
        pager: Pager::new(q.page, total, String::new()),
        q: q.clone(),
        statuses: UnitStatus::ALL.iter().map(|s| s.as_str()).collect(),
        categories: Category::ALL.iter().map(|c| c.as_str()).collect(),
        fundings: FundingSource::ALL.iter().map(|f| f.as_str()).collect(),
        provinces: wilayah::children(&state.db, None, None, 100, 0).await?.0,
        years: (2021..=this_year() + 1).rev().collect(),
        tabs: super::lists::tabs(super::lists::Group::Ibm),
        can_register: !user
            .principal()
            .scope_roots(Permission::WriteData)
            .is_empty(),
        page,
    };
    shown.pager = Pager::new(q.page, total, shown.href(&[]));
    let (units, _) = units::list(
        &state.db,
        user.principal(),
        &UnitFilter {
            limit: PAGE_SIZE,
            offset: shown.pager.offset(),
            ..filter
        },
    )
    .await?;
    shown.units = units;
    keeping.render(&state, shown)
}

#[derive(Template)]
#[template(path = "ibm_new.html")]
struct NewPage {
    page: Page,
    offices: Vec<Office>,
    provinces: Vec<wilayah::Area>,
    fundings: Vec<&'static str>,
    year: i64,
}

async fn writable_offices(state: &AppState, user: &CurrentUser) -> Result<Vec<Office>, AppError> {
    Ok(offices::in_scope(&state.db, user.principal())
        .await?
        .into_iter()
        .filter(|o| {
            o.level != "pusat"
                && user
                    .principal()
                    .can(Permission::WriteData, &o.office_path())
        })
        .collect())
}

pub async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
) -> Result<Response, AppError> {
    let offices = writable_offices(&state, &user).await?;
    if offices.is_empty() {
        return Err(AppError::Forbidden);
    }
    render(NewPage {
        offices,
        provinces: wilayah::children(&state.db, None, None, 100, 0).await?.0,
        fundings: FundingSource::ALL.iter().map(|f| f.as_str()).collect(),
        year: this_year(),
        page,
    })
}

/// `<option>`s of the areas under `parent`, for the cascading village picker.
#[derive(Deserialize)]
pub struct OptionsQuery {
    parent: Option<String>,
}

pub async fn area_options(
    State(state): State<AppState>,
    _user: CurrentUser,
    page: Page,
    Query(q): Query<OptionsQuery>,
) -> Result<Response, AppError> {
    let parent = q
        .parent
        .as_deref()
        .filter(|p| !p.is_empty())
        .map(super::areas::parse_code)
        .transpose()?;
    let (items, _) = wilayah::children(&state.db, parent.as_ref(), None, 1000, 0).await?;
    let mut html = format!("<option value=\"\">— {} —</option>", page.t("ibm-choose"));
    for a in items {
        html.push_str(&format!(
            "<option value=\"{}\">{}</option>",
            escape(&a.code),
            escape(&a.name)
        ));
    }
    Ok(Html(html).into_response())
}

#[derive(Deserialize)]
pub struct UnitForm {
    code: String,
    name: String,
    village_code: String,
    office_id: i64,
    year_formed: i64,
    #[serde(default)]
    decree_number: String,
    funding_source: String,
    desa_bersinar: Option<String>,
    priority_area: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<UnitForm>,
) -> Result<Response, AppError> {
    let input = UnitInput {
        code: f.code,
        name: f.name,
        village_code: f.village_code,
        office_id: f.office_id,
        year_formed: f.year_formed,
        decree_number: f.decree_number,
        funding_source: f.funding_source,
        desa_bersinar: f.desa_bersinar.is_some(),
        priority_area: f.priority_area.is_some(),
    };
    let unit = units::create(
        &state.db,
        Actor::User(user.principal()),
        &input,
        this_year(),
    )
    .await?;
    Ok(saved(&format!("/ibm/{}", unit.id), "ibm-saved"))
}

// ---------- unit page ----------

#[derive(Template)]
#[template(path = "ibm_unit.html")]
struct UnitPage {
    page: Page,
    unit: Unit,
    can_write: bool,
    /// Sends and corrects reports: the unit's officers, and its own unit reporters.
    can_report: bool,
    /// The unit's reporter accounts, for the officers who make them.
    reporters: Option<Vec<pantau_db::users::User>>,
    /// The reporter account the officer just tried to make, when it was refused.
    reporter_draft: ReporterForm,
    next_statuses: Vec<&'static str>,
    history: Vec<StatusChange>,
    years: Vec<UnitYear>,
    stage_names: HashMap<i64, String>,
    stages: Vec<stages::Stage>,
    categories: Vec<&'static str>,
    year: i64,
    /// `None` for readers without access to personal data (partners such as IKAI).
    agents: Option<Vec<agents::Agent>>,
    trainings: Vec<RefItem>,
    compliance: Option<Compliance>,
    visits: Vec<Visit>,
    open_actions: Vec<Action>,
    /// What was sent about the unit's actions between visits, newest first.
    follow_ups: Vec<FollowUp>,
    default_mode: &'static str,
    assessment: Option<Assessment>,
    factors: Vec<RefItem>,
    chosen_factors: Vec<i64>,
    evaluation: evaluations::EvaluationInput,
    /// The stored evaluation's version (0: none yet), sent back with the form.
    evaluation_version: i64,
    /// What the reader tried to save when someone else had saved the evaluation first: shown
    /// beside the stored values.
    evaluation_conflict: Option<evaluations::EvaluationInput>,
    today: String,
}

/// Periods shown at once on a unit page; older ones fold away (a phone is not scrolled past
/// years of chips to reach this month).
const RECENT_PERIODS: usize = 12;

impl UnitPage {
    /// The last [`RECENT_PERIODS`] periods of the compliance record, and the older ones.
    fn periods_split(&self) -> (&[(String, ReportState)], &[(String, ReportState)]) {
        let periods = self.compliance.as_ref().map_or(&[][..], |c| &c.periods[..]);
        let cut = periods.len().saturating_sub(RECENT_PERIODS);
        (&periods[cut..], &periods[..cut])
    }
    fn recent_periods(&self) -> &[(String, ReportState)] {
        self.periods_split().0
    }
    fn older_periods(&self) -> &[(String, ReportState)] {
        self.periods_split().1
    }
    /// The follow-ups sent for one action, newest first.
    fn follow_ups_of(&self, action_id: &i64) -> Vec<&FollowUp> {
        self.follow_ups
            .iter()
            .filter(|f| f.action_id == *action_id)
            .collect()
    }
    /// Whether the latest follow-up of the action says it is done: the visit's review opens on
    /// "done" for the officer to confirm.
    fn reported_done(&self, action_id: &i64) -> bool {
        self.follow_ups_of(action_id)
            .first()
            .is_some_and(|f| f.done)
    }
    /// A training's name in the reader's language (its code when the list no longer has it).
    fn training_name(&self, code: &str) -> String {
        self.trainings
            .iter()
            .find(|t| t.code == code)
            .map(|t| t.name(self.page.lang.code()).to_string())
            .unwrap_or_else(|| code.to_string())
    }
    /// The stored category and target of `year`, which the year form opens on.
    fn stored(&self, year: i64) -> Option<&UnitYear> {
        self.years.iter().find(|y| y.year == year)
    }
    fn stored_category(&self) -> &str {
        self.stored(self.year).map_or("", |y| y.category.as_str())
    }
    fn stored_target(&self) -> Option<i64> {
        self.stored(self.year).and_then(|y| y.target_stage_id)
    }
    /// Every stored year, for the year form to follow the year chosen (see `forms.js`).
    fn stored_years(&self) -> String {
        let map: serde_json::Map<String, serde_json::Value> = self
            .years
            .iter()
            .map(|y| {
                let target = y.target_stage_id.map(|t| t.to_string()).unwrap_or_default();
                (
                    y.year.to_string(),
                    serde_json::json!({"category": y.category, "target_stage_id": target}),
                )
            })
            .collect();
        serde_json::Value::Object(map).to_string()
    }
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    unit_page(&state, &user, page, id, None).await
}

/// The unit page; with `evaluation_conflict`, the evaluation someone else saved first beside
/// the one the reader tried to save.
async fn unit_page(
    state: &AppState,
    user: &CurrentUser,
    page: Page,
    id: i64,
    evaluation_conflict: Option<evaluations::EvaluationInput>,
) -> Result<Response, AppError> {
    unit_page_with(
        state,
        user,
        page,
        id,
        evaluation_conflict,
        ReporterForm::default(),
    )
    .await
}

async fn unit_page_with(
    state: &AppState,
    user: &CurrentUser,
    page: Page,
    id: i64,
    evaluation_conflict: Option<evaluations::EvaluationInput>,
    reporter_draft: ReporterForm,
) -> Result<Response, AppError> {
    let p = user.principal();
    let unit = units::get(&state.db, p, id).await?;
    let office_path =
        pantau_core::org::OfficePath::parse(&unit.office_path).ok_or(AppError::NotFound)?;
    let can_write = p.can(Permission::WriteData, &office_path);
    let years = units::years(&state.db, p, id).await?;
    let all_stages = stages::list(&state.db).await?;
    let lang = page.lang.code();
    let stage_names = all_stages
        .iter()
        .map(|s| (s.id, format!("{}. {}", s.ordinal, s.name(lang))))
        .collect();
    let year = this_year();
    let category = years
        .iter()
        .find(|y| y.year <= year)
        .and_then(|y| Category::parse(&y.category));
    let mut factors = reference::items(&state.db, "obstacle", false).await?;
    factors.extend(reference::items(&state.db, "driver", false).await?);
    let evaluation = evaluations::get(&state.db, p, id, year).await?;
    let today = pantau_db::today();
    render(UnitPage {
        can_write,
        can_report: p.can_unit(Permission::SubmitReports, &office_path, id),
        reporters: if can_write {
            Some(pantau_db::users::unit_reporters(&state.db, Actor::User(p), id).await?)
        } else {
            None
        },
        reporter_draft,
        next_statuses: unit
            .status()
            .map(|s| s.allowed_next().iter().map(|n| n.as_str()).collect())
            .unwrap_or_default(),
        history: units::status_history(&state.db, p, id).await?,
        stage_names,
        stages: all_stages,
        categories: Category::ALL.iter().map(|c| c.as_str()).collect(),
        year,
        agents: match agents::list(&state.db, p, id).await {
            Ok(list) => Some(list),
            Err(pantau_db::DbError::Forbidden(_)) => None,
            Err(e) => return Err(e.into()),
        },
        trainings: reference::items(&state.db, "training", false).await?,
        compliance: reports::compliance(&state.db, p, Some(id), today)
            .await?
            .into_iter()
            .next(),
        visits: visits::list(&state.db, p, id).await?,
        open_actions: visits::open_actions(&state.db, p, id).await?,
        follow_ups: follow_ups::of_unit(&state.db, p, id).await?,
        default_mode: VisitMode::default_for(category).as_str(),
        assessment: assessments::get(&state.db, p, id, year).await?,
        chosen_factors: evaluation
            .as_ref()
            .map(|e| e.input.factor_ids.clone())
            .unwrap_or_default(),
        evaluation_version: evaluation.as_ref().map_or(0, |e| e.version),
        evaluation_conflict,
        evaluation: evaluation
            .map(|e| e.input)
            .unwrap_or_else(|| evaluations::EvaluationInput {
                operational_status: unit.status.clone(),
                ..Default::default()
            }),
        factors,
        years,
        unit,
        today: today.to_string(),
        page,
    })
}

/// A reporter account for the unit, as its officer fills it in.
#[derive(Deserialize, Default)]
pub struct ReporterForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// Makes a reporter account bound to this unit (its Agen Pemulihan or village coordinator). A
/// refusal shows the unit page again with what was typed, the password excepted.
pub async fn create_reporter(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Path(id): Path<i64>,
    Form(f): Form<ReporterForm>,
) -> Result<Response, AppError> {
    let made = pantau_db::users::create_unit_reporter(
        &state.db,
        Actor::User(user.principal()),
        id,
        f.username.clone(),
        f.full_name.clone(),
        f.email.clone(),
        f.password,
    )
    .await;
    match made {
        Ok(_) => Ok(saved(&format!("/ibm/{id}#pelapor"), "users-created")),
        Err(e @ (pantau_db::DbError::Invalid(_) | pantau_db::DbError::Conflict(_))) => {
            let page = page.with_error(&e);
            let draft = ReporterForm {
                password: String::new(),
                ..f
            };
            let mut res = unit_page_with(&state, &user, page, id, None, draft).await?;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ReporterPasswordForm {
    #[serde(default)]
    password: String,
}

/// A new password for one of the unit's reporters (who forgot theirs), set by its officer: its
/// sessions end, and the officer tells it the new one.
pub async fn set_reporter_password(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Path((id, reporter)): Path<(i64, i64)>,
    Form(f): Form<ReporterPasswordForm>,
) -> Result<Response, AppError> {
    let actor = Actor::User(user.principal());
    let reporters = pantau_db::users::unit_reporters(&state.db, actor, id).await?;
    if !reporters.iter().any(|r| r.id == reporter) {
        return Err(AppError::NotFound);
    }
    match pantau_db::users::set_password(&state.db, actor, reporter, &f.password).await {
        Ok(()) => {
            state.sessions.forget_user(reporter);
            Ok(saved(&format!("/ibm/{id}#pelapor"), "users-password-set"))
        }
        Err(e @ pantau_db::DbError::Invalid(_)) => {
            let page = page.with_error(&e);
            let mut res =
                unit_page_with(&state, &user, page, id, None, ReporterForm::default()).await?;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
    #[serde(default)]
    reason: String,
    effective: String,
}

pub async fn change_status(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> Result<Response, AppError> {
    let to = UnitStatus::parse(&f.status)
        .ok_or_else(|| AppError::BadRequest(format!("status {:?} tidak dikenal", f.status)))?;
    units::change_status(
        &state.db,
        Actor::User(user.principal()),
        id,
        to,
        &f.reason,
        &f.effective,
    )
    .await?;
    Ok(saved(&format!("/ibm/{id}"), "ibm-saved"))
}

#[derive(Deserialize)]
pub struct YearForm {
    year: i64,
    category: String,
    target_stage_id: Option<String>,
}

pub async fn set_year(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<YearForm>,
) -> Result<Response, AppError> {
    let category = Category::parse(&f.category)
        .ok_or_else(|| AppError::BadRequest(format!("kategori {:?} tidak dikenal", f.category)))?;
    let target = f
        .target_stage_id
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<i64>())
        .transpose()
        .map_err(|_| AppError::BadRequest("tahap tidak sah".into()))?;
    units::set_year(
        &state.db,
        Actor::User(user.principal()),
        id,
        f.year,
        category,
        target,
    )
    .await?;
    Ok(saved(&format!("/ibm/{id}"), "ibm-saved"))
}

#[derive(Deserialize)]
pub struct AgentForm {
    full_name: String,
    sex: String,
    role: String,
    #[serde(default)]
    phone: String,
    joined_year: i64,
}

pub async fn add_agent(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<AgentForm>,
) -> Result<Response, AppError> {
    let input = agents::AgentInput {
        full_name: f.full_name,
        sex: f.sex,
        role: f.role,
        phone: f.phone,
        joined_year: f.joined_year,
        active: true,
    };
    agents::add(&state.db, Actor::User(user.principal()), id, &input).await?;
    Ok(saved(&format!("/ibm/{id}#agen"), "ibm-saved"))
}

#[derive(Deserialize)]
pub struct TrainingForm {
    agent_id: i64,
    training_code: String,
    held_on: String,
}

pub async fn add_training(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<TrainingForm>,
) -> Result<Response, AppError> {
    agents::add_training(
        &state.db,
        Actor::User(user.principal()),
        f.agent_id,
        &f.training_code,
        &f.held_on,
    )
    .await?;
    Ok(saved(&format!("/ibm/{id}#agen"), "ibm-saved"))
}

pub async fn save_evaluation(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let kv = pairs(&body);
    let input = evaluations::EvaluationInput {
        operational_status: field(&kv, "operational_status").to_string(),
        factor_ids: crate::form::values(&kv, "factor")
            .iter()
            .filter_map(|v| v.parse().ok())
            .collect(),
        obstacles_text: field(&kv, "obstacles_text").to_string(),
        drivers_text: field(&kv, "drivers_text").to_string(),
        solutions: field(&kv, "solutions").to_string(),
        version: field(&kv, "version").parse().ok(),
    };
    let year = field(&kv, "year").parse().unwrap_or_else(|_| this_year());
    match evaluations::save(&state.db, Actor::User(user.principal()), id, year, &input).await {
        Ok(()) => Ok(saved(&format!("/ibm/{id}#evaluasi"), "ibm-saved")),
        // Someone saved first: both versions, side by side, nothing lost.
        Err(e) if e.is_edited_meanwhile() => {
            let page = page.with_error(&e);
            let mut res = unit_page(&state, &user, page, id, Some(input)).await?;
            *res.status_mut() = axum::http::StatusCode::CONFLICT;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- periodic report ----------

#[derive(Template)]
#[template(path = "ibm_report.html")]
struct ReportPage {
    page: Page,
    unit: Unit,
    period: String,
    activities: Vec<RefItem>,
    services: Vec<RefItem>,
    ages: Vec<RefItem>,
    risks: Vec<RefItem>,
    values: HashMap<String, i64>,
    note: String,
    /// The stored report's version (0: none yet), sent back so a save replaces only that.
    version: i64,
    /// Who sent the stored report, if there is one.
    existing_by: Option<String>,
    /// When a save was refused because the report changed: the stored report, each of its
    /// figures shown under what the reader typed.
    conflict: Option<StoredReport>,
    /// Readers without write access see the report, not a form to send one.
    can_write: bool,
}

struct StoredReport {
    values: HashMap<String, i64>,
    note: String,
}

#[derive(Deserialize)]
pub struct PeriodQuery {
    period: Option<String>,
}

fn line_key(l: &ReportLine) -> String {
    match l.kind.as_str() {
        "activity" => format!("a:{}", l.item_code),
        _ if !l.risk_level.is_empty() => format!(
            "r:{}:{}:{}:{}",
            l.item_code, l.sex, l.age_band, l.risk_level
        ),
        _ => format!("s:{}:{}:{}", l.item_code, l.sex, l.age_band),
    }
}

fn line_from_key(key: &str, count: i64) -> Option<ReportLine> {
    let parts: Vec<&str> = key.split(':').collect();
    let line = |kind: &str, item: &str, sex: &str, age: &str, risk: &str| ReportLine {
        kind: kind.into(),
        item_code: item.into(),
        sex: sex.into(),
        age_band: age.into(),
        risk_level: risk.into(),
        count,
    };
    match parts.as_slice() {
        ["a", item] => Some(line("activity", item, "", "", "")),
        ["s", item, sex, age] => Some(line("service", item, sex, age, "")),
        ["r", item, sex, age, risk] => Some(line("service", item, sex, age, risk)),
        _ => None,
    }
}

pub async fn report_form(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    let rule = reference::reporting_rule(&state.db).await?;
    let today = pantau_db::today();
    let default = rule
        .period_of(today - chrono::Duration::days(28))
        .to_string();
    let period = q
        .period
        .filter(|p| pantau_core::ibm::Period::parse(p).is_ok())
        .unwrap_or(default);
    let existing = reports::get(&state.db, Actor::User(user.principal()), id, &period).await?;
    let values = existing
        .as_ref()
        .map(|r| r.lines.iter().map(|l| (line_key(l), l.count)).collect())
        .unwrap_or_default();
    let note = existing
        .as_ref()
        .map(|r| r.note.clone())
        .unwrap_or_default();
    render(
        report_page(
            &state, &user, page, id, period, values, note, existing, false,
        )
        .await?,
    )
}

/// The report form for `period`, holding `values` and `note` (the stored report's, or what was
/// just sent and refused) over the stored report `existing`, whose version a save replaces.
#[allow(clippy::too_many_arguments)]
async fn report_page(
    state: &AppState,
    user: &CurrentUser,
    page: Page,
    id: i64,
    period: String,
    values: HashMap<String, i64>,
    note: String,
    existing: Option<reports::Report>,
    in_conflict: bool,
) -> Result<ReportPage, AppError> {
    let unit = units::get(&state.db, user.principal(), id).await?;
    let conflict = existing
        .as_ref()
        .filter(|_| in_conflict)
        .map(|r| StoredReport {
            values: r.lines.iter().map(|l| (line_key(l), l.count)).collect(),
            note: r.note.clone(),
        });
    Ok(ReportPage {
        conflict,
        values,
        note,
        version: existing.as_ref().map_or(0, |r| r.version),
        existing_by: existing.as_ref().map(|r| r.submitted_by.clone()),
        can_write: page.can_unit(Permission::SubmitReports, &unit.office_path, unit.id),
        activities: reference::items(&state.db, "activity", false).await?,
        services: reference::items(&state.db, "service", false)
            .await?
            .into_iter()
            .filter(|s| s.code != "rujukan")
            .collect(),
        ages: reference::items(&state.db, "age_band", false).await?,
        risks: reference::items(&state.db, "risk_level", false).await?,
        unit,
        period,
        page,
    })
}

impl ReportPage {
    /// "Tersimpan: 7" under a figure whose stored value differs from the one in the form.
    fn stored_note(&self, key: &str) -> String {
        let Some(c) = &self.conflict else {
            return String::new();
        };
        let stored = c.values.get(key).copied().unwrap_or(0);
        let typed = self.values.get(key).copied().unwrap_or(0);
        if stored == typed {
            String::new()
        } else {
            format!("{}: {stored}", self.page.t("ibm-stored"))
        }
    }

    fn exists_note(&self, by: &str) -> String {
        self.page
            .msg(&pantau_core::message::Message::new("ibm-report-exists-by").with("by", by))
    }

    fn value(&self, key: &str) -> String {
        self.values
            .get(key)
            .map(|v| v.to_string())
            .unwrap_or_default()
    }
}

pub async fn submit_report(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let kv = pairs(&body);
    let mut lines = Vec::new();
    for (k, v) in &kv {
        let Some(key) = k.strip_prefix("n_") else {
            continue;
        };
        if v.trim().is_empty() {
            continue;
        }
        let count: i64 = v
            .trim()
            .parse()
            .map_err(|_| AppError::BadRequest(format!("jumlah {v:?} bukan bilangan bulat")))?;
        lines.push(
            line_from_key(key, count)
                .ok_or_else(|| AppError::BadRequest(format!("kolom {k:?} tidak dikenal")))?,
        );
    }
    let period = field(&kv, "period").to_string();
    // The version the form was opened on (0: no report then); a form without one (an older
    // page) replaces only the sender's own report.
    let replaces = field(&kv, "version")
        .parse()
        .map_or(reports::Replaces::Own, reports::Replaces::Version);
    let note = field(&kv, "note");
    let sent = reports::submit(
        &state.db,
        Actor::User(user.principal()),
        id,
        &period,
        &lines,
        note,
        None,
        replaces,
    )
    .await;
    match sent {
        Ok(_) => Ok(saved(&format!("/ibm/{id}#laporan"), "ibm-report-saved")),
        // Someone else reported this period, or corrected it since the form was opened: the
        // form comes back with what was sent over the stored version, to review and send again.
        Err(e) if e.is_edited_meanwhile() || e.message().key == "err-report-by-other" => {
            let page = page.with_error(&e);
            let stored =
                reports::get(&state.db, Actor::User(user.principal()), id, &period).await?;
            let values = lines.iter().map(|l| (line_key(l), l.count)).collect();
            let mut res = render(
                report_page(
                    &state,
                    &user,
                    page,
                    id,
                    period,
                    values,
                    note.to_string(),
                    stored,
                    true,
                )
                .await?,
            )?;
            *res.status_mut() = axum::http::StatusCode::CONFLICT;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- stage assessment ----------

#[derive(Template)]
#[template(path = "ibm_assessment.html")]
struct AssessmentPage {
    page: Page,
    unit: Unit,
    year: i64,
    stages: Vec<stages::Stage>,
    assessment: Option<Assessment>,
    editable: bool,
    actions: Vec<&'static str>,
    achieved: String,
}

pub async fn assessment_form(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Path((id, year)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let p = user.principal();
    let unit = units::get(&state.db, p, id).await?;
    let all = stages::list(&state.db).await?;
    let assessment = assessments::get(&state.db, p, id, year).await?;
    let status = assessment
        .as_ref()
        .map(|a| a.status())
        .unwrap_or(pantau_core::ibm::AssessmentStatus::Draft);
    let path = pantau_core::org::OfficePath::parse(&unit.office_path).ok_or(AppError::NotFound)?;
    let actions = AssessmentAction::ALL
        .iter()
        .filter(|a| {
            assessment.is_some() && status.apply(**a).is_ok_and(|(_, perm)| p.can(perm, &path))
        })
        .map(|a| a.as_str())
        .collect();
    let lang = page.lang.code();
    let achieved = assessment
        .as_ref()
        .and_then(|a| a.achieved_stage_id)
        .and_then(|sid| all.iter().find(|s| s.id == sid))
        .map(|s| format!("{}. {}", s.ordinal, s.name(lang)))
        .unwrap_or_else(|| "—".into());
    render(AssessmentPage {
        editable: status.is_editable() && p.can(Permission::WriteData, &path),
        stages: all,
        assessment,
        actions,
        achieved,
        unit,
        year,
        page,
    })
}

impl AssessmentPage {
    fn met(&self, criterion: &i64) -> bool {
        self.assessment.as_ref().is_some_and(|a| a.met(criterion))
    }
    fn evidence(&self, criterion: &i64) -> String {
        self.assessment
            .as_ref()
            .map(|a| a.evidence(criterion))
            .unwrap_or_default()
    }
}

pub async fn save_assessment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, year)): Path<(i64, i64)>,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let kv = pairs(&body);
    let all = stages::list(&state.db).await?;
    let answers: Vec<CriterionAnswer> = all
        .iter()
        .flat_map(|s| s.criteria.iter())
        .map(|c| CriterionAnswer {
            criterion_id: c.id,
            met: !field(&kv, &format!("met_{}", c.id)).is_empty(),
            evidence: field(&kv, &format!("evidence_{}", c.id)).to_string(),
        })
        .collect();
    assessments::save(
        &state.db,
        Actor::User(user.principal()),
        id,
        year,
        &answers,
        field(&kv, "note"),
    )
    .await?;
    Ok(saved(&format!("/ibm/{id}/penilaian/{year}"), "ibm-saved"))
}

#[derive(Deserialize)]
pub struct WorkflowForm {
    action: String,
}

pub async fn assessment_action(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, year)): Path<(i64, i64)>,
    Form(f): Form<WorkflowForm>,
) -> Result<Response, AppError> {
    let action = AssessmentAction::parse(&f.action)
        .ok_or_else(|| AppError::BadRequest(format!("aksi {:?} tidak dikenal", f.action)))?;
    assessments::apply(&state.db, Actor::User(user.principal()), id, year, action).await?;
    Ok(saved(&format!("/ibm/{id}/penilaian/{year}"), "ibm-saved"))
}

// ---------- evaluation views ----------

#[derive(Template)]
#[template(path = "ibm_targets.html")]
struct TargetsPage {
    page: Page,
    year: i64,
    place: super::Place,
    office_id: Option<i64>,
    rows: Vec<TargetRow>,
    total: TargetRow,
    years: Vec<i64>,
    can_roll_over: bool,
}

#[derive(Deserialize)]
pub struct TargetQuery {
    year: Option<i64>,
    office: Option<i64>,
    /// `csv` or `xlsx`: the table as a spreadsheet instead of the page.
    unduh: Option<String>,
}

impl TargetsPage {
    /// Link for a row: drill into a child office, or open the unit.
    fn row_href(&self, key: &str) -> String {
        if let Some(id) = key.strip_prefix("satker:") {
            format!("/ibm/target?year={}&office={id}", self.year)
        } else if let Some(id) = key.strip_prefix("unit:") {
            format!("/ibm/{id}")
        } else {
            "#".into()
        }
    }
    /// This table as a spreadsheet (`csv` or `xlsx`).
    fn download_href(&self, format: &str) -> String {
        match self.office_id {
            Some(id) => format!("/ibm/target?year={}&office={id}&unduh={format}", self.year),
            None => format!("/ibm/target?year={}&unduh={format}", self.year),
        }
    }
    fn pct(&self, row: &TargetRow) -> String {
        row.on_target_pct()
            .map(|p| format!("{p:.1}%"))
            .unwrap_or_else(|| "—".into())
    }
}

pub async fn target_table(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Query(q): Query<TargetQuery>,
    uri: axum::http::Uri,
) -> Result<Response, AppError> {
    user.office_wide()?;
    let keeping = match super::Keeping::begin(&state, &user, &page, &uri) {
        Ok(k) => k,
        Err(kept) => return Ok(kept),
    };
    let year = q.year.unwrap_or_else(this_year);
    let place = super::Place::find(&state, &user, &page, q.office, |office| match office {
        Some(id) => format!("/ibm/target?year={year}&office={id}"),
        None => format!("/ibm/target?year={year}"),
    })
    .await?;
    let (rows, total) = targets::table(&state.db, user.principal(), place.office, year).await?;
    if let Some(format) = &q.unduh {
        let table = pantau_db::exchange::views::targets(&rows, &total, &page.t("ibm-total"));
        return super::exchange::download(&table, format, &format!("target-ibm-{year}"));
    }
    let now = this_year();
    keeping.render(
        &state,
        TargetsPage {
            can_roll_over: user.principal().may_roll_over(),
            years: (2021..=now + 1).rev().collect(),
            office_id: place.office,
            place,
            rows,
            total,
            year,
            page,
        },
    )
}

#[derive(Deserialize)]
pub struct RollOverForm {
    from_year: i64,
}

pub async fn roll_over(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<RollOverForm>,
) -> Result<Response, AppError> {
    let p = user.principal();
    if !p.may_roll_over() {
        return Err(AppError::Forbidden);
    }
    units::roll_over(&state.db, Actor::User(p), f.from_year).await?;
    Ok(saved(
        &format!("/ibm/target?year={}", f.from_year + 1),
        "ibm-rolled-over",
    ))
}

#[derive(Template)]
#[template(path = "ibm_compliance.html")]
struct CompliancePage {
    page: Page,
    rows: Vec<(Unit, Compliance)>,
    silent: usize,
    year: i64,
    years: Vec<i64>,
    pager: Pager,
    q: ComplianceQuery,
    provinces: Vec<wilayah::Area>,
}

impl CompliancePage {
    /// This table's address with `changes` applied (empty values dropped).
    fn href(&self, changes: &[(&str, &str)]) -> String {
        let year = self.year.to_string();
        let mut pairs: Vec<(&str, &str)> = [
            ("year", Some(year.as_str())),
            ("q", self.q.q.as_deref()),
            ("province", self.q.province.as_deref()),
            ("sort", self.q.sort.as_deref()),
            ("desc", self.q.desc.as_deref()),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect();
        for (k, v) in changes {
            pairs.retain(|(key, _)| key != k);
            pairs.push((k, v));
        }
        let kept: Vec<(&str, Option<&str>)> = pairs.iter().map(|(k, v)| (*k, Some(*v))).collect();
        format!("/ibm/kepatuhan?{}", query_string(&kept))
    }
    fn sort_href(&self, column: &str) -> String {
        let current = self.q.sort.as_deref() == Some(column);
        let desc = current && self.q.desc.as_deref() != Some("1");
        self.href(&[("sort", column), ("desc", if desc { "1" } else { "" })])
    }
    fn sort_mark(&self, column: &str) -> &'static str {
        match (
            self.q.sort.as_deref() == Some(column),
            self.q.desc.as_deref() == Some("1"),
        ) {
            (false, _) => "",
            (true, true) => " ▼",
            (true, false) => " ▲",
        }
    }
}

/// A query parameter this page does not know the value of: 400, naming it.
fn refused_parameter(name: &str) -> AppError {
    crate::error::RequestError::new(
        axum::http::StatusCode::BAD_REQUEST,
        pantau_core::message::Message::new("error-query-invalid").with("field", name),
    )
    .field(name.to_string())
    .into()
}

/// The columns the compliance table sorts by; silent units first when none is chosen.
const COMPLIANCE_SORTS: &[&str] = &["code", "office", "on_time", "late", "missing"];

#[derive(Deserialize, Default, Clone)]
pub struct ComplianceQuery {
    /// The year whose periods are counted (this year when not given).
    year: Option<i64>,
    /// Words matched as on the unit list (code, name, office, area names).
    q: Option<String>,
    province: Option<String>,
    sort: Option<String>,
    desc: Option<String>,
    page: Option<i64>,
    /// `csv` or `xlsx`: the table as a spreadsheet instead of the page.
    unduh: Option<String>,
}

/// `c` counted over the periods of `year` only (whether the unit is silent stays as it is now).
fn compliance_in(c: Compliance, year: i64) -> Compliance {
    use pantau_core::ibm::ReportState;
    let prefix = format!("{year}-");
    let periods: Vec<(String, ReportState)> = c
        .periods
        .into_iter()
        .filter(|(p, _)| p.starts_with(&prefix))
        .collect();
    let count = |s: ReportState| periods.iter().filter(|(_, x)| *x == s).count();
    Compliance {
        on_time: count(ReportState::OnTime),
        late: count(ReportState::Late),
        missing: count(ReportState::Missing),
        periods,
        ..c
    }
}

pub async fn compliance(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Query(q): Query<ComplianceQuery>,
) -> Result<Response, AppError> {
    user.office_wide()?;
    let p = user.principal();
    let today = pantau_db::today();
    let year = q.year.unwrap_or(today.year() as i64);
    let given = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let sort = given(&q.sort);
    if let Some(s) = &sort
        && !COMPLIANCE_SORTS.contains(&s.as_str())
    {
        return Err(refused_parameter("sort"));
    }
    let all = reports::compliance(&state.db, p, None, today).await?;
    let (units, _) = units::list(
        &state.db,
        p,
        &UnitFilter {
            query: given(&q.q),
            province: given(&q.province),
            limit: units::MAX_LIST,
            ..Default::default()
        },
    )
    .await?;
    let by_id: HashMap<i64, Unit> = units.into_iter().map(|u| (u.id, u)).collect();
    let mut rows: Vec<(Unit, Compliance)> = all
        .into_iter()
        .filter_map(|c| Some((by_id.get(&c.unit_id)?.clone(), compliance_in(c, year))))
        .collect();
    match sort.as_deref() {
        Some("office") => {
            rows.sort_by(|(a, _), (b, _)| (&a.office_name, &a.code).cmp(&(&b.office_name, &b.code)))
        }
        Some("on_time") => rows.sort_by_key(|(u, c)| (c.on_time, u.code.clone())),
        Some("late") => rows.sort_by_key(|(u, c)| (c.late, u.code.clone())),
        Some("missing") => rows.sort_by_key(|(u, c)| (c.missing, u.code.clone())),
        Some(_) => rows.sort_by(|(a, _), (b, _)| a.code.cmp(&b.code)),
        None => {
            rows.sort_by_key(|(u, c)| (!c.silent, std::cmp::Reverse(c.missing), u.code.clone()))
        }
    }
    if sort.is_some() && q.desc.as_deref() == Some("1") {
        rows.reverse();
    }
    if let Some(format) = &q.unduh {
        let listed: Vec<(String, String, &Compliance)> = rows
            .iter()
            .map(|(u, c)| (u.code.clone(), u.name.clone(), c))
            .collect();
        let table = pantau_db::exchange::views::compliance(&listed);
        return super::exchange::download(&table, format, &format!("kepatuhan-laporan-ibm-{year}"));
    }
    let silent = rows.iter().filter(|(_, c)| c.silent).count();
    let total = rows.len() as i64;
    let mut shown = CompliancePage {
        page,
        rows: vec![],
        silent,
        year,
        years: (2021..=today.year() as i64).rev().collect(),
        pager: Pager::new(None, 0, String::new()),
        q: q.clone(),
        provinces: wilayah::children(&state.db, None, None, 100, 0).await?.0,
    };
    shown.pager = Pager::new(q.page, total, shown.href(&[]));
    shown.rows = rows
        .into_iter()
        .skip(shown.pager.offset() as usize)
        .take(PAGE_SIZE as usize)
        .collect();
    render(shown)
}
