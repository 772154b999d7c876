//! JSON endpoints for IBM monitoring and its configurable reference data.

use super::ApiResult;
use super::doc::{LIMIT, OFFICE, OFFSET, Param, YEAR, YEAR_REQUIRED};
use super::extract::{Json, Path, Query};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::routes::{Need, Route, Target, get, post, put};
use axum::extract::State;
use pantau_core::ibm::{AssessmentAction, Category, ReportingRule, UnitStatus};
use pantau_core::limits::{PHOTO_MAX_BYTES, PHOTOS_PER_RECORD};
use pantau_db::Actor;
use pantau_db::ibm::assessments::{self, CriterionAnswer};
use pantau_db::ibm::follow_ups::{self, FollowUpInput};
use pantau_db::ibm::photos::{PhotoInput, PhotoUpload};
use pantau_db::ibm::reports::{self, ReportLine};
use pantau_db::ibm::units::{self, UnitFilter, UnitInput};
use pantau_db::ibm::visits::{self, VisitInput};
use pantau_db::ibm::{agents, evaluations, stages, targets};
use pantau_db::reference::{self, RefItem};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Vec<Route> {
    vec![
        get("/api/v1/ibm/units", list_units)
            .doc("ibm", "IBM units within scope, filtered and paged")
            .query(&[
                OFFICE,
                Param("status", "unit_status", false, "status unit / unit status"),
                Param(
                    "q",
                    "string",
                    false,
                    "cari kode, nama, satker atau wilayah / search code, name, office or area",
                ),
                Param("province", "province", false, "kode provinsi / province code, e.g. 32"),
                YEAR,
                Param("category", "category", false, "kategori pada tahun itu / category that year"),
                Param("funding", "funding", false, "sumber dana / funding source"),
                Param("sort", "unit_sort", false, "urut menurut / sort by"),
                Param("desc", "boolean", false, "urutan menurun / descending"),
                LIMIT,
                OFFSET,
            ]),
        post("/api/v1/ibm/units", Need::OfficeWriter, create_unit)
            .doc("ibm", "Register an IBM unit").body::<NewUnit>(),
        get("/api/v1/ibm/units/{id}", unit)
            .doc("ibm", "One IBM unit with its years"),
        put("/api/v1/ibm/units/{id}", Need::Record(Target::Unit), update_unit)
            .doc("ibm", "Change an IBM unit's registry data").body::<UnitInput>(),
        post("/api/v1/ibm/units/{id}/status", Need::Record(Target::Unit), change_status)
            .doc("ibm", "Change a unit's status (active, inactive, dissolved)").body::<StatusBody>(),
        put("/api/v1/ibm/units/{id}/years/{year}", Need::Record(Target::Unit), set_year)
            .doc("ibm", "Set a unit's category and target stage for a year").body::<YearBody>(),
        put("/api/v1/ibm/years/{year}", Need::OfficeWriter, set_years)
            .doc("ibm", "Set the categories and target stages of many units for a year, by unit code, all or nothing").body::<YearsBody>(),
        get("/api/v1/ibm/units/{id}/agents", list_agents)
            .doc("ibm", "The unit's Agen Pemulihan with their trainings"),
        post("/api/v1/ibm/units/{id}/agents", Need::Record(Target::Unit), add_agent)
            .doc("ibm", "Add an Agen Pemulihan").body::<agents::AgentInput>(),
        put("/api/v1/ibm/agents/{id}/active", Need::Record(Target::Agent), set_agent_active)
            .doc("ibm", "An Agen Pemulihan stops or resumes volunteering").body::<ActiveBody>(),
        post("/api/v1/ibm/agents/{id}/trainings", Need::Record(Target::Agent), add_agent_training)
            .doc("ibm", "Record a training an Agen Pemulihan attended").body::<TrainingBody>(),
        post("/api/v1/ibm/units/{id}/reports", Need::UnitReport, submit_report)
            .doc("ibm", "Submit or correct a periodic report").body::<ReportBody>(),
        get("/api/v1/ibm/units/{id}/reports/{period}", report)
            .doc("ibm", "One periodic report (period YYYY-MM)"),
        get("/api/v1/ibm/units/{id}/compliance", unit_compliance)
            .doc("ibm", "The unit's reports due, on time, late, missing"),
        get("/api/v1/ibm/units/{id}/visits", list_visits)
            .doc("ibm", "Monitoring visits with obstacles, drivers and actions"),
        post("/api/v1/ibm/units/{id}/visits", Need::Record(Target::Unit), record_visit)
            .body_limit(PHOTO_BODY_BYTES)
            .doc("ibm", "Record a monitoring visit, with photos taken on it").body::<VisitBody>(),
        post("/api/v1/ibm/units/{id}/actions/{action_id}/follow-ups", Need::UnitReport, record_follow_up)
            .body_limit(PHOTO_BODY_BYTES)
            .doc("ibm", "Follow up an open action between visits: done or not, a note, photos (the unit's reporter too)")
            .body::<FollowUpInput>(),
        get("/api/v1/ibm/units/{id}/assessments/{year}", assessment)
            .doc("ibm", "The year's stage assessment"),
        put("/api/v1/ibm/units/{id}/assessments/{year}", Need::Record(Target::Unit), save_assessment)
            .doc("ibm", "Save or move the stage assessment through its workflow").body::<AssessmentBody>(),
        post("/api/v1/ibm/units/{id}/assessments/{year}/actions", Need::Record(Target::Unit), assessment_action)
            .doc("ibm", "Submit, verify, return or approve the assessment").body::<ActionBody>(),
        get("/api/v1/ibm/units/{id}/evaluations/{year}", evaluation)
            .doc("ibm", "The unit's yearly evaluation"),
        put("/api/v1/ibm/units/{id}/evaluations/{year}", Need::Record(Target::Unit), save_evaluation)
            .doc("ibm", "Save the yearly evaluation").body::<evaluations::EvaluationInput>(),
        get("/api/v1/ibm/targets", target_table)
            .doc("ibm", "Target-versus-achievement table per office")
            .query(&[YEAR_REQUIRED, OFFICE]),
        get("/api/v1/ibm/compliance", compliance)
            .doc("ibm", "Reporting compliance per unit"),
        get("/api/v1/ibm/factors", factor_summary)
            .doc("ibm", "Obstacles and drivers counted from visits")
            .query(&[YEAR_REQUIRED]),
        post("/api/v1/ibm/roll-over", Need::National, roll_over)
            .doc("ibm", "Carry units into a new monitoring year (national admin)").body::<RollOverBody>(),
        get("/api/v1/ibm/stages", list_stages)
            .doc("referensi", "The development stages (tahap) with their criteria"),
        put("/api/v1/ibm/stages/{code}", Need::National, upsert_stage)
            .doc("referensi", "Add or change a stage (national admin)").body::<StageBody>(),
        put("/api/v1/ibm/stages/{code}/criteria/{criterion}", Need::National, upsert_criterion)
            .doc("referensi", "Add or change a stage criterion (national admin)").body::<CriterionBody>(),
        get("/api/v1/reference/{list}", reference_items)
            .doc("referensi", "A reference list (obstacles, drivers, activities, services, trainings …)"),
        put("/api/v1/reference/{list}/{code}", Need::National, upsert_reference_item)
            .doc("referensi", "Add or change a reference item (national admin)").body::<ItemBody>(),
        get("/api/v1/settings/reporting", reporting_rule)
            .doc("referensi", "The reporting rule (period and due days)"),
        put("/api/v1/settings/reporting", Need::National, set_reporting_rule)
            .doc("referensi", "Change the reporting rule (national admin)").body::<ReportingRule>(),
    ]
}

