//! Stage assessments per unit and year: which criteria are met (with evidence), the achieved
//! stage derived from them, and the draft → submitted → verified → final workflow.

use super::{authorize_unit, check_text, check_year, stages};
use crate::audit::{self, Actor, Change};
use crate::error::{DbError, DbResult};
use crate::{Db, now_rfc3339};
use pantau_core::access::{Permission, Principal};
use pantau_core::ibm::{AssessmentAction, AssessmentStatus, achieved_stage, check_four_eyes};
use pantau_core::message::Message;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub id: i64,
    pub unit_id: i64,
    pub year: i64,
    pub status: String,
    pub achieved_stage_id: Option<i64>,
    pub achieved_ordinal: Option<i64>,
    pub note: String,
    pub submitted_by: Option<String>,
    pub verified_by: Option<String>,
    pub finalized_by: Option<String>,
    /// criterion id → (met, evidence)
    pub criteria: HashMap<i64, (bool, String)>,
}

impl Assessment {
    fn from_row(r: &AnyRow) -> Self {
        Assessment {
            id: r.get("id"),
            unit_id: r.get("unit_id"),
            year: r.get("year"),
            status: r.get("status"),
            achieved_stage_id: r.get("achieved_stage_id"),
            achieved_ordinal: r.get("achieved_ordinal"),
            note: r.get("note"),
            submitted_by: r.get("submitted_by"),
            verified_by: r.get("verified_by"),
            finalized_by: r.get("finalized_by"),
            criteria: HashMap::new(),
        }
    }

    pub fn status(&self) -> AssessmentStatus {
        AssessmentStatus::parse(&self.status).unwrap_or(AssessmentStatus::Draft)
    }

    pub fn met(&self, criterion_id: &i64) -> bool {
        self.criteria.get(criterion_id).is_some_and(|c| c.0)
    }

    pub fn evidence(&self, criterion_id: &i64) -> String {
        self.criteria
            .get(criterion_id)
            .map(|c| c.1.clone())
            .unwrap_or_default()
    }
}

async fn load(conn: &mut AnyConnection, unit_id: i64, year: i64) -> DbResult<Option<Assessment>> {
    let Some(row) = sqlx::query("SELECT * FROM ibm_assessments WHERE unit_id = $1 AND year = $2")
        .bind(unit_id)
        .bind(year)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let mut a = Assessment::from_row(&row);
    for r in sqlx::query("SELECT * FROM ibm_assessment_criteria WHERE assessment_id = $1")
        .bind(a.id)
        .fetch_all(&mut *conn)
        .await?
    {
        a.criteria.insert(
            r.get("criterion_id"),
            (crate::db::flag(&r, "met"), r.get("evidence")),
        );
    }
    Ok(Some(a))
}

pub async fn get(
    db: &Db,
    who: &Principal,
    unit_id: i64,
    year: i64,
) -> DbResult<Option<Assessment>> {
    let mut conn = db.pool().acquire().await?;
    authorize_unit(&mut conn, Actor::User(who), Permission::ReadData, unit_id).await?;
    load(&mut conn, unit_id, year).await
}

/// A criterion marked met carries its evidence.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[schemars(extend(
    "if" = {"properties": {"met": {"const": true}}},
    "then" = {"required": ["evidence"], "properties": {"evidence": {"minLength": 1, "pattern": "\\S"}}}
))]
pub struct CriterionAnswer {
    pub criterion_id: i64,
    pub met: bool,
    #[serde(default)]
    pub evidence: String,
}

