//! Outcomes of coaching: BNN's recommendation (on a final, passing assessment) and certification
//! by a conformity body (LPK): applied → audit → certified / refused, with validity and expiry.

use super::{authorize_institution, authorize_participant};
use crate::audit::{self, Actor, Change};
use crate::error::{DbError, DbResult};
use crate::ibm::{check_date, check_text};
use crate::{Db, now_rfc3339};
use chrono::NaiveDate;
use pantau_core::access::{Permission, Principal};
use pantau_core::ibm::AssessmentStatus;
use pantau_core::message::Message;
use pantau_core::sni::{AssessmentKind, CertStatus, Expiry, expiry};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    pub participant_id: i64,
    pub number: String,
    pub issued_on: String,
    pub basis_assessment_id: i64,
    pub note: String,
}

/// Issues the recommendation for a participant (national directorate). The basis must be the
/// participant's final assessment, finalized and passing.
pub async fn recommend(
    db: &Db,
    actor: Actor<'_>,
    participant_id: i64,
    number: &str,
    issued_on: &str,
    note: &str,
) -> DbResult<()> {
    check_text("number", number, 100, true)?;
    check_date("issued_on", issued_on)?;
    check_text("note", note, 2000, false)?;
    let mut tx = db.begin().await?;
    let (path, _) =
        authorize_participant(&mut tx, actor, Permission::ReadData, participant_id).await?;
    super::authorize_staff(actor, Permission::FinalizeData, &path)?;
    let basis = sqlx::query(
        "SELECT id, status FROM sni_assessments WHERE participant_id = $1 AND kind = $2",
    )
    .bind(participant_id)
    .bind(AssessmentKind::Final.as_str())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| DbError::Invalid(Message::new("err-no-final-assessment")))?;
    let basis_id: i64 = basis.get("id");
    if basis.get::<String, _>("status") != AssessmentStatus::Final.as_str() {
        return Err(DbError::State(Message::new("err-final-not-closed")));
    }
    drop(tx);
    let scored = super::assessments::scored_unchecked(db, basis_id).await?;
    if !scored.passes {
        return Err(DbError::Invalid(Message::new("err-not-passing")));
    }
    let mut tx = db.begin().await?;
    sqlx::query("INSERT INTO sni_recommendations (participant_id, number, issued_on, basis_assessment_id, note) VALUES ($1, $2, $3, $4, $5)")
        .bind(participant_id)
        .bind(number.trim())
        .bind(issued_on.trim())
        .bind(basis_id)
        .bind(note.trim())
        .execute(&mut *tx)
        .await
        .map_err(|e| DbError::conflict_on_unique(e, "rekomendasi untuk peserta ini"))?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "recommend",
            entity: "peserta_sni",
            entity_id: participant_id.to_string(),
            office_path: Some(&path),
            before: None,
            after: Some(
                json!({"number": number, "issued_on": issued_on, "basis_assessment_id": basis_id}),
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn recommendation(
    db: &Db,
    who: &Principal,
    participant_id: i64,
) -> DbResult<Option<Recommendation>> {
    let mut conn = db.pool().acquire().await?;
    authorize_participant(
        &mut conn,
        Actor::User(who),
        Permission::ReadData,
        participant_id,
    )
    .await?;
    Ok(
        sqlx::query("SELECT * FROM sni_recommendations WHERE participant_id = $1")
            .bind(participant_id)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| Recommendation {
                participant_id,
                number: r.get("number"),
                issued_on: r.get("issued_on"),
                basis_assessment_id: r.get("basis_assessment_id"),
                note: r.get("note"),
            }),
    )
}

#[derive(Debug, Clone, Serialize)]
pub struct Certification {
    pub id: i64,
    pub institution_id: i64,
    pub lpk_code: String,
    pub status: String,
    pub applied_on: String,
    pub certificate_number: String,
    pub issued_on: Option<String>,
    pub valid_until: Option<String>,
}

impl Certification {
    pub fn expiry(&self, today: NaiveDate, warn_days: i64) -> Option<Expiry> {
        let until = NaiveDate::parse_from_str(self.valid_until.as_deref()?, "%Y-%m-%d").ok()?;
        (self.status == CertStatus::Certified.as_str()).then(|| expiry(until, today, warn_days))
    }
}

fn cert_from_row(r: &sqlx::any::AnyRow) -> Certification {
    Certification {
        id: r.get("id"),
        institution_id: r.get("institution_id"),
        lpk_code: r.get("lpk_code"),
        status: r.get("status"),
        applied_on: r.get("applied_on"),
        certificate_number: r.get("certificate_number"),
        issued_on: r.get("issued_on"),
        valid_until: r.get("valid_until"),
    }
}