use pantau_db::today;

#[derive(Deserialize)]
struct UnitQuery {
    office_id: Option<i64>,
    status: Option<String>,
    q: Option<String>,
    province: Option<String>,
    year: Option<i64>,
    category: Option<String>,
    funding: Option<String>,
    sort: Option<units::UnitSort>,
    desc: Option<bool>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// `value` when it is absent or `valid`; else a 400 naming the parameter.
fn checked(
    name: &'static str,
    value: Option<String>,
    valid: impl Fn(&str) -> bool,
) -> Result<Option<String>, AppError> {
    match value {
        Some(v) if !valid(&v) => Err(refused(name)),
        other => Ok(other),
    }
}

/// The 400 for a query parameter `name` outside what the document allows.
fn refused(name: &'static str) -> AppError {
    crate::error::RequestError::new(
        axum::http::StatusCode::BAD_REQUEST,
        pantau_core::message::Message::new("error-query-invalid").with("field", name),
    )
    .field(name.to_string())
    .into()
}

async fn list_units(
    State(s): State<AppState>,
    user: CurrentUser,
    Query(q): Query<UnitQuery>,
) -> ApiResult {
    user.office_wide()?;
    // Coded values are checked here, so a typo answers 400 instead of an empty list.
    let status = checked("status", q.status, |v| UnitStatus::parse(v).is_some())?;
    let category = checked("category", q.category, |v| Category::parse(v).is_some())?;
    let funding = checked("funding", q.funding, |v| {
        pantau_core::ibm::FundingSource::parse(v).is_some()
    })?;
    let province = checked("province", q.province, |v| {
        v.len() == 2 && v.bytes().all(|b| b.is_ascii_digit())
    })?;
    let years = pantau_core::ibm::FIRST_YEAR..=pantau_core::ibm::LAST_YEAR;
    if q.year.is_some_and(|y| !years.contains(&y)) {
        return Err(refused("year"));
    }
    let filter = UnitFilter {
        office_id: q.office_id,
        status,
        query: q.q,
        province,
        year: q.year,
        category,
        funding,
        sort: q.sort.unwrap_or_default(),
        descending: q.desc.unwrap_or(false),
        limit: q.limit.unwrap_or(100).clamp(1, 1000),
        offset: q.offset.unwrap_or(0).max(0),
    };
    let (items, total) = units::list(&s.db, user.principal(), &filter).await?;
    Ok(Json(
        json!({ "items": items, "total": total, "limit": filter.limit, "offset": filter.offset }),
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct NewUnit {
    #[serde(flatten)]
    unit: UnitInput,
    #[schemars(schema_with = "pantau_core::schema::year")]
    first_year: i64,
}

async fn create_unit(
    State(s): State<AppState>,
    user: CurrentUser,
    Json(b): Json<NewUnit>,
) -> ApiResult {
    let unit = units::create(&s.db, Actor::User(user.principal()), &b.unit, b.first_year).await?;
    Ok(Json(json!({ "unit": unit })))
}

async fn unit(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> ApiResult {
    let p = user.principal();
    Ok(Json(json!({
        "unit": units::get(&s.db, p, id).await?,
        "years": units::years(&s.db, p, id).await?,
        "status_history": units::status_history(&s.db, p, id).await?,
    })))
}

async fn update_unit(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<UnitInput>,
) -> ApiResult {
    Ok(Json(
        json!({ "unit": units::update(&s.db, Actor::User(user.principal()), id, &b).await? }),
    ))
}

/// A unit made inactive or dissolved needs a reason.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(extend(
    "if" = {"properties": {"status": {"enum": ["tidak_aktif", "dibubarkan"]}}},
    "then" = {"required": ["reason"], "properties": {"reason": {"minLength": 1, "pattern": "\\S"}}}
))]
struct StatusBody {
    #[schemars(schema_with = "pantau_core::ibm::UnitStatus::schema")]
    status: String,
    #[serde(default)]
    reason: String,
    #[schemars(schema_with = "pantau_core::schema::date")]
    effective: String,
}

async fn change_status(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<StatusBody>,
) -> ApiResult {
    let to = UnitStatus::parse(&b.status)
        .ok_or_else(|| AppError::BadRequest(format!("status {:?} tidak dikenal", b.status)))?;
    let unit = units::change_status(
        &s.db,
        Actor::User(user.principal()),
        id,
        to,
        &b.reason,
        &b.effective,
    )
    .await?;
    Ok(Json(json!({ "unit": unit })))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct YearBody {
    /// Code or label: "berkelanjutan_mandiri" or "Berkelanjutan Mandiri".
    #[schemars(schema_with = "pantau_core::ibm::Category::schema")]
    category: String,
    target_stage_id: Option<i64>,
}

async fn set_year(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((id, year)): Path<(i64, i64)>,
    Json(b): Json<YearBody>,
) -> ApiResult {
    let category = Category::parse_loose(&b.category, Category::labels).ok_or_else(|| {
        pantau_db::DbError::rule(
            pantau_core::message::Message::new("xchg-one-of")
                .with_list("values", Category::codes()),
        )
    })?;
    units::set_year(
        &s.db,
        Actor::User(user.principal()),
        id,
        year,
        category,
        b.target_stage_id,
    )
    .await?;
    Ok(Json(
        json!({ "years": units::years(&s.db, user.principal(), id).await? }),
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct YearsBody {
    units: Vec<pantau_db::exchange::units::YearItem>,
}

/// Categories and target stages of many units for one year, all or nothing: 200 with the counts,
/// or 422 with every problem (`row` = the item's position, from 1).
async fn set_years(
    State(s): State<AppState>,
    user: CurrentUser,
    axum::Extension(lang): axum::Extension<crate::i18n::Lang>,
    Path(year): Path<i64>,
    Json(b): Json<YearsBody>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    match pantau_db::exchange::units::set_years(
        &s.db,
        Actor::User(user.principal()),
        year,
        &b.units,
    )
    .await?
    {
        Ok(summary) => Ok(Json(json!({ "year": year, "summary": summary })).into_response()),
        Err(errors) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "error": "refused; nothing was stored",
                "errors": super::row_errors_json(&s.i18n, lang, &errors),
            })),
        )
            .into_response()),
    }
}

async fn list_agents(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult {
    Ok(Json(
        json!({ "items": agents::list(&s.db, user.principal(), id).await? }),
    ))
}

async fn add_agent(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<agents::AgentInput>,
) -> ApiResult {
    let agent_id = agents::add(&s.db, Actor::User(user.principal()), id, &b).await?;
    Ok(Json(json!({ "id": agent_id })))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct ActiveBody {
    active: bool,
}

/// An agent stops (or resumes) volunteering; the record stays.
async fn set_agent_active(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<ActiveBody>,
) -> ApiResult {
    agents::set_active(&s.db, Actor::User(user.principal()), id, b.active).await?;
    Ok(Json(json!({ "id": id, "active": b.active })))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct TrainingBody {
    training_code: String,
    #[schemars(schema_with = "pantau_core::schema::date")]
    held_on: String,
}

/// A training the agent attended (the code from the `training` reference list).
async fn add_agent_training(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<TrainingBody>,
) -> ApiResult {
    agents::add_training(
        &s.db,
        Actor::User(user.principal()),
        id,
        &b.training_code,
        &b.held_on,
    )
    .await?;
    Ok(Json(json!({ "id": id })))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct ReportBody {
    #[schemars(schema_with = "pantau_core::schema::period")]
    period: String,
    lines: Vec<ReportLine>,
    #[serde(default)]
    note: String,
    /// To correct a report: the version read (`report.version`; 0 for a new report). Without
    /// it a report for the period replaces only the caller's own; one submitted by someone else
    /// answers 409 so that it is reviewed, not overwritten.
    #[serde(default)]
    version: Option<i64>,
}

async fn submit_report(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<ReportBody>,
) -> ApiResult {
    let report = reports::submit(
        &s.db,
        Actor::User(user.principal()),
        id,
        &b.period,
        &b.lines,
        &b.note,
        None,
        b.version
            .map_or(reports::Replaces::Own, reports::Replaces::Version),
    )
    .await?;
    Ok(Json(json!({ "report": report })))
}

async fn report(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((id, period)): Path<(i64, String)>,
) -> ApiResult {
    let r = reports::get(&s.db, Actor::User(user.principal()), id, &period)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(json!({ "report": r })))
}

async fn unit_compliance(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult {
    pantau_db::guard::authorize(
        &s.db,
        user.principal(),
        pantau_core::access::Permission::ReadData,
        pantau_db::guard::Target::Unit(id),
    )
    .await?;
    let c = reports::compliance(&s.db, user.principal(), Some(id), today()).await?;
    Ok(Json(json!({ "compliance": c.into_iter().next() })))
}

async fn compliance(State(s): State<AppState>, user: CurrentUser) -> ApiResult {
    user.office_wide()?;
    let all = reports::compliance(&s.db, user.principal(), None, today()).await?;
    let silent = all.iter().filter(|c| c.silent).count();
    Ok(Json(json!({ "items": all, "silent": silent })))
}

async fn list_visits(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult {
    let p = user.principal();
    Ok(Json(
        json!({ "items": visits::list(&s.db, p, id).await?, "open_actions": visits::open_actions(&s.db, p, id).await?,
            "follow_ups": follow_ups::of_unit(&s.db, p, id).await? }),
    ))
}

/// A JSON body with photos: each at most `PHOTO_MAX_BYTES`, base64 (4 characters per 3 bytes).
const PHOTO_BODY_BYTES: usize = PHOTOS_PER_RECORD * (PHOTO_MAX_BYTES / 3 * 4 + 8) + 256 * 1024;

/// A visit with the photos taken on it.
#[derive(Deserialize, schemars::JsonSchema)]
struct VisitBody {
    #[serde(flatten)]
    visit: VisitInput,
    #[serde(default)]
    #[schemars(length(max = 3))]
    photos: Vec<PhotoInput>,
}

fn decode_photos(photos: &[PhotoInput]) -> Result<Vec<PhotoUpload>, AppError> {
    Ok(photos
        .iter()
        .map(PhotoInput::decode)
        .collect::<Result<_, _>>()?)
}

async fn record_visit(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<VisitBody>,
) -> ApiResult {
    let uploads = decode_photos(&b.photos)?;
    let visit_id = visits::record_with_photos(
        &s.db,
        &s.photos,
        Actor::User(user.principal()),
        id,
        &b.visit,
        &uploads,
    )
    .await?;
    Ok(Json(json!({ "id": visit_id })))
}

async fn record_follow_up(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, i64)>,
    Json(b): Json<FollowUpInput>,
) -> ApiResult {
    let uploads = decode_photos(&b.photos)?;
    let follow_up = follow_ups::record(
        &s.db,
        &s.photos,
        Actor::User(user.principal()),
        id,
        action,
        b.done,
        &b.note,
        &uploads,
    )
    .await?;
    Ok(Json(json!({ "id": follow_up })))
}

async fn assessment(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((id, year)): Path<(i64, i64)>,
) -> ApiResult {
    let a = assessments::get(&s.db, user.principal(), id, year)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(json!({ "assessment": a })))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct AssessmentBody {
    criteria: Vec<CriterionAnswer>,
    #[serde(default)]
    note: String,
}

async fn save_assessment(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((id, year)): Path<(i64, i64)>,
    Json(b): Json<AssessmentBody>,
) -> ApiResult {
    let a = assessments::save(
        &s.db,
        Actor::User(user.principal()),
        id,
        year,
        &b.criteria,
        &b.note,
    )
    .await?;
    Ok(Json(json!({ "assessment": a })))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct ActionBody {
    #[schemars(schema_with = "pantau_core::ibm::AssessmentAction::schema")]
    action: String,
}

async fn assessment_action(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((id, year)): Path<(i64, i64)>,
    Json(b): Json<ActionBody>,
) -> ApiResult {
    let action = AssessmentAction::parse(&b.action)
        .ok_or_else(|| AppError::BadRequest(format!("aksi {:?} tidak dikenal", b.action)))?;
    let a = assessments::apply(&s.db, Actor::User(user.principal()), id, year, action).await?;
    Ok(Json(json!({ "assessment": a })))
}

async fn evaluation(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((id, year)): Path<(i64, i64)>,
) -> ApiResult {
    let e = evaluations::get(&s.db, user.principal(), id, year)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(json!({ "evaluation": e })))
}

async fn save_evaluation(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((id, year)): Path<(i64, i64)>,
    Json(b): Json<evaluations::EvaluationInput>,
) -> ApiResult {
    evaluations::save(&s.db, Actor::User(user.principal()), id, year, &b).await?;
    let e = evaluations::get(&s.db, user.principal(), id, year).await?;
    Ok(Json(json!({ "evaluation": e })))
}

#[derive(Deserialize)]
struct TargetQuery {
    #[serde(deserialize_with = "super::extract::year")]
    year: i64,
    office_id: Option<i64>,
}

async fn target_table(
    State(s): State<AppState>,
    user: CurrentUser,
    Query(q): Query<TargetQuery>,
) -> ApiResult {
    user.office_wide()?;
    let (rows, total) = targets::table(&s.db, user.principal(), q.office_id, q.year).await?;
    let pct = |r: &pantau_core::ibm::TargetRow| r.on_target_pct();
    let rows: Vec<_> = rows
        .iter()
        .map(|r| json!({ "row": r, "on_target_pct": pct(r) }))
        .collect();
    Ok(Json(
        json!({ "year": q.year, "office_id": q.office_id, "rows": rows, "total": total, "total_on_target_pct": pct(&total) }),
    ))
}

#[derive(Deserialize)]
struct YearQuery {
    #[serde(deserialize_with = "super::extract::year")]
    year: i64,
}

async fn factor_summary(
    State(s): State<AppState>,
    user: CurrentUser,
    Query(q): Query<YearQuery>,
) -> ApiResult {
    user.office_wide()?;
    let items: Vec<_> = evaluations::factor_summary(&s.db, user.principal(), q.year, None)
        .await?
        .into_iter()
        .map(|(list, name_id, name_en, n)| json!({ "list": list, "name_id": name_id, "name_en": name_en, "count": n }))
        .collect();
    Ok(Json(json!({ "year": q.year, "items": items })))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct RollOverBody {
    #[schemars(schema_with = "pantau_core::schema::rollover_from_year")]
    from_year: i64,
}

async fn roll_over(
    State(s): State<AppState>,
    user: CurrentUser,
    Json(b): Json<RollOverBody>,
) -> ApiResult {
    let p = user.principal();
    if !p.may_roll_over() {
        return Err(AppError::Forbidden);
    }
    let proposed = units::roll_over(&s.db, Actor::User(p), b.from_year).await?;
    Ok(Json(
        json!({ "proposed": proposed, "year": b.from_year + 1 }),
    ))
}

async fn list_stages(State(s): State<AppState>, _user: CurrentUser) -> ApiResult {
    Ok(Json(json!({ "items": stages::list(&s.db).await? })))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct StageBody {
    #[schemars(schema_with = "pantau_core::schema::stage_ordinal")]
    ordinal: i64,
    #[schemars(schema_with = "pantau_core::schema::required_text")]
    name_id: String,
    #[schemars(schema_with = "pantau_core::schema::required_text")]
    name_en: String,
    #[serde(default)]
    description: String,
}

async fn upsert_stage(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Json(b): Json<StageBody>,
) -> ApiResult {
    let id = stages::upsert_stage(
        &s.db,
        Actor::User(user.principal()),
        &code,
        b.ordinal,
        &b.name_id,
        &b.name_en,
        &b.description,
    )
    .await?;
    Ok(Json(json!({ "id": id })))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct CriterionBody {
    #[schemars(schema_with = "pantau_core::schema::required_text")]
    text_id: String,
    #[schemars(schema_with = "pantau_core::schema::required_text")]
    text_en: String,
    mandatory: bool,
    #[serde(default)]
    ordinal: i64,
}

async fn upsert_criterion(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((code, criterion)): Path<(String, String)>,
    Json(b): Json<CriterionBody>,
) -> ApiResult {
    let stage = stages::list(&s.db)
        .await?
        .into_iter()
        .find(|st| st.code == code)
        .ok_or(AppError::NotFound)?;
    let id = stages::upsert_criterion(
        &s.db,
        Actor::User(user.principal()),
        stage.id,
        &criterion,
        &b.text_id,
        &b.text_en,
        b.mandatory,
        b.ordinal,
    )
    .await?;
    Ok(Json(json!({ "id": id })))
}

async fn reference_items(
    State(s): State<AppState>,
    _user: CurrentUser,
    Path(list): Path<String>,
) -> ApiResult {
    if !reference::LISTS.contains(&list.as_str()) {
        return Err(AppError::NotFound);
    }
    Ok(Json(
        json!({ "items": reference::items(&s.db, &list, true).await? }),
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct ItemBody {
    #[schemars(schema_with = "pantau_core::schema::required_text")]
    name_id: String,
    #[schemars(schema_with = "pantau_core::schema::required_text")]
    name_en: String,
    #[serde(default)]
    ordinal: i64,
    #[serde(default = "active_default")]
    active: bool,
}

fn active_default() -> bool {
    true
}

async fn upsert_reference_item(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((list, code)): Path<(String, String)>,
    Json(b): Json<ItemBody>,
) -> ApiResult {
    let item = RefItem {
        id: 0,
        list,
        code,
        name_id: b.name_id,
        name_en: b.name_en,
        ordinal: b.ordinal,
        active: b.active,
    };
    reference::upsert_item(&s.db, Actor::User(user.principal()), &item).await?;
    Ok(Json(
        json!({ "items": reference::items(&s.db, &item.list, true).await? }),
    ))
}

async fn reporting_rule(State(s): State<AppState>, _user: CurrentUser) -> ApiResult {
    Ok(Json(
        json!({ "rule": reference::reporting_rule(&s.db).await? }),
    ))
}

async fn set_reporting_rule(
    State(s): State<AppState>,
    user: CurrentUser,
    Json(rule): Json<ReportingRule>,
) -> ApiResult {
    reference::set_reporting_rule(&s.db, Actor::User(user.principal()), rule).await?;
    Ok(Json(
        json!({ "rule": reference::reporting_rule(&s.db).await? }),
    ))
}
