//! Annual evaluation per unit: operational status, obstacles (hambatan) and drivers (pendorong)
//! from the configurable lists plus free text, and the solutions proposed. Target and achieved
//! stages are read from the unit's year and its final assessment, never copied.

use super::{authorize_unit, check_text, check_year};
use crate::audit::{self, Actor, Change};
use crate::error::{DbError, DbResult};
use crate::{Db, now_rfc3339};
use pantau_core::access::{Permission, Principal};
use pantau_core::ibm::UnitStatus;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, Deserialize, Default, schemars::JsonSchema)]
pub struct EvaluationInput {
    #[schemars(schema_with = "pantau_core::ibm::UnitStatus::schema")]
    pub operational_status: String,
    #[serde(default)]
    pub factor_ids: Vec<i64>,
    #[serde(default)]
    pub obstacles_text: String,
    #[serde(default)]
    pub drivers_text: String,
    #[serde(default)]
    pub solutions: String,
    /// The version the editor started from (0: there was none). A save from an older version
    /// than the stored one is refused; without it the save is not checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub unit_id: i64,
    pub year: i64,
    pub input: EvaluationInput,
    /// Raised by every save.
    pub version: i64,
    pub updated_at: String,
}

pub async fn get(
    db: &Db,
    who: &Principal,
    unit_id: i64,
    year: i64,
) -> DbResult<Option<Evaluation>> {
    let mut conn = db.pool().acquire().await?;
    authorize_unit(&mut conn, Actor::User(who), Permission::ReadData, unit_id).await?;
    load(&mut conn, unit_id, year).await
}

async fn load(
    conn: &mut sqlx::AnyConnection,
    unit_id: i64,
    year: i64,
) -> DbResult<Option<Evaluation>> {
    let Some(r) = sqlx::query("SELECT * FROM ibm_evaluations WHERE unit_id = $1 AND year = $2")
        .bind(unit_id)
        .bind(year)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let id: i64 = r.get("id");
    let factor_ids = sqlx::query(
        "SELECT factor_id FROM ibm_evaluation_factors WHERE evaluation_id = $1 ORDER BY factor_id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|f| f.get("factor_id"))
    .collect();
    Ok(Some(Evaluation {
        unit_id,
        year,
        input: EvaluationInput {
            operational_status: r.get("operational_status"),
            factor_ids,
            obstacles_text: r.get("obstacles_text"),
            drivers_text: r.get("drivers_text"),
            solutions: r.get("solutions"),
            version: None,
        },
        version: r.get("version"),
        updated_at: r.get("updated_at"),
    }))
}

pub async fn save(
    db: &Db,
    actor: Actor<'_>,
    unit_id: i64,
    year: i64,
    input: &EvaluationInput,
) -> DbResult<()> {
    check_year(year)?;
    UnitStatus::parse(&input.operational_status).ok_or_else(|| {
        DbError::unknown_value(
            "operational_status",
            &input.operational_status,
            UnitStatus::ALL.iter().map(|v| v.as_str()),
        )
    })?;
    check_text("obstacles_text", &input.obstacles_text, 5000, false)?;
    check_text("drivers_text", &input.drivers_text, 5000, false)?;
    check_text("solutions", &input.solutions, 5000, false)?;
    super::check_count(
        "factor_ids",
        input.factor_ids.len(),
        pantau_core::limits::FACTORS_PER_EVALUATION,
    )?;
    let mut tx = db.begin().await?;
    let path = authorize_unit(&mut tx, actor, Permission::WriteData, unit_id).await?;
    for f in &input.factor_ids {
        sqlx::query("SELECT 1 FROM ref_items WHERE id = $1 AND list IN ('obstacle', 'driver')")
            .bind(*f)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| DbError::unknown_record("factor_ids", f))?;
    }
    let before = load(&mut tx, unit_id, year).await?;
    // Only over the version the editor started from (see `EvaluationInput::version`): of two
    // saves from the same version, the second updates nothing and is refused.
    let saved = sqlx::query(
        "INSERT INTO ibm_evaluations (unit_id, year, operational_status, obstacles_text, drivers_text, solutions, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (unit_id, year) DO UPDATE SET \
         operational_status = excluded.operational_status, obstacles_text = excluded.obstacles_text, \
         drivers_text = excluded.drivers_text, solutions = excluded.solutions, updated_at = excluded.updated_at, \
         version = ibm_evaluations.version + 1 \
         WHERE $8 < 0 OR ibm_evaluations.version = $8 RETURNING id",
    )
    .bind(unit_id)
    .bind(year)
    .bind(&input.operational_status)
    .bind(input.obstacles_text.trim())
    .bind(input.drivers_text.trim())
    .bind(input.solutions.trim())
    .bind(now_rfc3339())
    .bind(input.version.unwrap_or(-1))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(saved) = saved else {
        let now = load(&mut tx, unit_id, year).await?;
        return Err(DbError::edited_meanwhile(
            now.map(|n| n.updated_at).unwrap_or_default(),
        ));
    };
    let id: i64 = saved.get("id");
    sqlx::query("DELETE FROM ibm_evaluation_factors WHERE evaluation_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let mut factors = input.factor_ids.clone();
    factors.sort();
    factors.dedup();
    for f in &factors {
        sqlx::query(
            "INSERT INTO ibm_evaluation_factors (evaluation_id, factor_id) VALUES ($1, $2)",
        )
        .bind(id)
        .bind(*f)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(&mut tx, actor, Change {
        action: if before.is_some() { "update" } else { "create" },
        entity: "evaluasi_ibm",
        entity_id: id.to_string(),
        office_path: Some(&path),
        before: before.map(|b| json!(b.input)),
        after: Some(json!({"unit_id": unit_id, "year": year, "operational_status": input.operational_status, "factor_ids": factors, "solutions": input.solutions})),
    })
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How often each obstacle and driver was named in the scope's evaluations of `year`.
pub async fn factor_summary(
    db: &Db,
    who: &Principal,
    year: i64,
    under: Option<&pantau_core::org::OfficePath>,
) -> DbResult<Vec<(String, String, String, i64)>> {
    let mut sql = crate::sql::Sql::new(
        "SELECT f.list, f.name_id, f.name_en, COUNT(*) AS n FROM ibm_evaluation_factors ef \
         JOIN ref_items f ON f.id = ef.factor_id JOIN ibm_evaluations e ON e.id = ef.evaluation_id \
         JOIN ibm_units u ON u.id = e.unit_id JOIN offices o ON o.id = u.office_id \
         WHERE e.year = ",
    );
    sql.bind(year).push(" AND o.path LIKE ");
    sql.bind(format!("{}%", under.map(|p| p.as_str()).unwrap_or("/")));
    sql.push(" AND ");
    if !sql.scope(who, Permission::ReadData, "o.path") {
        return Ok(vec![]);
    }
    sql.push(" GROUP BY f.list, f.name_id, f.name_en ORDER BY f.list, n DESC, f.name_id");
    let q = sql.query();
    Ok(q.fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| {
            (
                r.get("list"),
                r.get("name_id"),
                r.get("name_en"),
                r.get("n"),
            )
        })
        .collect())
}
