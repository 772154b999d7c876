//! JSON endpoints for SNI 8807 coaching.

use super::ApiResult;
use super::doc::{Input, LIMIT, OFFICE, OFFSET, Param};
use super::extract::Multipart;
use super::extract::{Json, Path, Query};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::routes::{Need, Route, Target, get, post, put};
use axum::extract::State;
use pantau_core::ibm::{ActionStatus, AssessmentAction};
use pantau_core::sni::AssessmentKind;
use pantau_db::Actor;
use pantau_db::sni::assessments;
use pantau_db::sni::cohorts::{self, CohortInput};
use pantau_db::sni::institutions::{self, Document, InstitutionInput};
use pantau_db::sni::outcomes::{self, CertUpdate};
use pantau_db::sni::sessions::{self, SessionInput};
use pantau_db::sni::{evidence, instrument};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Vec<Route> {
    vec![
        get("/api/v1/sni/institutions", list_institutions)
            .doc("sni", "Rehabilitation institutions within scope, paged")
            .query(&[OFFICE, LIMIT, OFFSET]),
        post(
            "/api/v1/sni/institutions",
            Need::OfficeWriter,
            create_institution,
        )
        .doc("sni", "Register an institution")
        .body::<InstitutionInput>(),
        get("/api/v1/sni/institutions/{id}", institution).doc("sni", "One institution"),
        put(
            "/api/v1/sni/institutions/{id}",
            Need::StaffRecord(Target::Institution),
            update_institution,
        )
        .doc("sni", "Change an institution's registry data")
        .body::<InstitutionInput>(),
        post(
            "/api/v1/sni/institutions/{id}/documents",
            Need::Record(Target::Institution),
            add_document,
        )
        .doc("sni", "Record a legal document of the institution")
        .body::<Document>(),
        get(
            "/api/v1/sni/institutions/{id}/certifications",
            certifications,
        )
        .doc("sni", "The institution's certification history"),
        post(
            "/api/v1/sni/institutions/{id}/certifications",
            Need::StaffRecord(Target::Institution),
            apply_certification,
        )
        .doc("sni", "Apply for certification with an LPK")
        .body::<ApplyBody>(),
        put(
            "/api/v1/sni/certifications/{id}",
            Need::StaffRecord(Target::Certification),
            update_certification,
        )
        .doc("sni", "Move a certification (audit, certified, refused)")
        .body::<CertUpdate>(),
        get("/api/v1/sni/certifications/expiring", expiring)
            .doc("sni", "Certificates expiring soon"),
        get("/api/v1/sni/instrument", active_instrument).doc(
            "sni",
            "The active SNI instrument: aspects, requirements, scale",
        ),
        put(
            "/api/v1/sni/instrument/{id}/requirements",
            Need::National,
            upsert_requirement,
        )
        .doc("sni", "Add or change a requirement (national admin)")
        .body::<instrument::RequirementInput>(),
        get("/api/v1/sni/cohorts", list_cohorts)
            .doc("sni", "Coaching cohorts within scope")
            .query(&[Param(
                "year",
                "integer",
                false,
                "tahun kohort / cohort year",
            )]),
        post("/api/v1/sni/cohorts", Need::OfficeWriter, create_cohort)
            .doc("sni", "Create a cohort")
            .body::<CohortBody>(),
        get("/api/v1/sni/cohorts/{id}", cohort_dashboard)
            .doc(
                "sni",
                "A cohort's dashboard: baseline, final, improvement, gaps",
            )
            .query(&[Param(
                "as_of",
                "string",
                false,
                "per tanggal YYYY-MM-DD / as of date",
            )]),
        post(
            "/api/v1/sni/cohorts/{id}/participants",
            Need::StaffRecord(Target::Cohort),
            add_participant,
        )
        .doc("sni", "Add an institution to a cohort")
        .body::<ParticipantBody>(),
        get(
            "/api/v1/sni/participants/{id}/assessments",
            list_assessments,
        )
        .doc("sni", "A participant's assessments"),
        post(
            "/api/v1/sni/participants/{id}/assessments",
            Need::Record(Target::Participant),
            open_assessment,
        )
        .doc("sni", "Open a baseline, monitoring or final assessment")
        .body::<OpenBody>(),
        get("/api/v1/sni/participants/{id}/sessions", list_sessions)
            .doc("sni", "Asistensi and bimbingan teknis sessions"),
        post(
            "/api/v1/sni/participants/{id}/sessions",
            Need::StaffRecord(Target::Participant),
            record_session,
        )
        .doc(
            "sni",
            "Record a session with findings and follow-up actions",
        )
        .body::<SessionInput>(),
        get(
            "/api/v1/sni/participants/{id}/recommendation",
            recommendation,
        )
        .doc("sni", "BNN's recommendation for the participant"),
        post(
            "/api/v1/sni/participants/{id}/recommendation",
            Need::StaffRecord(Target::Participant),
            recommend,
        )
        .doc("sni", "Record BNN's recommendation")
        .body::<RecommendBody>(),
        post(
            "/api/v1/sni/actions/{id}/status",
            Need::Record(Target::Action),
            action_status,
        )
        .doc("sni", "Close or drop a follow-up action")
        .body::<StatusBody>(),
        get("/api/v1/sni/assessments/{id}", assessment).doc(
            "sni",
            "An assessment with its scores and results per aspect",
        ),
        put(
            "/api/v1/sni/assessments/{id}",
            Need::Record(Target::Assessment),
            save_scores,
        )
        .doc("sni", "Save scores")
        .body::<assessments::ScoreSheet>(),
        post(
            "/api/v1/sni/assessments/{id}/actions",
            Need::Record(Target::Assessment),
            assessment_action,
        )
        .doc("sni", "Submit, verify or return the assessment")
        .body::<ActionBody>(),
        post(
            "/api/v1/sni/assessments/{id}/evidence/{requirement}",
            Need::Record(Target::Assessment),
            upload_evidence,
        )
        .body_limit(evidence::MAX_BYTES + 64 * 1024)
        .doc("sni", "Upload evidence for a requirement (PDF, JPEG, PNG)")
        .input(Input::Multipart),
        get("/api/v1/sni/assessments/{id}/evidence", list_evidence)
            .doc("sni", "The evidence files of an assessment"),
    ]
}

