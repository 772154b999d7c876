//! SNI assessments (baseline self-assessment, monitoring, final): scored per requirement on the
//! instrument's scale with comments, through draft → submitted → verified → final.

use super::{authorize_participant, instrument};
use crate::audit::{self, Actor, Change};
use crate::error::{DbError, DbResult};
use crate::ibm::{check_date, check_text};
use crate::{Db, now_rfc3339};
use pantau_core::access::{Permission, Principal};
use pantau_core::ibm::{AssessmentAction, AssessmentStatus, check_four_eyes};
use pantau_core::message::Message;
use pantau_core::org::OfficePath;
use pantau_core::sni::{Answers, AssessmentKind, ScoreSummary, gaps, score};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{AnyConnection, FromRow, Row};
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Assessment {
    pub id: i64,
    pub participant_id: i64,
    pub kind: String,
    pub assessed_on: String,
    pub status: String,
    pub note: String,
    pub submitted_by: Option<String>,
    pub verified_by: Option<String>,
    pub finalized_by: Option<String>,
    /// Raised by every save of the scores (see [`ScoreSheet::version`]).
    pub version: i64,
    pub updated_at: String,
}

impl Assessment {
    pub fn status(&self) -> AssessmentStatus {
        AssessmentStatus::parse(&self.status).unwrap_or(AssessmentStatus::Draft)
    }

    pub fn kind(&self) -> AssessmentKind {
        AssessmentKind::parse(&self.kind).unwrap_or(AssessmentKind::Monitoring)
    }
}

/// An assessment with its scores and their summary.
#[derive(Debug, Clone, Serialize)]
pub struct Scored {
    pub assessment: Assessment,
    /// requirement id → (scale code, comment)
    pub scores: HashMap<i64, (String, String)>,
    pub summary: ScoreSummary,
    pub gaps: Vec<i64>,
    pub passes: bool,
    pub instrument_id: i64,
}