/// Saves the draft's answers (creating the draft if needed) and recomputes the achieved stage.
pub async fn save(
    db: &Db,
    actor: Actor<'_>,
    unit_id: i64,
    year: i64,
    answers: &[CriterionAnswer],
    note: &str,
) -> DbResult<Assessment> {
    check_year(year)?;
    check_text("note", note, 2000, false)?;
    for a in answers {
        check_text("evidence", &a.evidence, 2000, false)?;
        if a.met && a.evidence.trim().is_empty() {
            return Err(DbError::field("err-evidence-required", "evidence"));
        }
    }
    let all_stages = stages::list(db).await?;
    let known: HashSet<i64> = all_stages
        .iter()
        .flat_map(|s| s.criteria.iter().map(|c| c.id))
        .collect();
    if let Some(bad) = answers.iter().find(|a| !known.contains(&a.criterion_id)) {
        return Err(DbError::unknown_record("criterion_id", bad.criterion_id));
    }
    let mut answered = HashSet::new();
    if let Some(twice) = answers.iter().find(|a| !answered.insert(a.criterion_id)) {
        return Err(DbError::twice("criterion_id", twice.criterion_id));
    }
    let met: HashSet<i64> = answers
        .iter()
        .filter(|a| a.met)
        .map(|a| a.criterion_id)
        .collect();
    let achieved = achieved_stage(&stages::rules(&all_stages), &met);

    let mut tx = db.begin().await?;
    let path = authorize_unit(&mut tx, actor, Permission::WriteData, unit_id).await?;
    let rollup = super::rollup::track(&mut tx, unit_id).await?;
    let before = load(&mut tx, unit_id, year).await?;
    if let Some(b) = &before {
        if !b.status().is_editable() {
            return Err(DbError::State(
                Message::new("err-closed").with("status", &b.status),
            ));
        }
    }
    let id: i64 = match &before {
        Some(b) => {
            sqlx::query("UPDATE ibm_assessments SET achieved_stage_id = $1, achieved_ordinal = $2, note = $3, updated_at = $4 WHERE id = $5")
                .bind(achieved.map(|a| a.0))
                .bind(achieved.map(|a| a.1))
                .bind(note.trim())
                .bind(now_rfc3339())
                .bind(b.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM ibm_assessment_criteria WHERE assessment_id = $1").bind(b.id).execute(&mut *tx).await?;
            b.id
        }
        None => sqlx::query(
            "INSERT INTO ibm_assessments (unit_id, year, status, achieved_stage_id, achieved_ordinal, note, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(unit_id)
        .bind(year)
        .bind(AssessmentStatus::Draft.as_str())
        .bind(achieved.map(|a| a.0))
        .bind(achieved.map(|a| a.1))
        .bind(note.trim())
        .bind(now_rfc3339())
        .fetch_one(&mut *tx)
        .await?
        .get("id"),
    };
    for a in answers {
        sqlx::query("INSERT INTO ibm_assessment_criteria (assessment_id, criterion_id, met, evidence) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(a.criterion_id)
            .bind(a.met)
            .bind(a.evidence.trim())
            .execute(&mut *tx)
            .await?;
    }
    let after = load(&mut tx, unit_id, year)
        .await?
        .ok_or_else(|| DbError::not_found("penilaian"))?;
    audit::record(&mut tx, actor, Change {
        action: "save",
        entity: "penilaian_tahap",
        entity_id: id.to_string(),
        office_path: Some(&path),
        before: before.as_ref().map(|b| json!({"achieved_ordinal": b.achieved_ordinal, "met": b.criteria.iter().filter(|c| c.1.0).map(|c| c.0).collect::<Vec<_>>()})),
        after: Some(json!({"unit_id": unit_id, "year": year, "achieved_ordinal": after.achieved_ordinal, "met": met})),
    })
    .await?;
    rollup.finish(&mut tx).await?;
    tx.commit().await?;
    Ok(after)
}

/// Moves the assessment through its workflow; each step needs its own permission.
pub async fn apply(
    db: &Db,
    actor: Actor<'_>,
    unit_id: i64,
    year: i64,
    action: AssessmentAction,
) -> DbResult<Assessment> {
    let mut tx = db.begin().await?;
    let path = authorize_unit(&mut tx, actor, Permission::ReadData, unit_id).await?;
    let rollup = super::rollup::track(&mut tx, unit_id).await?;
    let current = load(&mut tx, unit_id, year)
        .await?
        .ok_or_else(|| DbError::not_found("penilaian tahap"))?;
    let (next, needed) = current.status().apply(action)?;
    actor.authorize(needed, &path)?;
    let who = actor.name();
    if let Actor::User(_) = actor {
        check_four_eyes(action, current.submitted_by.as_deref(), &who)?;
    }
    // Each step stamps its own columns; a return clears the verification.
    let sql = match action {
        AssessmentAction::Submit => {
            "UPDATE ibm_assessments SET status = $1, updated_at = $2, submitted_by = $3, submitted_at = $2 WHERE id = $4"
        }
        AssessmentAction::Verify => {
            "UPDATE ibm_assessments SET status = $1, updated_at = $2, verified_by = $3, verified_at = $2 WHERE id = $4"
        }
        AssessmentAction::Finalize => {
            "UPDATE ibm_assessments SET status = $1, updated_at = $2, finalized_by = $3, finalized_at = $2 WHERE id = $4"
        }
        AssessmentAction::Return => {
            "UPDATE ibm_assessments SET status = $1, updated_at = $2, verified_by = $3, verified_at = NULL WHERE id = $4"
        }
    };
    let stamp = action != AssessmentAction::Return;
    sqlx::query(sql)
        .bind(next.as_str())
        .bind(now_rfc3339())
        .bind(stamp.then_some(who))
        .bind(current.id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: action.as_str(),
            entity: "penilaian_tahap",
            entity_id: current.id.to_string(),
            office_path: Some(&path),
            before: Some(json!({"status": current.status})),
            after: Some(json!({"status": next.as_str()})),
        },
    )
    .await?;
    let after = load(&mut tx, unit_id, year)
        .await?
        .ok_or_else(|| DbError::not_found("penilaian tahap"))?;
    rollup.finish(&mut tx).await?;
    tx.commit().await?;
    Ok(after)
}

/// Where a stage assessment was made: in Pantau, or imported from a spreadsheet.
pub const SOURCE_PANTAU: &str = "pantau";
pub const SOURCE_IMPORT: &str = "impor";

/// A past year's achieved stage from a spreadsheet, stored as a final assessment marked as
/// imported (no criteria: the file gives only the result; who imported it is in the audit log).
/// An assessment made in Pantau for that year is never overwritten: the import is refused.
/// Returns whether anything changed.
pub(crate) async fn import_final_in(
    tx: &mut AnyConnection,
    actor: Actor<'_>,
    unit_id: i64,
    year: i64,
    stage: (i64, i64),
) -> DbResult<bool> {
    check_year(year)?;
    let path = authorize_unit(&mut *tx, actor, Permission::WriteData, unit_id).await?;
    let existing = sqlx::query(
        "SELECT id, source, status, achieved_stage_id FROM ibm_assessments WHERE unit_id = $1 AND year = $2",
    )
    .bind(unit_id)
    .bind(year)
    .fetch_optional(&mut *tx)
    .await?;
    let (stage_id, ordinal) = stage;
    if let Some(e) = &existing {
        let same = e.get::<Option<i64>, _>("achieved_stage_id") == Some(stage_id)
            && e.get::<String, _>("status") == AssessmentStatus::Final.as_str();
        if same {
            return Ok(false);
        }
        if e.get::<String, _>("source") != SOURCE_IMPORT {
            return Err(DbError::rule(
                pantau_core::message::Message::new("xchg-achieved-in-pantau").with("year", year),
            ));
        }
    }
    let rollup = super::rollup::track(&mut *tx, unit_id).await?;
    let now = now_rfc3339();
    let who = actor.name();
    let id: i64 = match &existing {
        Some(e) => {
            let id: i64 = e.get("id");
            sqlx::query(
                "UPDATE ibm_assessments SET achieved_stage_id = $1, achieved_ordinal = $2, status = $3, \
                 updated_at = $4 WHERE id = $5",
            )
            .bind(stage_id)
            .bind(ordinal)
            .bind(AssessmentStatus::Final.as_str())
            .bind(&now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            id
        }
        None => sqlx::query(
            "INSERT INTO ibm_assessments (unit_id, year, status, achieved_stage_id, achieved_ordinal, note, \
             updated_at, submitted_by, submitted_at, verified_by, verified_at, finalized_by, finalized_at, source) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7, $8, $7, $8, $7, $9) RETURNING id",
        )
        .bind(unit_id)
        .bind(year)
        .bind(AssessmentStatus::Final.as_str())
        .bind(stage_id)
        .bind(ordinal)
        .bind("")
        .bind(&now)
        .bind(&who)
        .bind(SOURCE_IMPORT)
        .fetch_one(&mut *tx)
        .await?
        .get("id"),
    };
    audit::record(
        &mut *tx,
        actor,
        Change {
            action: "import",
            entity: "penilaian_tahap",
            entity_id: id.to_string(),
            office_path: Some(&path),
            before: existing.as_ref().map(
                |e| json!({"achieved_stage_id": e.get::<Option<i64>, _>("achieved_stage_id")}),
            ),
            after: Some(json!({
                "unit_id": unit_id, "year": year, "achieved_stage_id": stage_id,
                "achieved_ordinal": ordinal, "status": "final", "source": SOURCE_IMPORT,
            })),
        },
    )
    .await?;
    rollup.finish(&mut *tx).await?;
    Ok(true)
}