#[derive(Deserialize)]
struct InstitutionQuery {
    /// Only institutions coached under this office.
    office_id: Option<i64>,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn list_institutions(
    State(s): State<AppState>,
    user: CurrentUser,
    Query(q): Query<InstitutionQuery>,
) -> ApiResult {
    let mut items = institutions::list(&s.db, user.principal()).await?;
    if let Some(id) = q.office_id {
        let office = pantau_db::offices::get(&s.db, user.principal(), id).await?;
        items.retain(|i| i.office_path.starts_with(&office.path));
    }
    let total = items.len();
    let limit = q.limit.unwrap_or(100).clamp(1, 500) as usize;
    let offset = q.offset.unwrap_or(0).max(0) as usize;
    let page: Vec<_> = items.into_iter().skip(offset).take(limit).collect();
    Ok(Json(
        json!({ "items": page, "total": total, "limit": limit, "offset": offset }),
    ))
}

async fn create_institution(
    State(s): State<AppState>,
    user: CurrentUser,
    Json(b): Json<InstitutionInput>,
) -> ApiResult {
    Ok(Json(
        json!({ "institution": institutions::create(&s.db, Actor::User(user.principal()), &b).await? }),
    ))
}

async fn institution(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult {
    let p = user.principal();
    Ok(Json(
        json!({ "institution": institutions::get(&s.db, p, id).await?, "documents": institutions::documents(&s.db, p, id).await? }),
    ))
}

async fn update_institution(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<InstitutionInput>,
) -> ApiResult {
    Ok(Json(
        json!({ "institution": institutions::update(&s.db, Actor::User(user.principal()), id, &b).await? }),
    ))
}

async fn add_document(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<Document>,
) -> ApiResult {
    institutions::add_document(&s.db, Actor::User(user.principal()), id, &b).await?;
    Ok(Json(
        json!({ "documents": institutions::documents(&s.db, user.principal(), id).await? }),
    ))
}

async fn certifications(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult {
    Ok(Json(
        json!({ "items": outcomes::certifications(&s.db, user.principal(), id).await? }),
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct ApplyBody {
    lpk_code: String,
    #[schemars(schema_with = "pantau_core::schema::date")]
    applied_on: String,
}

async fn apply_certification(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<ApplyBody>,
) -> ApiResult {
    Ok(Json(
        json!({ "id": outcomes::apply_certification(&s.db, Actor::User(user.principal()), id, &b.lpk_code, &b.applied_on).await? }),
    ))
}

async fn update_certification(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<CertUpdate>,
) -> ApiResult {
    outcomes::update_certification(&s.db, Actor::User(user.principal()), id, &b).await?;
    Ok(Json(json!({ "ok": true })))
}

async fn expiring(State(s): State<AppState>, user: CurrentUser) -> ApiResult {
    let warn = outcomes::warning_days(&s.db).await?;
    let today = pantau_db::today();
    let items: Vec<_> = outcomes::expiring(&s.db, user.principal(), today, warn)
        .await?
        .into_iter()
        .map(|(i, c, e)| json!({ "institution": i, "certification": c, "expiry": e }))
        .collect();
    Ok(Json(json!({ "warning_days": warn, "items": items })))
}

async fn active_instrument(State(s): State<AppState>, _user: CurrentUser) -> ApiResult {
    Ok(Json(
        json!({ "instrument": instrument::active(&s.db).await? }),
    ))
}

async fn upsert_requirement(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<instrument::RequirementInput>,
) -> ApiResult {
    instrument::upsert_requirement(&s.db, Actor::User(user.principal()), id, &b).await?;
    Ok(Json(
        json!({ "instrument": instrument::load(&s.db, id).await? }),
    ))
}

#[derive(Deserialize)]
struct CohortListQuery {
    #[serde(default, deserialize_with = "super::extract::optional_year")]
    year: Option<i64>,
}

async fn list_cohorts(
    State(s): State<AppState>,
    user: CurrentUser,
    Query(q): Query<CohortListQuery>,
) -> ApiResult {
    let mut items = cohorts::list(&s.db, user.principal()).await?;
    if let Some(year) = q.year {
        items.retain(|c| c.year == year);
    }
    Ok(Json(json!({ "items": items })))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct CohortBody {
    #[schemars(schema_with = "pantau_core::schema::year")]
    year: i64,
    #[schemars(schema_with = "pantau_core::sni::CohortKind::schema")]
    kind: String,
    #[schemars(schema_with = "pantau_core::schema::required_text")]
    name: String,
    office_id: i64,
    #[schemars(schema_with = "pantau_core::schema::date")]
    start_date: String,
}

async fn create_cohort(
    State(s): State<AppState>,
    user: CurrentUser,
    Json(b): Json<CohortBody>,
) -> ApiResult {
    let input = CohortInput {
        year: b.year,
        kind: b.kind,
        name: b.name,
        office_id: b.office_id,
        start_date: b.start_date,
    };
    Ok(Json(
        json!({ "cohort": cohorts::create(&s.db, Actor::User(user.principal()), &input).await? }),
    ))
}

#[derive(Deserialize)]
struct DateQuery {
    #[serde(default, deserialize_with = "super::extract::optional_date")]
    as_of: Option<String>,
}

async fn cohort_dashboard(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<DateQuery>,
) -> ApiResult {
    let as_of = q.as_of.unwrap_or_else(|| pantau_db::today().to_string());
    Ok(Json(
        json!({ "dashboard": cohorts::dashboard(&s.db, user.principal(), id, &as_of).await? }),
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct ParticipantBody {
    institution_id: i64,
}

async fn add_participant(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<ParticipantBody>,
) -> ApiResult {
    Ok(Json(
        json!({ "id": cohorts::add_participant(&s.db, Actor::User(user.principal()), id, b.institution_id).await? }),
    ))
}

async fn list_assessments(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult {
    Ok(Json(
        json!({ "items": assessments::for_participant(&s.db, user.principal(), id).await? }),
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct OpenBody {
    #[schemars(schema_with = "pantau_core::sni::AssessmentKind::schema")]
    kind: String,
    #[schemars(schema_with = "pantau_core::schema::date")]
    assessed_on: String,
}

async fn open_assessment(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<OpenBody>,
) -> ApiResult {
    let kind = AssessmentKind::parse(&b.kind)
        .ok_or_else(|| AppError::BadRequest("jenis penilaian: awal, monitoring, akhir".into()))?;
    Ok(Json(
        json!({ "id": assessments::open(&s.db, Actor::User(user.principal()), id, kind, &b.assessed_on).await? }),
    ))
}

async fn assessment(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult {
    Ok(Json(
        json!({ "assessment": assessments::get(&s.db, user.principal(), id).await? }),
    ))
}

async fn save_scores(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<assessments::ScoreSheet>,
) -> ApiResult {
    assessments::save_sheet(&s.db, Actor::User(user.principal()), id, &b).await?;
    Ok(Json(
        json!({ "assessment": assessments::get(&s.db, user.principal(), id).await? }),
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct ActionBody {
    #[schemars(schema_with = "pantau_core::ibm::AssessmentAction::schema")]
    action: String,
}

async fn assessment_action(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<ActionBody>,
) -> ApiResult {
    let action = AssessmentAction::parse(&b.action)
        .ok_or_else(|| AppError::BadRequest("aksi tidak dikenal".into()))?;
    Ok(Json(
        json!({ "assessment": assessments::apply(&s.db, Actor::User(user.principal()), id, action).await? }),
    ))
}

async fn upload_evidence(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((id, req)): Path<(i64, i64)>,
    mut multipart: Multipart,
) -> ApiResult {
    while let Some(part) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(e.body_text()))?
    {
        if part.name() != Some("file") {
            continue;
        }
        let name = part.file_name().unwrap_or("bukti").to_string();
        let bytes = part
            .bytes()
            .await
            .map_err(|e| AppError::BadRequest(e.body_text()))?;
        let e = s
            .evidence
            .upload(&s.db, Actor::User(user.principal()), id, req, &name, &bytes)
            .await?;
        return Ok(Json(json!({ "evidence": e })));
    }
    Err(AppError::BadRequest("bagian 'file' tidak ada".into()))
}

async fn list_evidence(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult {
    Ok(Json(
        json!({ "items": evidence::list(&s.db, user.principal(), id).await? }),
    ))
}

async fn list_sessions(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult {
    let (items, actions) = sessions::list(&s.db, user.principal(), id).await?;
    Ok(Json(
        json!({ "items": items, "actions": actions, "overdue": sessions::overdue(&actions, &pantau_db::today().to_string()) }),
    ))
}

async fn record_session(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<SessionInput>,
) -> ApiResult {
    Ok(Json(
        json!({ "id": sessions::record(&s.db, Actor::User(user.principal()), id, &b).await? }),
    ))
}

async fn recommendation(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult {
    Ok(Json(
        json!({ "recommendation": outcomes::recommendation(&s.db, user.principal(), id).await? }),
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct RecommendBody {
    #[schemars(schema_with = "pantau_core::schema::required_text")]
    number: String,
    #[schemars(schema_with = "pantau_core::schema::date")]
    issued_on: String,
    #[serde(default)]
    note: String,
}

async fn recommend(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<RecommendBody>,
) -> ApiResult {
    outcomes::recommend(
        &s.db,
        Actor::User(user.principal()),
        id,
        &b.number,
        &b.issued_on,
        &b.note,
    )
    .await?;
    Ok(Json(
        json!({ "recommendation": outcomes::recommendation(&s.db, user.principal(), id).await? }),
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct StatusBody {
    #[schemars(schema_with = "pantau_core::ibm::ActionStatus::schema")]
    status: String,
}

async fn action_status(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<StatusBody>,
) -> ApiResult {
    let status = ActionStatus::parse(&b.status)
        .ok_or_else(|| AppError::BadRequest("status: terbuka, selesai, dibatalkan".into()))?;
    sessions::set_action_status(&s.db, Actor::User(user.principal()), id, status).await?;
    Ok(Json(json!({ "ok": true })))
}
