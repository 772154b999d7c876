//! SNI 8807 coaching pages: institutions, cohorts and their dashboard, a participant's
//! assessments and sessions, the scoring form with evidence upload, outcomes.

use super::{render, saved};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::page::Page;
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, RawForm, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use pantau_core::access::Permission;
use pantau_core::ibm::{ActionStatus, AssessmentAction};
use pantau_core::org::OfficePath;
use pantau_core::sni::{AssessmentKind, CohortKind, Expiry, Modality, Ownership, ServiceKind};
use pantau_db::Actor;
use pantau_db::offices::{self, Office};
use pantau_db::reference::{self, RefItem};
use pantau_db::sni::assessments::{self, ScoreInput, Scored};
use pantau_db::sni::cohorts::{self, Cohort, CohortInput, Dashboard};
use pantau_db::sni::evidence::{self, Evidence};
use pantau_db::sni::institutions::{self, Document, Institution, InstitutionInput};
use pantau_db::sni::instrument::{self, Instrument};
use pantau_db::sni::outcomes::{self, CertUpdate, Certification, Recommendation};
use pantau_db::sni::sessions::{self, Action, ActionInput, Session, SessionInput};
use serde::Deserialize;
use std::collections::HashMap;

use crate::form::{pairs, value as field};

fn fmt_pct(v: &Option<f64>) -> String {
    v.map(|p| format!("{p:.1}")).unwrap_or_else(|| "—".into())
}

fn fmt_delta(v: &Option<f64>) -> String {
    v.map(|p| format!("{p:+.1}")).unwrap_or_else(|| "—".into())
}

async fn writable_offices(state: &AppState, user: &CurrentUser) -> Result<Vec<Office>, AppError> {
    Ok(offices::in_scope(&state.db, user.principal())
        .await?
        .into_iter()
        .filter(|o| {
            user.principal()
                .can(Permission::WriteData, &o.office_path())
        })
        .collect())
}

// ---------- overview ----------

