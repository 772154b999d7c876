//! JSON API, version 1. Same access rules as the pages (they live in `pantau-db`). A session
//! (with the `X-CSRF-Token` header on writes) or an API token (`Authorization: Bearer pt_…`)
//! authenticates.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::routes::{Need, Route, Target, get, post, put};
use crate::view::AuditQuery;
use axum::extract::State;
use doc::{DRY_RUN, Input, LIMIT, OFFICE, OFFSET, Output, Param, SOURCE, YEAR};
use extract::{Json, Path, Query};
use pantau_core::org::AreaCode;
use pantau_db::offices::{self, OfficeProfile};
use pantau_db::{Actor, audit, users, wilayah};
use serde::Deserialize;
use serde_json::{Value, json};

pub mod doc;
pub mod extract;
mod ibm;
mod sni;

pub fn routes() -> Vec<Route> {
    let mut routes = vec![
        get("/api/v1/me", me).doc("akun", "The signed-in user, its grants and CSRF token"),
        get("/api/v1/me/tasks", my_tasks)
            .doc(
                "akun",
                "Tugas saya: how many records wait for the caller's next step, per kind of task, \
                 and with `kind` the records themselves",
            )
            .query(&[Param(
                "kind",
                "task",
                false,
                "jenis tugas; tanpa ini, jumlah per jenis / kind of task; without it, counts per kind",
            )]),
        get("/api/v1/users", user_list).doc(
            "akun",
            "User accounts in scope with their grants (user managers and audit readers)",
        ),
        get("/api/v1/users/{id}", user_detail).doc("akun", "One user account with its grants"),
        get("/api/v1/wilayah", areas)
            .doc(
                "wilayah",
                "Kemendagri areas: children of an area, or a name search",
            )
            .query(&[
                Param(
                    "parent",
                    "area",
                    false,
                    "kode wilayah induk / parent area code",
                ),
                Param("q", "string", false, "cari nama / name search"),
                LIMIT,
                OFFSET,
            ]),
        get("/api/v1/wilayah/{code}", area).doc("wilayah", "One area with its parents"),
        get("/api/v1/satker", office_directory)
            .doc("satker", "The office directory (BNN, BNNP, BNNK)"),
        get("/api/v1/satker/{id}", office)
            .doc("satker", "One office with its profile and children"),
        put(
            "/api/v1/satker/{id}/profil",
            Need::Record(Target::Office),
            update_office_profile,
        )
        .doc("satker", "Change an office's contact profile")
        .body::<OfficeProfile>(),
        get("/api/v1/audit", audit_entries)
            .doc("audit", "The audit trail within the caller's scope")
            .query(&[
                Param("entity", "string", false, "jenis data / entity"),
                Param("entity_id", "string", false, "id data / entity id"),
                Param("username", "string", false, "pengguna / user"),
                Param("action", "string", false, "tindakan / action"),
                Param(
                    "from",
                    "string",
                    false,
                    "dari tanggal YYYY-MM-DD / from date",
                ),
                Param("to", "string", false, "sampai tanggal YYYY-MM-DD / to date"),
                LIMIT,
                OFFSET,
            ]),
        get("/api/v1/dashboard/ibm", ibm_dashboard)
            .doc(
                "dasbor",
                "IBM targets against achievements, reporting completeness, trend",
            )
            .query(&[YEAR, OFFICE]),
        get("/api/v1/dashboard/sni", sni_dashboard)
            .doc(
                "dasbor",
                "SNI 8807 coaching: cohorts, scores, recommendations, certificates",
            )
            .query(&[YEAR]),
        get("/api/v1/summary", programme_summary)
            .doc(
                "dasbor",
                "Programme figures for a year and cumulatively: IBM units, SNI coaching, targets",
            )
            .query(&[YEAR, OFFICE]),
        get("/api/v1/sni/targets", sni_targets)
            .doc(
                "dasbor",
                "SNI coaching targets of the offices in scope for a year, each against the institutions coached, recommended and certified",
            )
            .query(&[YEAR, OFFICE]),
        put("/api/v1/sni/targets", Need::National, set_sni_target)
            .doc(
                "dasbor",
                "Set how many institutions an office is to coach in a year on a track (national admin)",
            )
            .body::<TargetInput>(),
        get("/api/v1/packs", pack)
            .doc("dasbor", "The evaluation-meeting pack as data")
            .query(&[YEAR, OFFICE]),
        get("/api/v1/exchange/dhis2", dhis2_values)
            .doc("pertukaran", "Indicator values as DHIS2 dataValueSets JSON")
            .query(&[YEAR, OFFICE]),
        post(
            "/api/v1/exchange/dhis2",
            Need::OfficeWriter,
            import_dhis2_values,
        )
        .doc(
            "pertukaran",
            "Receive DHIS2 dataValueSets JSON (all or nothing; 422 lists every problem)",
        )
        .query(&[SOURCE, DRY_RUN])
        .input(Input::Payload("application/json")),
        get("/api/v1/exchange/adx", adx_values)
            .doc("pertukaran", "Indicator values as ADX XML")
            .query(&[YEAR, OFFICE])
            .output(Output::Xml),
        post(
            "/api/v1/exchange/adx",
            Need::OfficeWriter,
            import_adx_values,
        )
        .doc(
            "pertukaran",
            "Receive ADX XML (all or nothing; 422 lists every problem)",
        )
        .query(&[SOURCE, DRY_RUN])
        .input(Input::Payload("application/adx+xml")),
        get("/api/v1/exchange/values", received_values)
            .doc(
                "pertukaran",
                "Received values beside Pantau's own, for reconciliation",
            )
            .query(&[
                YEAR,
                Param(
                    "source",
                    "string",
                    false,
                    "hanya sumber ini / only this source",
                ),
            ]),
        get("/api/v1/exchange/mapping", exchange_mapping).doc(
            "pertukaran",
            "Indicator, org unit and data set code mapping",
        ),
        put(
            "/api/v1/exchange/mapping",
            Need::National,
            set_exchange_mapping,
        )
        .doc(
            "pertukaran",
            "Set or remove one code translation (national admin)",
        )
        .body::<MappingInput>(),
    ];
    routes.extend(ibm::routes());
    routes.extend(sni::routes());
    routes
}