/// Records an application to an LPK (institution or its officers).
pub async fn apply_certification(
    db: &Db,
    actor: Actor<'_>,
    institution_id: i64,
    lpk_code: &str,
    applied_on: &str,
) -> DbResult<i64> {
    check_date("applied_on", applied_on)?;
    let mut tx = db.begin().await?;
    let path = authorize_institution(&mut tx, actor, Permission::WriteData, institution_id).await?;
    sqlx::query("SELECT 1 FROM ref_items WHERE list = 'lpk' AND code = $1")
        .bind(lpk_code)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| DbError::unknown_record("lpk_code", lpk_code))?;
    let id: i64 = sqlx::query("INSERT INTO sni_certifications (institution_id, lpk_code, status, applied_on, updated_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(institution_id)
        .bind(lpk_code)
        .bind(CertStatus::Applied.as_str())
        .bind(applied_on.trim())
        .bind(now_rfc3339())
        .fetch_one(&mut *tx)
        .await?
        .get("id");
    audit::record(&mut tx, actor, Change {
        action: "apply",
        entity: "sertifikasi_sni",
        entity_id: id.to_string(),
        office_path: Some(&path),
        before: None,
        after: Some(json!({"institution_id": institution_id, "lpk": lpk_code, "applied_on": applied_on})),
    })
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
pub struct CertUpdate {
    #[schemars(schema_with = "pantau_core::sni::CertStatus::schema")]
    pub status: String,
    #[serde(default)]
    pub certificate_number: String,
    #[serde(default)]
    #[schemars(schema_with = "pantau_core::schema::optional_date")]
    pub issued_on: Option<String>,
    #[serde(default)]
    #[schemars(schema_with = "pantau_core::schema::optional_date")]
    pub valid_until: Option<String>,
}

/// Moves a certification along; a certificate needs its number and validity dates.
pub async fn update_certification(
    db: &Db,
    actor: Actor<'_>,
    id: i64,
    u: &CertUpdate,
) -> DbResult<()> {
    let to = CertStatus::parse(&u.status).ok_or_else(|| {
        DbError::unknown_value(
            "status",
            &u.status,
            CertStatus::ALL.iter().map(|v| v.as_str()),
        )
    })?;
    let mut tx = db.begin().await?;
    let r = sqlx::query("SELECT * FROM sni_certifications WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| DbError::not_found(format!("sertifikasi {id}")))?;
    let before = cert_from_row(&r);
    let path =
        authorize_institution(&mut tx, actor, Permission::WriteData, before.institution_id).await?;
    let from = CertStatus::parse(&before.status).ok_or_else(|| DbError::invalid("status rusak"))?;
    if !from.can_move_to(to) {
        return Err(DbError::State(
            Message::new("err-status-change")
                .with("field", "status")
                .with("from", from.as_str())
                .with("to", to.as_str()),
        ));
    }
    if to == CertStatus::Certified {
        check_text("certificate_number", &u.certificate_number, 100, true)?;
        let issued = check_date("issued_on", u.issued_on.as_deref().unwrap_or(""))?;
        let until = check_date("valid_until", u.valid_until.as_deref().unwrap_or(""))?;
        if until <= issued {
            return Err(DbError::field("err-valid-before-issued", "valid_until"));
        }
    }
    sqlx::query("UPDATE sni_certifications SET status = $1, certificate_number = $2, issued_on = $3, valid_until = $4, updated_at = $5 WHERE id = $6")
        .bind(to.as_str())
        .bind(u.certificate_number.trim())
        .bind(u.issued_on.clone().filter(|s| !s.is_empty()))
        .bind(u.valid_until.clone().filter(|s| !s.is_empty()))
        .bind(now_rfc3339())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(&mut tx, actor, Change {
        action: "status",
        entity: "sertifikasi_sni",
        entity_id: id.to_string(),
        office_path: Some(&path),
        before: Some(json!(before)),
        after: Some(json!({"status": to.as_str(), "certificate_number": u.certificate_number, "issued_on": u.issued_on, "valid_until": u.valid_until})),
    })
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn certifications(
    db: &Db,
    who: &Principal,
    institution_id: i64,
) -> DbResult<Vec<Certification>> {
    let mut conn = db.pool().acquire().await?;
    authorize_institution(
        &mut conn,
        Actor::User(who),
        Permission::ReadData,
        institution_id,
    )
    .await?;
    Ok(sqlx::query(
        "SELECT * FROM sni_certifications WHERE institution_id = $1 ORDER BY applied_on, id",
    )
    .bind(institution_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(cert_from_row)
    .collect())
}

/// Certified institutions in scope whose certificate expires within `warn_days` (or has expired).
pub async fn expiring(
    db: &Db,
    who: &Principal,
    today: NaiveDate,
    warn_days: i64,
) -> DbResult<Vec<(super::institutions::Institution, Certification, Expiry)>> {
    // Two reads whatever the number of institutions: those in scope, and every certificate
    // with an end date (a few per institution at most).
    let mut certified: std::collections::HashMap<i64, Vec<Certification>> =
        std::collections::HashMap::new();
    for c in sqlx::query(
        "SELECT * FROM sni_certifications WHERE status = $1 AND valid_until IS NOT NULL \
         ORDER BY applied_on, id",
    )
    .bind(CertStatus::Certified.as_str())
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(cert_from_row)
    {
        certified.entry(c.institution_id).or_default().push(c);
    }
    let mut out = Vec::new();
    for inst in super::institutions::list(db, who).await? {
        for c in certified.remove(&inst.id).unwrap_or_default() {
            if let Some(e) = c.expiry(today, warn_days).filter(|e| *e != Expiry::Valid) {
                out.push((inst.clone(), c, e));
            }
        }
    }
    Ok(out)
}

pub async fn warning_days(db: &Db) -> DbResult<i64> {
    Ok(
        crate::reference::setting(db, "sni.certificate_warning_days")
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(90),
    )
}