#[derive(Template)]
#[template(path = "sni_home.html")]
struct HomePage {
    page: Page,
    cohorts: Vec<Cohort>,
    institutions: Vec<Institution>,
    expiring: Vec<(Institution, Certification, Expiry)>,
    offices: Vec<Office>,
    year: i32,
    today: String,
    kinds: Vec<&'static str>,
    /// The institution search (name, code, coaching office, area) as typed, and the ownership chosen.
    q: String,
    ownership: String,
    ownerships: Vec<&'static str>,
    tabs: Vec<(&'static str, String)>,
    /// The institutions found, a page at a time.
    pager: super::Pager,
}

#[derive(Deserialize, Default)]
pub struct HomeQuery {
    q: Option<String>,
    ownership: Option<String>,
    page: Option<i64>,
}

impl HomePage {
    fn expiry_label(&self, e: &Expiry) -> String {
        match e {
            Expiry::Expired => self.page.t("sni-expired"),
            Expiry::ExpiringSoon { days_left } => self.page.i18n.t_with(
                self.page.lang,
                "sni-expires-in",
                &[("days", (*days_left).into())],
            ),
            Expiry::Valid => String::new(),
        }
    }
}

pub async fn home(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Query(q): Query<HomeQuery>,
    uri: axum::http::Uri,
) -> Result<Response, AppError> {
    let keeping = match super::Keeping::begin(&state, &user, &page, &uri) {
        Ok(k) => k,
        Err(kept) => return Ok(kept),
    };
    let p = user.principal();
    let warn = outcomes::warning_days(&state.db).await?;
    let now = pantau_db::today();
    let words = q.q.clone().unwrap_or_default().trim().to_lowercase();
    let ownership = q.ownership.clone().unwrap_or_default();
    // The scope's institutions are a few hundred at most: filtered here, as typed.
    let institutions = institutions::list(&state.db, p)
        .await?
        .into_iter()
        .filter(|i| {
            words.is_empty()
                || [&i.name, &i.code, &i.office_name, &i.area_name]
                    .iter()
                    .any(|v| v.to_lowercase().contains(&words))
        })
        .filter(|i| ownership.is_empty() || i.ownership == ownership)
        .collect::<Vec<_>>();
    let base = format!(
        "/sni?{}",
        super::query_string(&[("q", q.q.as_deref()), ("ownership", Some(&ownership))])
    );
    let pager = super::Pager::new(q.page, institutions.len() as i64, base);
    let institutions = institutions
        .into_iter()
        .skip(pager.offset() as usize)
        .take(super::PAGE_SIZE as usize)
        .collect();
    let shown = HomePage {
        pager,
        tabs: super::lists::tabs(super::lists::Group::Sni),
        cohorts: cohorts::list(&state.db, p).await?,
        institutions,
        q: q.q.unwrap_or_default(),
        ownership,
        ownerships: pantau_core::sni::Ownership::ALL
            .iter()
            .map(|o| o.as_str())
            .collect(),
        expiring: outcomes::expiring(&state.db, p, now, warn).await?,
        offices: writable_offices(&state, &user).await?,
        year: pantau_db::chrono::Datelike::year(&now),
        today: pantau_db::today().to_string(),
        kinds: CohortKind::ALL.iter().map(|k| k.as_str()).collect(),
        page,
    };
    keeping.render(&state, shown)
}

#[derive(Deserialize)]
pub struct CohortForm {
    year: i64,
    kind: String,
    name: String,
    office_id: i64,
    start_date: String,
}

pub async fn create_cohort(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<CohortForm>,
) -> Result<Response, AppError> {
    let c = cohorts::create(
        &state.db,
        Actor::User(user.principal()),
        &CohortInput {
            year: f.year,
            kind: f.kind,
            name: f.name,
            office_id: f.office_id,
            start_date: f.start_date,
        },
    )
    .await?;
    Ok(saved(&format!("/sni/kohort/{}", c.id), "ibm-saved"))
}

// ---------- institutions ----------

#[derive(Template)]
#[template(path = "sni_institution_new.html")]
struct NewInstitutionPage {
    page: Page,
    offices: Vec<Office>,
    ownerships: Vec<&'static str>,
    kinds: Vec<&'static str>,
    modalities: Vec<&'static str>,
}

pub async fn new_institution(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
) -> Result<Response, AppError> {
    let offices = writable_offices(&state, &user).await?;
    if offices.is_empty() {
        return Err(AppError::Forbidden);
    }
    render(NewInstitutionPage {
        offices,
        ownerships: Ownership::ALL.iter().map(|o| o.as_str()).collect(),
        kinds: ServiceKind::ALL.iter().map(|o| o.as_str()).collect(),
        modalities: Modality::ALL.iter().map(|o| o.as_str()).collect(),
        page,
    })
}

#[derive(Deserialize)]
pub struct InstitutionForm {
    code: String,
    name: String,
    ownership: String,
    service_kind: String,
    modality: String,
    ipwl: Option<String>,
    bnn_partner: Option<String>,
    #[serde(default)]
    address: String,
    area_code: String,
    office_id: i64,
}

pub async fn create_institution(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<InstitutionForm>,
) -> Result<Response, AppError> {
    let input = InstitutionInput {
        code: f.code,
        name: f.name,
        ownership: f.ownership,
        service_kind: f.service_kind,
        modality: f.modality,
        ipwl: f.ipwl.is_some(),
        bnn_partner: f.bnn_partner.is_some(),
        address: f.address,
        area_code: f.area_code,
        office_id: f.office_id,
    };
    let i = institutions::create(&state.db, Actor::User(user.principal()), &input).await?;
    Ok(saved(&format!("/sni/lembaga/{}", i.id), "ibm-saved"))
}

#[derive(Template)]
#[template(path = "sni_institution.html")]
struct InstitutionPage {
    page: Page,
    institution: Institution,
    documents: Vec<Document>,
    doc_types: Vec<RefItem>,
    certifications: Vec<Certification>,
    lpks: Vec<RefItem>,
    can_write: bool,
    today: String,
}

pub async fn institution(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let p = user.principal();
    let institution = institutions::get(&state.db, p, id).await?;
    let path = OfficePath::parse(&institution.office_path).ok_or(AppError::NotFound)?;
    render(InstitutionPage {
        can_write: p.can_institution(Permission::WriteData, &path, id),
        documents: institutions::documents(&state.db, p, id).await?,
        doc_types: reference::items(&state.db, "document", false).await?,
        certifications: outcomes::certifications(&state.db, p, id).await?,
        lpks: reference::items(&state.db, "lpk", false).await?,
        institution,
        today: pantau_db::today().to_string(),
        page,
    })
}

#[derive(Deserialize)]
pub struct DocumentForm {
    doc_type: String,
    number: String,
    issued_on: String,
    #[serde(default)]
    valid_until: String,
}

pub async fn add_document(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<DocumentForm>,
) -> Result<Response, AppError> {
    let d = Document {
        id: 0,
        doc_type: f.doc_type,
        number: f.number,
        issued_on: f.issued_on,
        valid_until: Some(f.valid_until).filter(|v| !v.is_empty()),
        note: String::new(),
    };
    institutions::add_document(&state.db, Actor::User(user.principal()), id, &d).await?;
    Ok(saved(&format!("/sni/lembaga/{id}"), "ibm-saved"))
}

#[derive(Deserialize)]
pub struct CertApplyForm {
    lpk_code: String,
    applied_on: String,
}

pub async fn apply_certification(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<CertApplyForm>,
) -> Result<Response, AppError> {
    outcomes::apply_certification(
        &state.db,
        Actor::User(user.principal()),
        id,
        &f.lpk_code,
        &f.applied_on,
    )
    .await?;
    Ok(saved(&format!("/sni/lembaga/{id}"), "ibm-saved"))
}

#[derive(Deserialize)]
pub struct CertForm {
    institution_id: i64,
    status: String,
    #[serde(default)]
    certificate_number: String,
    #[serde(default)]
    issued_on: String,
    #[serde(default)]
    valid_until: String,
}

pub async fn update_certification(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<CertForm>,
) -> Result<Response, AppError> {
    let u = CertUpdate {
        status: f.status,
        certificate_number: f.certificate_number,
        issued_on: Some(f.issued_on),
        valid_until: Some(f.valid_until),
    };
    outcomes::update_certification(&state.db, Actor::User(user.principal()), id, &u).await?;
    Ok(saved(
        &format!("/sni/lembaga/{}", f.institution_id),
        "ibm-saved",
    ))
}

// ---------- cohort dashboard ----------

#[derive(Template)]
#[template(path = "sni_cohort.html")]
struct CohortPage {
    page: Page,
    d: Dashboard,
    candidates: Vec<Institution>,
    provinces: std::collections::HashMap<String, String>,
}

impl CohortPage {
    fn province(&self, code: &str) -> String {
        self.provinces
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }
    fn pct(&self, v: &Option<f64>) -> String {
        fmt_pct(v)
    }
    fn delta(&self, v: &Option<f64>) -> String {
        fmt_delta(v)
    }
    fn aspect_cell(&self, row: &pantau_db::sni::cohorts::Progress, aspect: &i64) -> String {
        match row.aspects.get(aspect) {
            Some((b, a)) => format!("{} → {}", fmt_pct(b), fmt_pct(a)),
            None => "—".into(),
        }
    }
    fn mean_cell(&self, aspect: &i64) -> String {
        match self.d.aspect_means.get(aspect) {
            Some((b, a)) => format!("{} → {}", fmt_pct(b), fmt_pct(a)),
            None => "—".into(),
        }
    }
    fn aspect_name(&self, a: &pantau_db::sni::instrument::Aspect) -> String {
        if self.page.lang.code() == "en" {
            a.name_en.clone()
        } else {
            a.name_id.clone()
        }
    }
}

#[derive(Deserialize)]
pub struct CohortQuery {
    /// `csv` or `xlsx`: the progress table as a spreadsheet instead of the page.
    unduh: Option<String>,
}

pub async fn cohort(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<CohortQuery>,
) -> Result<Response, AppError> {
    let p = user.principal();
    let d = cohorts::dashboard(&state.db, p, id, &pantau_db::today().to_string()).await?;
    if let Some(format) = &q.unduh {
        let table = pantau_db::exchange::views::cohort(&d);
        return super::exchange::download(&table, format, &format!("kohort-{}", d.cohort.id));
    }
    let enrolled: Vec<i64> = d
        .rows
        .iter()
        .map(|r| r.participant.institution_id)
        .collect();
    let candidates = institutions::list(&state.db, p)
        .await?
        .into_iter()
        .filter(|i| {
            !enrolled.contains(&i.id)
                && OfficePath::parse(&i.office_path)
                    .is_some_and(|path| p.can(Permission::WriteData, &path))
        })
        .collect::<Vec<_>>();
    render(CohortPage {
        d,
        candidates,
        provinces: super::province_names(&state).await?,
        page,
    })
}

#[derive(Deserialize)]
pub struct ParticipantForm {
    institution_id: i64,
}

pub async fn add_participant(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ParticipantForm>,
) -> Result<Response, AppError> {
    cohorts::add_participant(
        &state.db,
        Actor::User(user.principal()),
        id,
        f.institution_id,
    )
    .await?;
    Ok(saved(&format!("/sni/kohort/{id}"), "ibm-saved"))
}

// ---------- participant ----------

#[derive(Template)]
#[template(path = "sni_participant.html")]
struct ParticipantPage {
    page: Page,
    participant: pantau_db::sni::cohorts::Participant,
    cohort: Cohort,
    assessments: Vec<pantau_db::sni::assessments::Assessment>,
    sessions: Vec<Session>,
    actions: Vec<Action>,
    recommendation: Option<Recommendation>,
    instrument: Instrument,
    kinds: Vec<&'static str>,
    can_write: bool,
    is_officer: bool,
    can_recommend: bool,
    today: String,
}

impl ParticipantPage {
    fn requirement_label(&self, id: &i64) -> String {
        self.instrument
            .requirements
            .iter()
            .find(|r| r.id == *id)
            .map(|r| {
                format!(
                    "{} {}",
                    r.code,
                    if self.page.lang.code() == "en" {
                        &r.text_en
                    } else {
                        &r.text_id
                    }
                )
            })
            .unwrap_or_default()
    }
}

async fn find_participant(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<(pantau_db::sni::cohorts::Participant, Cohort), AppError> {
    let p = user.principal();
    // The participant's cohort, then the participant among those the user may read.
    let cohort_id = pantau_db::sni::cohorts::cohort_of_participant(&state.db, id).await?;
    let cohort = cohorts::get(&state.db, p, cohort_id).await?;
    let participant = cohorts::participants(&state.db, p, cohort_id)
        .await?
        .into_iter()
        .find(|x| x.id == id)
        .ok_or(AppError::Forbidden)?;
    Ok((participant, cohort))
}

pub async fn participant(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let p = user.principal();
    let (participant, cohort) = find_participant(&state, &user, id).await?;
    let (sessions_list, actions) = sessions::list(&state.db, p, id).await?;
    let path = OfficePath::parse(&participant.office_path).ok_or(AppError::NotFound)?;
    render(ParticipantPage {
        assessments: assessments::for_participant(&state.db, p, id).await?,
        recommendation: outcomes::recommendation(&state.db, p, id).await?,
        instrument: instrument::load(&state.db, cohort.instrument_id).await?,
        kinds: AssessmentKind::ALL.iter().map(|k| k.as_str()).collect(),
        can_write: p.can_institution(Permission::WriteData, &path, participant.institution_id),
        is_officer: p.can(Permission::WriteData, &path),
        can_recommend: p.can(Permission::FinalizeData, &path),
        sessions: sessions_list,
        actions,
        participant,
        cohort,
        today: pantau_db::today().to_string(),
        page,
    })
}

#[derive(Deserialize)]
pub struct OpenForm {
    kind: String,
    assessed_on: String,
}

pub async fn open_assessment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<OpenForm>,
) -> Result<Response, AppError> {
    let kind = AssessmentKind::parse(&f.kind)
        .ok_or_else(|| AppError::BadRequest("jenis penilaian tidak dikenal".into()))?;
    let a = assessments::open(
        &state.db,
        Actor::User(user.principal()),
        id,
        kind,
        &f.assessed_on,
    )
    .await?;
    Ok(saved(&format!("/sni/penilaian/{a}"), "ibm-saved"))
}

/// Session form: topics as repeated `topic`, actions as parallel `action_*` fields.
pub async fn record_session(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let kv = pairs(&body);
    let actions = crate::form::action_rows(&kv)
        .into_iter()
        .map(|(description, owner, due_date)| ActionInput {
            description,
            owner,
            due_date,
            requirement_id: None,
        })
        .collect();
    let input = SessionInput {
        session_type: field(&kv, "session_type").into(),
        mode: field(&kv, "mode").into(),
        tier: field(&kv, "tier").into(),
        held_on: field(&kv, "held_on").into(),
        attendees: field(&kv, "attendees").into(),
        findings: field(&kv, "findings").into(),
        topics: crate::form::values(&kv, "topic")
            .iter()
            .filter_map(|t| t.parse().ok())
            .collect(),
        actions,
    };
    sessions::record(&state.db, Actor::User(user.principal()), id, &input).await?;
    Ok(saved(&format!("/sni/peserta/{id}#sesi"), "ibm-saved"))
}

#[derive(Deserialize)]
pub struct ActionStatusForm {
    participant_id: i64,
    status: String,
}

pub async fn action_status(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ActionStatusForm>,
) -> Result<Response, AppError> {
    let status = ActionStatus::parse(&f.status)
        .ok_or_else(|| AppError::BadRequest("status tidak dikenal".into()))?;
    sessions::set_action_status(&state.db, Actor::User(user.principal()), id, status).await?;
    Ok(saved(
        &format!("/sni/peserta/{}#sesi", f.participant_id),
        "ibm-saved",
    ))
}

#[derive(Deserialize)]
pub struct RecommendForm {
    number: String,
    issued_on: String,
    #[serde(default)]
    note: String,
}

pub async fn recommend(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<RecommendForm>,
) -> Result<Response, AppError> {
    outcomes::recommend(
        &state.db,
        Actor::User(user.principal()),
        id,
        &f.number,
        &f.issued_on,
        &f.note,
    )
    .await?;
    Ok(saved(&format!("/sni/peserta/{id}"), "ibm-saved"))
}

// ---------- scoring ----------

#[derive(Template)]
#[template(path = "sni_assessment.html")]
struct AssessmentPage {
    page: Page,
    scored: Scored,
    instrument: Instrument,
    evidence: Vec<Evidence>,
    editable: bool,
    actions: Vec<&'static str>,
    participant_id: i64,
    /// The institution assessed, named on the page.
    institution: String,
    institution_id: i64,
    /// The scores the reader tried to save when someone else had saved first, by requirement:
    /// shown beside the stored ones where they differ.
    yours: Option<HashMap<i64, (String, String)>>,
}

impl AssessmentPage {
    /// What the reader entered for `req` and could not save, when it differs from the stored.
    fn yours(&self, req: &i64) -> Option<String> {
        let (code, comment) = self.yours.as_ref()?.get(req)?;
        let stored = self.scored.scores.get(req);
        if stored.is_some_and(|s| &s.0 == code && &s.1 == comment) {
            return None;
        }
        let label = self
            .instrument
            .scale
            .iter()
            .find(|s| &s.code == code)
            .map(|s| self.label(s))
            .unwrap_or_else(|| code.clone());
        Some(if comment.is_empty() {
            label
        } else {
            format!("{label} — {comment}")
        })
    }
    fn chosen(&self, req: &i64, code: &str) -> bool {
        self.scored.scores.get(req).is_some_and(|s| s.0 == code)
    }
    fn comment(&self, req: &i64) -> String {
        self.scored
            .scores
            .get(req)
            .map(|s| s.1.clone())
            .unwrap_or_default()
    }
    fn files(&self, req: &i64) -> Vec<&Evidence> {
        self.evidence
            .iter()
            .filter(|e| e.requirement_id == *req)
            .collect()
    }
    fn aspect_pct(&self, aspect: &i64) -> String {
        fmt_pct(
            &self
                .scored
                .summary
                .aspects
                .get(aspect)
                .and_then(|a| a.pct()),
        )
    }
    fn overall(&self) -> String {
        fmt_pct(&self.scored.summary.overall.pct())
    }
    fn text(&self, r: &pantau_db::sni::instrument::Requirement) -> String {
        if self.page.lang.code() == "en" {
            r.text_en.clone()
        } else {
            r.text_id.clone()
        }
    }
    fn aspect_name(&self, a: &pantau_db::sni::instrument::Aspect) -> String {
        if self.page.lang.code() == "en" {
            a.name_en.clone()
        } else {
            a.name_id.clone()
        }
    }
    fn label(&self, s: &pantau_db::sni::instrument::ScaleLevel) -> String {
        if self.page.lang.code() == "en" {
            s.label_en.clone()
        } else {
            s.label_id.clone()
        }
    }
    fn requirement_label(&self, id: &i64) -> String {
        self.instrument
            .requirements
            .iter()
            .find(|r| r.id == *id)
            .map(|r| {
                format!(
                    "{}{} {}",
                    r.code,
                    if r.mandatory { "*" } else { "" },
                    self.text(r)
                )
            })
            .unwrap_or_default()
    }
    fn upload_action(&self, req: &i64) -> String {
        format!(
            "/sni/penilaian/{}/bukti/{req}?csrf_token={}",
            self.scored.assessment.id, self.page.csrf
        )
    }
}

pub async fn assessment(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    assessment_page(&state, &user, page, id, None).await
}

/// The assessment page; with `yours`, the scores someone else saved first beside the ones the
/// reader tried to save.
async fn assessment_page(
    state: &AppState,
    user: &CurrentUser,
    page: Page,
    id: i64,
    yours: Option<HashMap<i64, (String, String)>>,
) -> Result<Response, AppError> {
    let p = user.principal();
    let scored = assessments::get(&state.db, p, id).await?;
    let instrument = instrument::load(&state.db, scored.instrument_id).await?;
    let (participant, _) = find_participant(state, user, scored.assessment.participant_id).await?;
    let path = OfficePath::parse(&participant.office_path).ok_or(AppError::NotFound)?;
    let can_write = p.can_institution(Permission::WriteData, &path, participant.institution_id);
    let status = scored.assessment.status();
    let actions = AssessmentAction::ALL
        .iter()
        .filter(|a| {
            status.apply(**a).is_ok_and(|(_, perm)| match perm {
                Permission::WriteData => can_write,
                other => p.can(other, &path),
            })
        })
        .map(|a| a.as_str())
        .collect();
    render(AssessmentPage {
        editable: status.is_editable() && can_write,
        evidence: evidence::list(&state.db, p, id).await?,
        participant_id: participant.id,
        institution: participant.institution_name.clone(),
        institution_id: participant.institution_id,
        instrument,
        scored,
        actions,
        yours,
        page,
    })
}

pub async fn save_scores(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let kv = pairs(&body);
    let scores: Vec<ScoreInput> = kv
        .iter()
        .filter_map(|(k, v)| {
            let req: i64 = k.strip_prefix("score_")?.parse().ok()?;
            Some(ScoreInput {
                requirement_id: req,
                scale_code: v.clone(),
                comment: field(&kv, &format!("comment_{req}")).to_string(),
            })
        })
        .collect();
    let sheet = assessments::ScoreSheet {
        scores,
        note: field(&kv, "note").to_string(),
        version: field(&kv, "version").parse().ok(),
    };
    match assessments::save_sheet(&state.db, Actor::User(user.principal()), id, &sheet).await {
        Ok(()) => Ok(saved(&format!("/sni/penilaian/{id}"), "ibm-saved")),
        // Someone saved first: both versions, side by side, nothing lost.
        Err(e) if e.is_edited_meanwhile() => {
            let yours = sheet
                .scores
                .into_iter()
                .map(|s| (s.requirement_id, (s.scale_code, s.comment)))
                .collect();
            let page = page.with_error(&e);
            let mut res = assessment_page(&state, &user, page, id, Some(yours)).await?;
            *res.status_mut() = axum::http::StatusCode::CONFLICT;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct WorkflowForm {
    action: String,
}

pub async fn assessment_action(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<WorkflowForm>,
) -> Result<Response, AppError> {
    let action = AssessmentAction::parse(&f.action)
        .ok_or_else(|| AppError::BadRequest("aksi tidak dikenal".into()))?;
    assessments::apply(&state.db, Actor::User(user.principal()), id, action).await?;
    Ok(saved(&format!("/sni/penilaian/{id}"), "ibm-saved"))
}

/// Evidence upload: one file per request, field `file`.
pub async fn upload_evidence(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, req)): Path<(i64, i64)>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
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
        state
            .evidence
            .upload(
                &state.db,
                Actor::User(user.principal()),
                id,
                req,
                &name,
                &bytes,
            )
            .await?;
        return Ok(saved(&format!("/sni/penilaian/{id}"), "sni-evidence-saved"));
    }
    Err(AppError::BadRequest("berkas tidak ada".into()))
}

pub async fn download_evidence(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (meta, bytes) = state.evidence.read(&state.db, user.principal(), id).await?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&meta.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let ascii: String = meta
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}