type ApiResult = Result<Json<Value>, AppError>;

fn may_see_users(p: &pantau_core::access::Principal) -> Result<(), AppError> {
    if p.may_see_users() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn code(raw: &str) -> Result<AreaCode, AppError> {
    AreaCode::parse(raw).map_err(|e| AppError::BadRequest(e.to_string()))
}

#[derive(serde::Deserialize)]
struct TasksQuery {
    kind: Option<pantau_db::tasks::TaskKind>,
}

/// The same tasks as the home page's "Tugas saya": counts per kind, or one kind's records.
async fn my_tasks(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<TasksQuery>,
) -> ApiResult {
    let today = pantau_db::today();
    let p = user.principal();
    match q.kind {
        None => Ok(Json(json!({
            "tasks": pantau_db::tasks::counts(&state.db, p, today).await?
        }))),
        Some(kind) => Ok(Json(json!({
            "kind": kind,
            "items": pantau_db::tasks::items(&state.db, p, kind, today).await?
        }))),
    }
}

async fn me(State(state): State<AppState>, user: CurrentUser) -> ApiResult {
    let p = user.principal();
    let (u, grants) = users::get(&state.db, p, p.user_id).await?;
    Ok(Json(
        json!({ "user": u, "grants": grants, "csrf_token": user.0.csrf_token }),
    ))
}

#[derive(Deserialize)]
struct AreaQuery {
    parent: Option<String>,
    q: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn areas(
    State(state): State<AppState>,
    _user: CurrentUser,
    Query(q): Query<AreaQuery>,
) -> ApiResult {
    let parent = q
        .parent
        .as_deref()
        .filter(|p| !p.is_empty())
        .map(code)
        .transpose()?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let offset = q.offset.unwrap_or(0).max(0);
    let (items, total) =
        wilayah::children(&state.db, parent.as_ref(), q.q.as_deref(), limit, offset).await?;
    Ok(Json(
        json!({ "items": items, "total": total, "limit": limit, "offset": offset }),
    ))
}

async fn area(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(raw): Path<String>,
) -> ApiResult {
    let c = code(&raw)?;
    let current = wilayah::get(&state.db, &c).await?;
    let (history, lineage) = wilayah::history(&state.db, &c).await?;
    let covering = offices::covering(&state.db, &c).await?;
    Ok(Json(
        json!({ "area": current, "history": history, "lineage": lineage, "covering_office": covering }),
    ))
}

async fn office_directory(State(state): State<AppState>, _user: CurrentUser) -> ApiResult {
    let items = offices::directory(&state.db).await?;
    Ok(Json(json!({ "items": items, "total": items.len() })))
}

async fn office(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult {
    let o = offices::get(&state.db, user.principal(), id).await?;
    let areas: Vec<Value> = offices::areas(&state.db, id)
        .await?
        .into_iter()
        .map(|(code, name)| json!({ "code": code, "name": name }))
        .collect();
    let staff: Vec<Value> = offices::staff(&state.db, user.principal(), id)
        .await?
        .into_iter()
        .map(|(username, full_name, role)| json!({ "username": username, "full_name": full_name, "role": role }))
        .collect();
    Ok(Json(json!({ "office": o, "areas": areas, "staff": staff })))
}

async fn update_office_profile(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(profile): Json<OfficeProfile>,
) -> ApiResult {
    let o = offices::update_profile(&state.db, Actor::User(user.principal()), id, &profile).await?;
    Ok(Json(json!({ "office": o })))
}

async fn audit_entries(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
    Query(page): Query<Paging>,
) -> ApiResult {
    if user
        .principal()
        .scope_roots(pantau_core::access::Permission::ReadAudit)
        .is_empty()
    {
        return Err(AppError::Forbidden);
    }
    for (name, value) in [("from", &q.from), ("to", &q.to)] {
        let text = value.as_deref().unwrap_or_default();
        if !text.is_empty() && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_err() {
            return Err(crate::error::RequestError::new(
                axum::http::StatusCode::BAD_REQUEST,
                pantau_core::message::Message::new("error-query-invalid").with("field", name),
            )
            .field(name.to_string())
            .details("expected a date YYYY-MM-DD".into())
            .into());
        }
    }
    let mut filter = q.filter(page.limit.unwrap_or(100).clamp(1, 500));
    filter.offset = page.offset.unwrap_or(0).max(0);
    let (items, total) = audit::list(&state.db, user.principal(), &filter).await?;
    Ok(Json(
        json!({ "items": items, "total": total, "limit": filter.limit, "offset": filter.offset }),
    ))
}

#[derive(Deserialize)]
struct Paging {
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Deserialize)]
struct DashboardQuery {
    /// Defaults to the current year.
    #[serde(default, deserialize_with = "extract::optional_year")]
    year: Option<i64>,
    office_id: Option<i64>,
}

fn year_or_now(year: Option<i64>) -> i64 {
    year.unwrap_or_else(|| pantau_db::chrono::Datelike::year(&today()) as i64)
}

use pantau_db::today;

/// The IBM dashboard's figures, shared with the page's cache (computed once per reader, office,
/// year and day until the next write).
async fn ibm_dashboard(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<DashboardQuery>,
) -> Result<axum::response::Response, AppError> {
    user.office_wide()?;
    let f = crate::view::figures(&state, &user, q.office_id, year_or_now(q.year), today()).await?;
    Ok(axum::response::IntoResponse::into_response(Json(Wrapped {
        dashboard: &f.d,
    })))
}

/// `{"dashboard": …}` written straight from the cached figures, without copying them into a
/// JSON tree first.
#[derive(serde::Serialize)]
struct Wrapped<'a, T: serde::Serialize> {
    dashboard: &'a T,
}

async fn sni_dashboard(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<DashboardQuery>,
) -> Result<axum::response::Response, AppError> {
    user.office_wide()?;
    // The SNI summary does not depend on the office; the page's cache entry for the whole scope
    // holds it.
    let f = crate::view::figures(&state, &user, None, year_or_now(q.year), today()).await?;
    Ok(axum::response::IntoResponse::into_response(Json(Wrapped {
        dashboard: &f.sni,
    })))
}

async fn programme_summary(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<DashboardQuery>,
) -> ApiResult {
    user.office_wide()?;
    let s = pantau_db::summary::summary(
        &state.db,
        user.principal(),
        year_or_now(q.year),
        q.office_id,
    )
    .await?;
    Ok(Json(json!(s)))
}

async fn sni_targets(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<DashboardQuery>,
) -> ApiResult {
    user.office_wide()?;
    let year = year_or_now(q.year);
    // Each office's target with what was coached, recommended and certified against it.
    let items =
        pantau_db::summary::target_progress(&state.db, user.principal(), year, q.office_id).await?;
    Ok(Json(json!({ "year": year, "items": items })))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct TargetInput {
    office_id: i64,
    #[schemars(schema_with = "pantau_core::schema::year")]
    year: i64,
    #[schemars(schema_with = "pantau_core::sni::CohortKind::schema")]
    kind: String,
    #[schemars(range(min = 0, max = 100000))]
    target: i64,
}

async fn set_sni_target(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(b): Json<TargetInput>,
) -> ApiResult {
    pantau_db::summary::set_target(
        &state.db,
        Actor::User(user.principal()),
        b.office_id,
        b.year,
        &b.kind,
        b.target,
    )
    .await?;
    Ok(Json(
        json!({"office_id": b.office_id, "year": b.year, "kind": b.kind, "target": b.target}),
    ))
}

async fn pack(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<DashboardQuery>,
) -> ApiResult {
    user.office_wide()?;
    let p = pantau_db::packs::build(
        &state.db,
        user.principal(),
        q.office_id,
        year_or_now(q.year),
        today(),
    )
    .await?;
    Ok(Json(json!({ "pack": p })))
}

async fn aggregate_values(
    state: &AppState,
    user: &CurrentUser,
    q: &DashboardQuery,
) -> Result<(i64, Vec<pantau_core::aggregate::DataValue>, String), AppError> {
    user.office_wide()?;
    use pantau_db::exchange::aggregate;
    let year = year_or_now(q.year);
    let offices =
        aggregate::office_values(&state.db, user.principal(), q.office_id, year, today()).await?;
    let mapping = aggregate::mapping(&state.db).await?;
    let values = pantau_core::aggregate::data_values(year, &offices, &mapping);
    let data_set = mapping.code("data_set", aggregate::DATA_SET).to_string();
    Ok((year, values, data_set))
}

/// The dashboard figures of an office (default: the nation) and its child offices for a year, as
/// a DHIS2 `dataValueSets` payload with codes translated by the mapping.
async fn dhis2_values(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<DashboardQuery>,
) -> ApiResult {
    let (_, values, data_set) = aggregate_values(&state, &user, &q).await?;
    Ok(Json(pantau_core::aggregate::dhis2_json(&data_set, &values)))
}

/// The same values as ADX XML.
async fn adx_values(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<DashboardQuery>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let (year, values, data_set) = aggregate_values(&state, &user, &q).await?;
    let xml = pantau_core::aggregate::adx_xml(&data_set, year, &values, &pantau_db::now_rfc3339());
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "application/adx+xml; charset=utf-8",
        )],
        xml,
    )
        .into_response())
}

