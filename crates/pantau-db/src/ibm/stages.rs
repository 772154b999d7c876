//! Development stages (tahap perkembangan) and their criteria: ordered, configurable data.

use crate::Db;
use crate::audit::{self, Actor, Change};
use crate::error::{DbError, DbResult};
use pantau_core::access::Permission;
use pantau_core::ibm::StageRule;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Criterion {
    pub id: i64,
    pub code: String,
    pub text_id: String,
    pub text_en: String,
    pub mandatory: bool,
    pub ordinal: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stage {
    pub id: i64,
    pub code: String,
    pub ordinal: i64,
    pub name_id: String,
    pub name_en: String,
    pub description: String,
    pub criteria: Vec<Criterion>,
}

impl Stage {
    pub fn name(&self, lang: &str) -> &str {
        if lang == "en" {
            &self.name_en
        } else {
            &self.name_id
        }
    }
}

/// Active stages in order, each with its active criteria.
pub async fn list(db: &Db) -> DbResult<Vec<Stage>> {
    let stages = sqlx::query("SELECT * FROM ibm_stages WHERE active = $1 ORDER BY ordinal")
        .bind(true)
        .fetch_all(db.pool())
        .await?;
    let criteria =
        sqlx::query("SELECT * FROM ibm_stage_criteria WHERE active = $1 ORDER BY ordinal, id")
            .bind(true)
            .fetch_all(db.pool())
            .await?;
    Ok(stages
        .iter()
        .map(|s| {
            let id: i64 = s.get("id");
            Stage {
                id,
                code: s.get("code"),
                ordinal: s.get("ordinal"),
                name_id: s.get("name_id"),
                name_en: s.get("name_en"),
                description: s.get("description"),
                criteria: criteria
                    .iter()
                    .filter(|c| c.get::<i64, _>("stage_id") == id)
                    .map(|c| Criterion {
                        id: c.get("id"),
                        code: c.get("code"),
                        text_id: c.get("text_id"),
                        text_en: c.get("text_en"),
                        mandatory: crate::db::flag(c, "mandatory"),
                        ordinal: c.get("ordinal"),
                    })
                    .collect(),
            }
        })
        .collect())
}

pub fn rules(stages: &[Stage]) -> Vec<StageRule> {
    stages
        .iter()
        .map(|s| StageRule {
            id: s.id,
            ordinal: s.ordinal,
            criteria: s.criteria.iter().map(|c| (c.id, c.mandatory)).collect(),
        })
        .collect()
}

/// Adds or renames a stage by code (national admin).
pub async fn upsert_stage(
    db: &Db,
    actor: Actor<'_>,
    code: &str,
    ordinal: i64,
    name_id: &str,
    name_en: &str,
    description: &str,
) -> DbResult<i64> {
    actor.authorize_national(Permission::ManageReference)?;
    super::check_text("code", code, 40, true)?;
    super::check_text("name_id", name_id, 100, true)?;
    super::check_text("name_en", name_en, 100, true)?;
    if !(1..=20).contains(&ordinal) {
        return Err(DbError::out_of_range("ordinal", 1, 20));
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO ibm_stages (code, ordinal, name_id, name_en, description, active) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (code) DO UPDATE SET ordinal = excluded.ordinal, name_id = excluded.name_id, \
         name_en = excluded.name_en, description = excluded.description, active = excluded.active RETURNING id",
    )
    .bind(code.trim())
    .bind(ordinal)
    .bind(name_id.trim())
    .bind(name_en.trim())
    .bind(description.trim())
    .bind(true)
    .fetch_one(&mut *tx)
    .await?
    .get("id");
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "upsert",
            entity: "tahap_ibm",
            entity_id: id.to_string(),
            office_path: None,
            before: None,
            after: Some(
                json!({"code": code, "ordinal": ordinal, "name_id": name_id, "name_en": name_en}),
            ),
        },
    )
    .await?;
    // A stage's ordinal decides every unit's on-target result.
    super::rollup::rebuild(&mut tx).await?;
    tx.commit().await?;
    Ok(id)
}

/// Adds or rewords a criterion of a stage by code (national admin).
pub async fn upsert_criterion(
    db: &Db,
    actor: Actor<'_>,
    stage_id: i64,
    code: &str,
    text_id: &str,
    text_en: &str,
    mandatory: bool,
    ordinal: i64,
) -> DbResult<i64> {
    actor.authorize_national(Permission::ManageReference)?;
    super::check_text("code", code, 40, true)?;
    super::check_text("text_id", text_id, 300, true)?;
    super::check_text("text_en", text_en, 300, true)?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO ibm_stage_criteria (stage_id, code, text_id, text_en, mandatory, ordinal, active) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO UPDATE SET stage_id = excluded.stage_id, \
         text_id = excluded.text_id, text_en = excluded.text_en, mandatory = excluded.mandatory, \
         ordinal = excluded.ordinal, active = excluded.active RETURNING id",
    )
    .bind(stage_id)
    .bind(code.trim())
    .bind(text_id.trim())
    .bind(text_en.trim())
    .bind(mandatory)
    .bind(ordinal)
    .bind(true)
    .fetch_one(&mut *tx)
    .await?
    .get("id");
    audit::record(&mut tx, actor, Change {
        action: "upsert",
        entity: "kriteria_tahap_ibm",
        entity_id: id.to_string(),
        office_path: None,
        before: None,
        after: Some(json!({"stage_id": stage_id, "code": code, "text_id": text_id, "mandatory": mandatory})),
    })
    .await?;
    tx.commit().await?;
    Ok(id)
}