async fn load(conn: &mut AnyConnection, id: i64) -> DbResult<Assessment> {
    sqlx::query("SELECT * FROM sni_assessments WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .map(|r| Assessment::from_row(&r))
        .transpose()?
        .ok_or_else(|| DbError::not_found(format!("penilaian SNI {id}")))
}

async fn instrument_of(conn: &mut AnyConnection, participant_id: i64) -> DbResult<i64> {
    Ok(sqlx::query("SELECT c.instrument_id FROM sni_participants p JOIN sni_cohorts c ON c.id = p.cohort_id WHERE p.id = $1")
        .bind(participant_id)
        .fetch_one(conn)
        .await?
        .get("instrument_id"))
}

/// Opens an assessment. The baseline self-assessment may be opened by the institution itself;
/// monitoring and final assessments by the coaching officers. Baseline and final are one each.
pub async fn open(
    db: &Db,
    actor: Actor<'_>,
    participant_id: i64,
    kind: AssessmentKind,
    assessed_on: &str,
) -> DbResult<i64> {
    check_date("assessed_on", assessed_on)?;
    let mut tx = db.begin().await?;
    let (path, _) =
        authorize_participant(&mut tx, actor, Permission::WriteData, participant_id).await?;
    if kind != AssessmentKind::Baseline {
        super::authorize_staff(actor, Permission::WriteData, &path)?;
    }
    if kind != AssessmentKind::Monitoring {
        let exists =
            sqlx::query("SELECT 1 FROM sni_assessments WHERE participant_id = $1 AND kind = $2")
                .bind(participant_id)
                .bind(kind.as_str())
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
        if exists {
            return Err(DbError::Conflict(format!(
                "penilaian {} untuk peserta ini",
                kind.as_str()
            )));
        }
    }
    let id: i64 = sqlx::query(
        "INSERT INTO sni_assessments (participant_id, kind, assessed_on, status, updated_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(participant_id)
    .bind(kind.as_str())
    .bind(assessed_on.trim())
    .bind(AssessmentStatus::Draft.as_str())
    .bind(now_rfc3339())
    .fetch_one(&mut *tx)
    .await?
    .get("id");
    audit::record(&mut tx, actor, Change {
        action: "create",
        entity: "penilaian_sni",
        entity_id: id.to_string(),
        office_path: Some(&path),
        before: None,
        after: Some(json!({"participant_id": participant_id, "kind": kind.as_str(), "assessed_on": assessed_on})),
    })
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
pub struct ScoreInput {
    pub requirement_id: i64,
    pub scale_code: String,
    #[serde(default)]
    pub comment: String,
}

/// Write access to an assessment's content, checked inside the writing transaction: the
/// institution's operator writes only to its baseline self-assessment, officers to any; and the
/// assessment must still be a draft. The status is checked by the statement that claims the row
/// for this transaction, so a submission running beside this write either commits first (and
/// the write is refused) or waits until the write has committed.
pub(crate) async fn claim_draft(
    conn: &mut AnyConnection,
    actor: Actor<'_>,
    id: i64,
) -> DbResult<(OfficePath, Assessment)> {
    let a = load(conn, id).await?;
    let (path, _) =
        authorize_participant(conn, actor, Permission::WriteData, a.participant_id).await?;
    if !a.kind().self_assessed() {
        super::authorize_staff(actor, Permission::WriteData, &path)?;
    }
    let claimed =
        sqlx::query("UPDATE sni_assessments SET updated_at = $1 WHERE id = $2 AND status = $3")
            .bind(now_rfc3339())
            .bind(id)
            .bind(AssessmentStatus::Draft.as_str())
            .execute(&mut *conn)
            .await?
            .rows_affected();
    if claimed == 0 {
        let now = load(conn, id).await?;
        return Err(DbError::State(
            Message::new("err-closed").with("status", &now.status),
        ));
    }
    Ok((path, a))
}

/// Scores as a form or an API call sends them.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct ScoreSheet {
    pub scores: Vec<ScoreInput>,
    #[serde(default)]
    pub note: String,
    /// The version the editor started from. A save from an older version than the stored one
    /// is refused (someone else saved in between); without it the save is not checked.
    #[serde(default)]
    pub version: Option<i64>,
}

/// Saves scores (replacing earlier ones for the same requirements) while the assessment is a
/// draft, whatever was saved since the caller read it.
pub async fn save_scores(
    db: &Db,
    actor: Actor<'_>,
    id: i64,
    scores: &[ScoreInput],
    note: &str,
) -> DbResult<()> {
    let sheet = ScoreSheet {
        scores: scores.to_vec(),
        note: note.to_string(),
        version: None,
    };
    save_sheet(db, actor, id, &sheet).await
}

/// Saves scores like [`save_scores`], refusing a sheet made from an older version.
pub async fn save_sheet(db: &Db, actor: Actor<'_>, id: i64, sheet: &ScoreSheet) -> DbResult<()> {
    let (scores, note) = (&sheet.scores, sheet.note.as_str());
    check_text("note", note, 2000, false)?;
    let mut tx = db.begin().await?;
    let (path, a) = claim_draft(&mut tx, actor, id).await?;
    // Of two saves from the same version, the second raises nothing and is refused.
    let raised = sqlx::query(
        "UPDATE sni_assessments SET version = version + 1 WHERE id = $1 AND ($2 < 0 OR version = $2)",
    )
    .bind(id)
    .bind(sheet.version.unwrap_or(-1))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if raised == 0 {
        return Err(DbError::edited_meanwhile(a.updated_at));
    }
    let instrument_id = instrument_of(&mut tx, a.participant_id).await?;
    let inst = instrument::load_in(&mut tx, instrument_id).await?;
    let scale = inst.scale_values();
    if scores.len() > inst.requirements.len() {
        return Err(DbError::Invalid(
            Message::new("err-score-count")
                .with("field", "scores")
                .with("count", scores.len())
                .with("expected", inst.requirements.len()),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for s in scores {
        if !inst.requirements.iter().any(|r| r.id == s.requirement_id) {
            return Err(DbError::unknown_record("requirement_id", s.requirement_id));
        }
        if !seen.insert(s.requirement_id) {
            return Err(DbError::twice("requirement_id", s.requirement_id));
        }
        if !scale.contains_key(&s.scale_code) {
            return Err(DbError::unknown_value(
                "scale_code",
                &s.scale_code,
                scale.keys().map(String::as_str),
            ));
        }
        check_text("comment", &s.comment, 2000, false)?;
    }
    for s in scores {
        sqlx::query(
            "INSERT INTO sni_scores (assessment_id, requirement_id, scale_code, comment) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (assessment_id, requirement_id) DO UPDATE SET scale_code = excluded.scale_code, comment = excluded.comment",
        )
        .bind(id)
        .bind(s.requirement_id)
        .bind(&s.scale_code)
        .bind(s.comment.trim())
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("UPDATE sni_assessments SET note = $1, updated_at = $2 WHERE id = $3")
        .bind(note.trim())
        .bind(now_rfc3339())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "score",
            entity: "penilaian_sni",
            entity_id: id.to_string(),
            office_path: Some(&path),
            before: None,
            after: Some(json!({"scores": scores})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Moves the assessment along: submitting needs write access to the institution (operators
/// submit their self-assessment); verifying needs the BNNP; finalizing the national directorate.
pub async fn apply(
    db: &Db,
    actor: Actor<'_>,
    id: i64,
    action: AssessmentAction,
) -> DbResult<Assessment> {
    let mut tx = db.begin().await?;
    let a = load(&mut tx, id).await?;
    let (path, _) =
        authorize_participant(&mut tx, actor, Permission::ReadData, a.participant_id).await?;
    let (next, needed) = a.status().apply(action)?;
    if needed == Permission::WriteData {
        authorize_participant(&mut tx, actor, Permission::WriteData, a.participant_id).await?;
        if !a.kind().self_assessed() {
            super::authorize_staff(actor, Permission::WriteData, &path)?;
        }
    } else {
        super::authorize_staff(actor, needed, &path)?;
    }
    let who = actor.name();
    if let Actor::User(_) = actor {
        check_four_eyes(action, a.submitted_by.as_deref(), &who)?;
    }
    let sql = match action {
        AssessmentAction::Submit => {
            "UPDATE sni_assessments SET status = $1, updated_at = $2, submitted_by = $3 WHERE id = $4 AND status = $5"
        }
        AssessmentAction::Verify | AssessmentAction::Return => {
            "UPDATE sni_assessments SET status = $1, updated_at = $2, verified_by = $3 WHERE id = $4 AND status = $5"
        }
        AssessmentAction::Finalize => {
            "UPDATE sni_assessments SET status = $1, updated_at = $2, finalized_by = $3 WHERE id = $4 AND status = $5"
        }
    };
    let value = (action != AssessmentAction::Return).then_some(who);
    // Only from the status just read: of two steps taken at once, the second finds it changed.
    let moved = sqlx::query(sql)
        .bind(next.as_str())
        .bind(now_rfc3339())
        .bind(value)
        .bind(id)
        .bind(&a.status)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if moved == 0 {
        return Err(DbError::Invalid(Message::new("err-stale")));
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: action.as_str(),
            entity: "penilaian_sni",
            entity_id: id.to_string(),
            office_path: Some(&path),
            before: Some(json!({"status": a.status})),
            after: Some(json!({"status": next.as_str()})),
        },
    )
    .await?;
    let after = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(after)
}

/// Scores and their summary, without an access check (callers check first).
pub(crate) async fn scored_unchecked(db: &Db, id: i64) -> DbResult<Scored> {
    let mut conn = db.pool().acquire().await?;
    let a = load(&mut conn, id).await?;
    let instrument_id = instrument_of(&mut conn, a.participant_id).await?;
    let rows = sqlx::query("SELECT * FROM sni_scores WHERE assessment_id = $1")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    drop(conn);
    let inst = instrument::load(db, instrument_id).await?;
    let scale = inst.scale_values();
    let scores: HashMap<i64, (String, String)> = rows
        .iter()
        .map(|r| {
            (
                r.get("requirement_id"),
                (r.get("scale_code"), r.get("comment")),
            )
        })
        .collect();
    let answers: Answers = scores
        .iter()
        .filter_map(|(req, (code, _))| Some((*req, *scale.get(code)?)))
        .collect();
    let reqs = inst.scoring();
    let summary = score(&reqs, &answers);
    Ok(Scored {
        passes: summary.passes(inst.pass_threshold),
        gaps: gaps(&reqs, &answers),
        summary,
        scores,
        assessment: a,
        instrument_id,
    })
}

pub async fn get(db: &Db, who: &Principal, id: i64) -> DbResult<Scored> {
    let mut conn = db.pool().acquire().await?;
    let a = load(&mut conn, id).await?;
    authorize_participant(
        &mut conn,
        Actor::User(who),
        Permission::ReadData,
        a.participant_id,
    )
    .await?;
    drop(conn);
    scored_unchecked(db, id).await
}

pub async fn for_participant(
    db: &Db,
    who: &Principal,
    participant_id: i64,
) -> DbResult<Vec<Assessment>> {
    let mut conn = db.pool().acquire().await?;
    authorize_participant(
        &mut conn,
        Actor::User(who),
        Permission::ReadData,
        participant_id,
    )
    .await?;
    Ok(sqlx::query(
        "SELECT * FROM sni_assessments WHERE participant_id = $1 ORDER BY assessed_on, id",
    )
    .bind(participant_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(Assessment::from_row)
    .collect::<Result<_, _>>()?)
}

/// The office path an assessment's data belongs to (for evidence checks).
pub(crate) async fn path_of(
    conn: &mut AnyConnection,
    actor: Actor<'_>,
    permission: Permission,
    id: i64,
) -> DbResult<(OfficePath, Assessment)> {
    let a = load(conn, id).await?;
    let (path, _) = authorize_participant(conn, actor, permission, a.participant_id).await?;
    Ok((path, a))
}
