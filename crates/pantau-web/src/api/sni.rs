//! JSON endpoints for SNI 8807 coaching.

use super::ApiResult;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use axum::extract::{Multipart, Path, Query, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use pantau_core::ibm::{ActionStatus, AssessmentAction};
use pantau_core::sni::AssessmentKind;
use pantau_db::Actor;
use pantau_db::sni::assessments::{self, ScoreInput};
use pantau_db::sni::cohorts::{self, CohortInput};
use pantau_db::sni::institutions::{self, Document, InstitutionInput};
use pantau_db::sni::outcomes::{self, CertUpdate};
use pantau_db::sni::sessions::{self, SessionInput};
use pantau_db::sni::{evidence, instrument};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/sni/institutions",
            get(list_institutions).post(create_institution),
        )
        .route(
            "/sni/institutions/{id}",
            get(institution).put(update_institution),
        )
        .route("/sni/institutions/{id}/documents", post(add_document))
        .route(
            "/sni/institutions/{id}/certifications",
            get(certifications).post(apply_certification),
        )
        .route("/sni/certifications/{id}", put(update_certification))
        .route("/sni/certifications/expiring", get(expiring))
        .route("/sni/instrument", get(active_instrument))
        .route("/sni/instrument/{id}/requirements", put(upsert_requirement))
        .route("/sni/cohorts", get(list_cohorts).post(create_cohort))
        .route("/sni/cohorts/{id}", get(cohort_dashboard))
        .route("/sni/cohorts/{id}/participants", post(add_participant))
        .route(
            "/sni/participants/{id}/assessments",
            get(list_assessments).post(open_assessment),
        )
        .route(
            "/sni/participants/{id}/sessions",
            get(list_sessions).post(record_session),
        )
        .route(
            "/sni/participants/{id}/recommendation",
            get(recommendation).post(recommend),
        )
        .route("/sni/actions/{id}/status", post(action_status))
        .route("/sni/assessments/{id}", get(assessment).put(save_scores))
        .route("/sni/assessments/{id}/actions", post(assessment_action))
        .route(
            "/sni/assessments/{id}/evidence/{requirement}",
            post(upload_evidence).layer(axum::extract::DefaultBodyLimit::max(
                evidence::MAX_BYTES + 64 * 1024,
            )),
        )
        .route("/sni/assessments/{id}/evidence", get(list_evidence))
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

#[derive(Deserialize)]
struct ApplyBody {
    lpk_code: String,
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

#[derive(Deserialize)]
struct CohortBody {
    year: i64,
    kind: String,
    name: String,
    office_id: i64,
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

#[derive(Deserialize)]
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

#[derive(Deserialize)]
struct OpenBody {
    kind: String,
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

#[derive(Deserialize)]
struct ScoresBody {
    scores: Vec<ScoreInput>,
    #[serde(default)]
    note: String,
}

async fn save_scores(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<ScoresBody>,
) -> ApiResult {
    assessments::save_scores(&s.db, Actor::User(user.principal()), id, &b.scores, &b.note).await?;
    Ok(Json(
        json!({ "assessment": assessments::get(&s.db, user.principal(), id).await? }),
    ))
}

#[derive(Deserialize)]
struct ActionBody {
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

#[derive(Deserialize)]
struct RecommendBody {
    number: String,
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

#[derive(Deserialize)]
struct StatusBody {
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