async fn exchange_mapping(State(state): State<AppState>, _user: CurrentUser) -> ApiResult {
    let indicators: Vec<Value> = pantau_core::aggregate::INDICATORS
        .iter()
        .map(|(code, meaning)| json!({"code": code, "meaning": meaning}))
        .collect();
    Ok(Json(json!({
        "mapping": pantau_db::exchange::aggregate::mapping_rows(&state.db).await?,
        "indicators": indicators,
        "default_data_set": pantau_db::exchange::aggregate::DATA_SET,
    })))
}

fn mapping_kind(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    pantau_core::schema::one_of(pantau_db::exchange::aggregate::KINDS.iter().copied())
}

#[derive(Deserialize, schemars::JsonSchema)]
struct MappingInput {
    #[schemars(schema_with = "crate::api::mapping_kind")]
    kind: String,
    #[schemars(schema_with = "pantau_core::schema::required_text")]
    pantau_code: String,
    #[serde(default)]
    external_code: String,
}

/// Sets one code translation (an empty external code removes it). National admins only.
async fn set_exchange_mapping(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(b): Json<MappingInput>,
) -> ApiResult {
    pantau_db::exchange::aggregate::set_mapping(
        &state.db,
        Actor::User(user.principal()),
        &b.kind,
        &b.pantau_code,
        &b.external_code,
    )
    .await?;
    Ok(Json(json!({
        "mapping": pantau_db::exchange::aggregate::mapping_rows(&state.db).await?
    })))
}

