//! Coaching cohorts: a year's national-priority or regular targets, their participating
//! institutions, assigned officers and facilitators, over a six-month period.

use super::{authorize_institution, authorize_participant};
use crate::audit::{self, Actor, Change};
use crate::error::{DbError, DbResult};
use crate::ibm::{check_date, check_text, check_year};
use crate::{Db, now_rfc3339};
use pantau_core::access::{Permission, Principal};
use pantau_core::org::OfficePath;
use pantau_core::sni::{CohortKind, coaching_end};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::FromRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Cohort {
    pub id: i64,
    pub year: i64,
    pub kind: String,
    pub name: String,
    pub office_id: i64,
    pub office_name: String,
    pub office_path: String,
    pub instrument_id: i64,
    pub start_date: String,
    pub end_date: String,
}

const SELECT: &str = "SELECT c.*, o.name AS office_name, o.path AS office_path FROM sni_cohorts c JOIN offices o ON o.id = c.office_id";

#[derive(Debug, Clone, Deserialize)]
pub struct CohortInput {
    pub year: i64,
    pub kind: String,
    pub name: String,
    pub office_id: i64,
    pub start_date: String,
}

/// Creates a cohort on an office: national-priority cohorts belong to BNN RI (national admin);
/// regular ones to the BNNP/BNNK that writes them. Uses the active instrument.
pub async fn create(db: &Db, actor: Actor<'_>, input: &CohortInput) -> DbResult<Cohort> {
    check_year(input.year)?;
    check_text("name", &input.name, 200, true)?;
    let kind = CohortKind::parse(&input.kind).ok_or_else(|| {
        DbError::unknown_value(
            "kind",
            &input.kind,
            CohortKind::ALL.iter().map(|v| v.as_str()),
        )
    })?;
    let start = check_date("start_date", &input.start_date)?;
    let instrument = super::instrument::active(db).await?;
    let mut tx = db.begin().await?;
    let office = crate::offices::load(&mut tx, input.office_id).await?;
    match kind {
        CohortKind::NationalPriority => {
            if office.level != "pusat" {
                return Err(DbError::field("err-national-cohort", "office_id"));
            }
            actor.authorize(Permission::FinalizeData, &office.office_path())?;
        }
        CohortKind::Regular => actor.authorize(Permission::WriteData, &office.office_path())?,
    }
    let id: i64 = sqlx::query(
        "INSERT INTO sni_cohorts (year, kind, name, office_id, instrument_id, start_date, end_date, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(input.year)
    .bind(kind.as_str())
    .bind(input.name.trim())
    .bind(input.office_id)
    .bind(instrument.id)
    .bind(start.to_string())
    .bind(coaching_end(start).to_string())
    .bind(now_rfc3339())
    .fetch_one(&mut *tx)
    .await?
    .get("id");
    audit::record(&mut tx, actor, Change {
        action: "create",
        entity: "kohort_sni",
        entity_id: id.to_string(),
        office_path: Some(&office.office_path()),
        before: None,
        after: Some(json!({"year": input.year, "kind": kind.as_str(), "name": input.name, "start_date": start.to_string()})),
    })
    .await?;
    tx.commit().await?;
    get_unchecked(db, id).await
}

async fn get_unchecked(db: &Db, id: i64) -> DbResult<Cohort> {
    let mut sql = crate::sql::Sql::new(SELECT);
    sql.push(" WHERE c.id = ").bind(id);
    sql.query()
        .fetch_optional(db.pool())
        .await?
        .map(|r| Cohort::from_row(&r))
        .transpose()?
        .ok_or_else(|| DbError::not_found(format!("kohort {id}")))
}

/// A cohort is readable by its office's subtree readers, by national readers, and by anyone who
/// may read one of its participants (a BNNK officer sees a national cohort with its institutions).
pub async fn get(db: &Db, who: &Principal, id: i64) -> DbResult<Cohort> {
    let c = get_unchecked(db, id).await?;
    let path = OfficePath::parse(&c.office_path).ok_or_else(|| DbError::invalid("jalur rusak"))?;
    if who.can(Permission::ReadData, &path) || !participants(db, who, id).await?.is_empty() {
        Ok(c)
    } else {
        Err(pantau_core::access::Denied {
            permission: Permission::ReadData,
            target: format!("kohort {id}"),
            unseen: true,
        }
        .into())
    }
}

pub async fn list(db: &Db, who: &Principal) -> DbResult<Vec<Cohort>> {
    let mut sql = crate::sql::Sql::new(SELECT);
    sql.push(" ORDER BY c.year DESC, c.id DESC");
    let all: Vec<Cohort> = sql
        .query()
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(Cohort::from_row)
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for c in all {
        let readable = OfficePath::parse(&c.office_path)
            .is_some_and(|p| who.can(Permission::ReadData, &p))
            || !participants(db, who, c.id).await?.is_empty();
        if readable {
            out.push(c);
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize)]
pub struct Participant {
    pub id: i64,
    pub cohort_id: i64,
    pub institution_id: i64,
    pub institution_name: String,
    pub ownership: String,
    pub province_code: String,
    pub office_path: String,
    pub staff: Vec<(String, String)>,
}

/// Participants of a cohort that the principal may read.
pub async fn participants(db: &Db, who: &Principal, cohort_id: i64) -> DbResult<Vec<Participant>> {
    let rows = sqlx::query(
        "SELECT p.id, p.institution_id, i.name, i.ownership, i.area_code, o.path FROM sni_participants p \
         JOIN institutions i ON i.id = p.institution_id JOIN offices o ON o.id = i.office_id \
         WHERE p.cohort_id = $1 ORDER BY i.name",
    )
    .bind(cohort_id)
    .fetch_all(db.pool())
    .await?;
    let staff = sqlx::query(
        "SELECT s.participant_id, u.username, s.duty FROM sni_staff s JOIN users u ON u.id = s.user_id \
         JOIN sni_participants p ON p.id = s.participant_id WHERE p.cohort_id = $1 ORDER BY u.username",
    )
    .bind(cohort_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .filter(|r| {
            OfficePath::parse(&r.get::<String, _>("path")).is_some_and(|p| {
                who.can_institution(Permission::ReadData, &p, r.get("institution_id"))
            })
        })
        .map(|r| {
            let id: i64 = r.get("id");
            let area: String = r.get("area_code");
            Participant {
                id,
                cohort_id,
                institution_id: r.get("institution_id"),
                institution_name: r.get("name"),
                ownership: r.get("ownership"),
                province_code: area.chars().take(2).collect(),
                office_path: r.get("path"),
                staff: staff
                    .iter()
                    .filter(|s| s.get::<i64, _>("participant_id") == id)
                    .map(|s| (s.get("username"), s.get("duty")))
                    .collect(),
            }
        })
        .collect())
}

/// Adds an institution to a cohort: the actor must write both the cohort's office (or hold
/// national rights) and the institution.
pub async fn add_participant(
    db: &Db,
    actor: Actor<'_>,
    cohort_id: i64,
    institution_id: i64,
) -> DbResult<i64> {
    let cohort = get_unchecked(db, cohort_id).await?;
    let mut tx = db.begin().await?;
    let path = authorize_institution(&mut tx, actor, Permission::WriteData, institution_id).await?;
    if let Actor::User(p) = actor {
        let cpath = OfficePath::parse(&cohort.office_path)
            .ok_or_else(|| DbError::invalid("jalur rusak"))?;
        if !p.can(Permission::WriteData, &cpath) && !p.can(Permission::WriteData, &path) {
            return Err(pantau_core::access::Denied::visible(
                Permission::WriteData,
                format!("kohort {cohort_id}"),
            )
            .into());
        }
        // Institution operators cannot enrol themselves.
        if !p.can(Permission::WriteData, &path) {
            return Err(pantau_core::access::Denied::visible(
                Permission::WriteData,
                format!("lembaga {institution_id}"),
            )
            .into());
        }
    }
    let id: i64 = sqlx::query(
        "INSERT INTO sni_participants (cohort_id, institution_id) VALUES ($1, $2) RETURNING id",
    )
    .bind(cohort_id)
    .bind(institution_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        DbError::conflict_on_unique(e, format!("lembaga {institution_id} sudah dalam kohort"))
    })?
    .get("id");
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "add_participant",
            entity: "kohort_sni",
            entity_id: cohort_id.to_string(),
            office_path: Some(&path),
            before: None,
            after: Some(json!({"institution_id": institution_id, "participant_id": id})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Assigns an officer (`petugas`) or an IKAI facilitator (`fasilitator`) to a participant.
pub async fn assign(
    db: &Db,
    actor: Actor<'_>,
    participant_id: i64,
    username: &str,
    duty: &str,
) -> DbResult<()> {
    if !["petugas", "fasilitator"].contains(&duty) {
        return Err(DbError::unknown_value(
            "duty",
            duty,
            ["petugas", "fasilitator"],
        ));
    }
    let user = crate::users::by_username(db, username).await?;
    let mut tx = db.begin().await?;
    let (path, _) =
        authorize_participant(&mut tx, actor, Permission::WriteData, participant_id).await?;
    super::authorize_staff(actor, Permission::WriteData, &path)?;
    sqlx::query("INSERT INTO sni_staff (participant_id, user_id, duty) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(participant_id)
        .bind(user.id)
        .bind(duty)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "assign",
            entity: "peserta_sni",
            entity_id: participant_id.to_string(),
            office_path: Some(&path),
            before: None,
            after: Some(json!({"username": username, "duty": duty})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One institution's progress through the cohort.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub participant: Participant,
    /// The furthest assessment opened: awal, monitoring or akhir.
    pub stage: Option<String>,
    pub stage_status: Option<String>,
    pub baseline_pct: Option<f64>,
    pub latest_pct: Option<f64>,
    pub improvement: Option<f64>,
    /// aspect id → (before, after)
    pub aspects: std::collections::BTreeMap<i64, (Option<f64>, Option<f64>)>,
    pub passes: bool,
    pub recommended: bool,
    pub certified: bool,
    pub open_actions: usize,
    pub overdue_actions: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    pub institutions: usize,
    pub recommended: usize,
    pub certified: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub cohort: Cohort,
    pub aspects: Vec<super::instrument::Aspect>,
    pub rows: Vec<Progress>,
    pub total: Tally,
    pub by_ownership: std::collections::BTreeMap<String, Tally>,
    pub by_province: std::collections::BTreeMap<String, Tally>,
    /// Mean aspect scores: aspect id → (before, after), over participants with both.
    pub aspect_means: std::collections::BTreeMap<i64, (Option<f64>, Option<f64>)>,
}

/// Progress of every readable participant, aspect scores before and after, and the counts
/// recommended and certified by ownership and province — computed from the rows, never cached.
pub async fn dashboard(
    db: &Db,
    who: &Principal,
    cohort_id: i64,
    today: &str,
) -> DbResult<Dashboard> {
    use pantau_core::sni::{AssessmentKind, improvement};
    let cohort = get(db, who, cohort_id).await?;
    let instrument = super::instrument::load(db, cohort.instrument_id).await?;
    let mut rows = Vec::new();
    for p in participants(db, who, cohort_id).await? {
        let assessments = super::assessments::for_participant(db, who, p.id).await?;
        let pick =
            |kind: AssessmentKind| assessments.iter().rev().find(|a| a.kind == kind.as_str());
        let baseline = pick(AssessmentKind::Baseline);
        let latest = pick(AssessmentKind::Final).or_else(|| pick(AssessmentKind::Monitoring));
        let furthest = latest.or(baseline);
        let base_scored = match baseline {
            Some(a) => Some(super::assessments::scored_unchecked(db, a.id).await?),
            None => None,
        };
        let last_scored = match latest {
            Some(a) => Some(super::assessments::scored_unchecked(db, a.id).await?),
            None => None,
        };
        let mut aspects = std::collections::BTreeMap::new();
        for a in &instrument.aspects {
            let before = base_scored
                .as_ref()
                .and_then(|s| s.summary.aspects.get(&a.id))
                .and_then(|x| x.pct());
            let after = last_scored
                .as_ref()
                .and_then(|s| s.summary.aspects.get(&a.id))
                .and_then(|x| x.pct());
            aspects.insert(a.id, (before, after));
        }
        let delta = match (&base_scored, &last_scored) {
            (Some(b), Some(l)) => improvement(&b.summary, &l.summary).0,
            _ => None,
        };
        let (_, actions) = super::sessions::list(db, who, p.id).await?;
        let recommended = super::outcomes::recommendation(db, who, p.id)
            .await?
            .is_some();
        let certified = super::outcomes::certifications(db, who, p.institution_id)
            .await?
            .iter()
            .any(|c| {
                c.status == pantau_core::sni::CertStatus::Certified.as_str()
                    && c.valid_until.as_deref().is_some_and(|v| v >= today)
            });
        rows.push(Progress {
            stage: furthest.map(|a| a.kind.clone()),
            stage_status: furthest.map(|a| a.status.clone()),
            baseline_pct: base_scored.as_ref().and_then(|s| s.summary.overall.pct()),
            latest_pct: last_scored.as_ref().and_then(|s| s.summary.overall.pct()),
            improvement: delta,
            aspects,
            passes: last_scored.as_ref().is_some_and(|s| s.passes),
            recommended,
            certified,
            open_actions: actions
                .iter()
                .filter(|a| a.status == pantau_core::ibm::ActionStatus::Open.as_str())
                .count(),
            overdue_actions: super::sessions::overdue(&actions, today),
            participant: p,
        });
    }
    let mut total = Tally::default();
    let mut by_ownership: std::collections::BTreeMap<String, Tally> = Default::default();
    let mut by_province: std::collections::BTreeMap<String, Tally> = Default::default();
    for r in &rows {
        for t in [
            &mut total,
            by_ownership
                .entry(r.participant.ownership.clone())
                .or_default(),
            by_province
                .entry(r.participant.province_code.clone())
                .or_default(),
        ] {
            t.institutions += 1;
            t.recommended += r.recommended as usize;
            t.certified += r.certified as usize;
        }
    }
    let mean = |xs: Vec<f64>| {
        (!xs.is_empty()).then(|| (xs.iter().sum::<f64>() / xs.len() as f64 * 10.0).round() / 10.0)
    };
    let aspect_means = instrument
        .aspects
        .iter()
        .map(|a| {
            let pairs: Vec<(f64, f64)> = rows
                .iter()
                .filter_map(|r| match r.aspects.get(&a.id) {
                    Some((Some(b), Some(l))) => Some((*b, *l)),
                    _ => None,
                })
                .collect();
            (
                a.id,
                (
                    mean(pairs.iter().map(|p| p.0).collect()),
                    mean(pairs.iter().map(|p| p.1).collect()),
                ),
            )
        })
        .collect();
    Ok(Dashboard {
        cohort,
        aspects: instrument.aspects.clone(),
        rows,
        total,
        by_ownership,
        by_province,
        aspect_means,
    })
}

/// The cohort a participant belongs to (no access check: callers check the cohort).
pub async fn cohort_of_participant(db: &Db, participant_id: i64) -> DbResult<i64> {
    let mut conn = db.pool().acquire().await?;
    Ok(super::participant_institution(&mut conn, participant_id)
        .await?
        .1)
}