#[derive(Deserialize)]
struct ImportQuery {
    /// Where the values come from, e.g. `dhis2-kemenkes`; the payload's data set when absent.
    source: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

/// Row errors as the API gives them: each reason in the reader's language, with its key.
pub(crate) fn row_errors_json(
    i18n: &crate::i18n::I18n,
    lang: crate::i18n::Lang,
    errors: &[pantau_db::exchange::RowError],
) -> Vec<Value> {
    errors
        .iter()
        .map(|e| {
            json!({
                "row": e.row, "column": e.column, "value": e.value,
                "reason": i18n.render(lang, &e.reason), "key": e.reason.key,
            })
        })
        .collect()
}

/// Stores received aggregate values (see `exchange::aggregate::import_values`): 200 with the
/// counts, or 422 with every problem (`row` = the value's position, from 1). Nothing is kept
/// from a refused payload.
async fn import_received(
    state: &AppState,
    user: &CurrentUser,
    lang: crate::i18n::Lang,
    q: &ImportQuery,
    parsed: Result<pantau_core::aggregate::IncomingSet, Vec<pantau_core::aggregate::PayloadError>>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let unprocessable = |errors: Vec<pantau_db::exchange::RowError>| {
        (
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "error": "payload refused; nothing was stored",
                "errors": row_errors_json(&state.i18n, lang, &errors),
            })),
        )
            .into_response()
    };
    let incoming = match parsed {
        Ok(set) => set,
        Err(errors) => {
            return Ok(unprocessable(errors.into_iter().map(Into::into).collect()));
        }
    };
    let source = q
        .source
        .clone()
        .or_else(|| incoming.data_set.clone())
        .unwrap_or_default()
        .to_lowercase();
    match pantau_db::exchange::aggregate::import_values(
        &state.db,
        Actor::User(user.principal()),
        &source,
        &incoming,
        q.dry_run,
    )
    .await?
    {
        Ok(summary) => Ok(Json(json!({ "source": source, "summary": summary })).into_response()),
        Err(errors) => Ok(unprocessable(errors)),
    }
}

/// Receives a DHIS2 `dataValueSets` JSON payload.
async fn import_dhis2_values(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::Extension(lang): axum::Extension<crate::i18n::Lang>,
    Query(q): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> Result<axum::response::Response, AppError> {
    let parsed = pantau_core::aggregate::parse_dhis2_json(&body);
    import_received(&state, &user, lang, &q, parsed).await
}

/// Receives an ADX XML payload.
async fn import_adx_values(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::Extension(lang): axum::Extension<crate::i18n::Lang>,
    Query(q): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> Result<axum::response::Response, AppError> {
    let parsed = pantau_core::aggregate::parse_adx_xml(&body);
    import_received(&state, &user, lang, &q, parsed).await
}

#[derive(Deserialize)]
struct ReceivedQuery {
    #[serde(default, deserialize_with = "extract::optional_year")]
    year: Option<i64>,
    source: Option<String>,
}

/// Received values of a year beside Pantau's own, with the difference, for reconciliation.
async fn received_values(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ReceivedQuery>,
) -> ApiResult {
    user.office_wide()?;
    let today = pantau_db::today();
    let year = q
        .year
        .unwrap_or_else(|| chrono::Datelike::year(&today) as i64);
    let rows = pantau_db::exchange::aggregate::reconcile(
        &state.db,
        user.principal(),
        year,
        q.source.as_deref(),
        today,
    )
    .await?;
    let differing = rows
        .iter()
        .filter(|r| r.pantau.is_some_and(|p| p != r.external))
        .count();
    Ok(Json(
        json!({ "year": year, "values": rows, "differing": differing }),
    ))
}

/// Accounts in scope with their grants: for those who manage users or read the audit trail.
/// Names and addresses of people leave the system here: the read is recorded in the audit trail.
async fn user_list(State(state): State<AppState>, user: CurrentUser) -> ApiResult {
    may_see_users(user.principal())?;
    let items: Vec<Value> = users::list(&state.db, user.principal())
        .await?
        .into_iter()
        .map(|(u, grants)| json!({ "user": u, "grants": grants }))
        .collect();
    pantau_db::audit::record_export(
        &state.db,
        pantau_db::Actor::User(user.principal()),
        "pengguna",
        items.len(),
    )
    .await?;
    Ok(Json(json!({ "items": items })))
}

async fn user_detail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult {
    may_see_users(user.principal())?;
    let (u, grants) = users::get(&state.db, user.principal(), id).await?;
    Ok(Json(json!({ "user": u, "grants": grants })))
}
