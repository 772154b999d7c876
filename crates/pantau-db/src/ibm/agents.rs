//! Recovery agents (Agen Pemulihan) of a unit and the trainings they attended. Names and phone
//! numbers are personal data: readable only within the unit's scope.

use super::{authorize_unit, check_date, check_text, check_year};
use crate::audit::{self, Actor, Change};
use crate::error::{DbError, DbResult};
use crate::{Db, now_rfc3339};
use pantau_core::access::{Permission, Principal};
use pantau_core::ibm::{AgentRole, Sex};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, Serialize)]
pub struct Agent {
    pub id: i64,
    pub unit_id: i64,
    pub full_name: String,
    pub sex: String,
    pub role: String,
    pub active: bool,
    pub phone: String,
    pub joined_year: i64,
    pub trainings: Vec<Training>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Training {
    pub training_code: String,
    pub held_on: String,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
pub struct AgentInput {
    #[schemars(schema_with = "pantau_core::schema::required_text")]
    pub full_name: String,
    #[schemars(schema_with = "pantau_core::ibm::Sex::schema")]
    pub sex: String,
    #[schemars(schema_with = "pantau_core::ibm::AgentRole::schema")]
    pub role: String,
    #[serde(default)]
    pub phone: String,
    #[schemars(schema_with = "pantau_core::schema::year")]
    pub joined_year: i64,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

pub async fn list(db: &Db, who: &Principal, unit_id: i64) -> DbResult<Vec<Agent>> {
    let mut conn = db.pool().acquire().await?;
    authorize_unit(
        &mut conn,
        Actor::User(who),
        Permission::ReadPersonalData,
        unit_id,
    )
    .await?;
    let rows =
        sqlx::query("SELECT * FROM ibm_agents WHERE unit_id = $1 ORDER BY role DESC, full_name")
            .bind(unit_id)
            .fetch_all(&mut *conn)
            .await?;
    let trainings = sqlx::query(
        "SELECT t.agent_id, t.training_code, t.held_on FROM ibm_agent_trainings t \
         JOIN ibm_agents a ON a.id = t.agent_id WHERE a.unit_id = $1 ORDER BY t.held_on",
    )
    .bind(unit_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let id: i64 = r.get("id");
            Agent {
                id,
                unit_id,
                full_name: r.get("full_name"),
                sex: r.get("sex"),
                role: r.get("role"),
                active: crate::db::flag(r, "active"),
                phone: r.get("phone"),
                joined_year: r.get("joined_year"),
                trainings: trainings
                    .iter()
                    .filter(|t| t.get::<i64, _>("agent_id") == id)
                    .map(|t| Training {
                        training_code: t.get("training_code"),
                        held_on: t.get("held_on"),
                    })
                    .collect(),
            }
        })
        .collect())
}

fn check(input: &AgentInput) -> DbResult<()> {
    check_text("full_name", &input.full_name, 200, true)?;
    check_text("phone", &input.phone, 50, false)?;
    check_year(input.joined_year)?;
    Sex::parse(&input.sex).ok_or_else(|| {
        DbError::unknown_value("sex", &input.sex, Sex::ALL.iter().map(|v| v.as_str()))
    })?;
    AgentRole::parse(&input.role).ok_or_else(|| {
        DbError::unknown_value(
            "role",
            &input.role,
            AgentRole::ALL.iter().map(|v| v.as_str()),
        )
    })?;
    Ok(())
}

pub async fn add(db: &Db, actor: Actor<'_>, unit_id: i64, input: &AgentInput) -> DbResult<i64> {
    let mut tx = db.begin().await?;
    let id = add_in(&mut tx, actor, unit_id, input).await?;
    tx.commit().await?;
    Ok(id)
}

/// [`add`] inside the caller's transaction (imports write many agents in one).
pub(crate) async fn add_in(
    tx: &mut AnyConnection,
    actor: Actor<'_>,
    unit_id: i64,
    input: &AgentInput,
) -> DbResult<i64> {
    check(input)?;
    let path = authorize_unit(tx, actor, Permission::WriteData, unit_id).await?;
    let now = now_rfc3339();
    let id: i64 = sqlx::query(
        "INSERT INTO ibm_agents (unit_id, full_name, sex, role, active, phone, joined_year, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(unit_id)
    .bind(input.full_name.trim())
    .bind(&input.sex)
    .bind(&input.role)
    .bind(input.active)
    .bind(input.phone.trim())
    .bind(input.joined_year)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?
    .get("id");
    audit::record(tx, actor, Change {
        action: "create",
        entity: "agen_pemulihan",
        entity_id: id.to_string(),
        office_path: Some(&path),
        before: None,
        after: Some(json!({"unit_id": unit_id, "full_name": input.full_name, "sex": input.sex, "role": input.role, "active": input.active, "joined_year": input.joined_year})),
    })
    .await?;
    Ok(id)
}

/// Replaces an agent's details (name, sex, role, phone, year joined, active) in the caller's
/// transaction.
pub(crate) async fn update_in(
    tx: &mut AnyConnection,
    actor: Actor<'_>,
    agent_id: i64,
    input: &AgentInput,
) -> DbResult<()> {
    check(input)?;
    let unit_id = unit_of_agent(tx, agent_id).await?;
    let path = authorize_unit(tx, actor, Permission::WriteData, unit_id).await?;
    sqlx::query(
        "UPDATE ibm_agents SET full_name = $1, sex = $2, role = $3, active = $4, phone = $5, \
         joined_year = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(input.full_name.trim())
    .bind(&input.sex)
    .bind(&input.role)
    .bind(input.active)
    .bind(input.phone.trim())
    .bind(input.joined_year)
    .bind(now_rfc3339())
    .bind(agent_id)
    .execute(&mut *tx)
    .await?;
    audit::record(tx, actor, Change {
        action: "update",
        entity: "agen_pemulihan",
        entity_id: agent_id.to_string(),
        office_path: Some(&path),
        before: None,
        after: Some(json!({"full_name": input.full_name, "sex": input.sex, "role": input.role, "active": input.active, "joined_year": input.joined_year})),
    })
    .await?;
    Ok(())
}

async fn unit_of_agent(conn: &mut sqlx::AnyConnection, agent_id: i64) -> DbResult<i64> {
    Ok(sqlx::query("SELECT unit_id FROM ibm_agents WHERE id = $1")
        .bind(agent_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| DbError::not_found(format!("agen {agent_id}")))?
        .get("unit_id"))
}

pub async fn set_active(db: &Db, actor: Actor<'_>, agent_id: i64, active: bool) -> DbResult<()> {
    let mut tx = db.begin().await?;
    let unit_id = unit_of_agent(&mut tx, agent_id).await?;
    let path = authorize_unit(&mut tx, actor, Permission::WriteData, unit_id).await?;
    sqlx::query("UPDATE ibm_agents SET active = $1, updated_at = $2 WHERE id = $3")
        .bind(active)
        .bind(now_rfc3339())
        .bind(agent_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "update",
            entity: "agen_pemulihan",
            entity_id: agent_id.to_string(),
            office_path: Some(&path),
            before: Some(json!({"active": !active})),
            after: Some(json!({"active": active})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records a training the agent attended; the code must be in the `training` reference list.
pub async fn add_training(
    db: &Db,
    actor: Actor<'_>,
    agent_id: i64,
    training_code: &str,
    held_on: &str,
) -> DbResult<()> {
    let mut tx = db.begin().await?;
    add_training_in(&mut tx, actor, agent_id, training_code, held_on).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn add_training_in(
    tx: &mut AnyConnection,
    actor: Actor<'_>,
    agent_id: i64,
    training_code: &str,
    held_on: &str,
) -> DbResult<()> {
    check_date("held_on", held_on)?;
    let unit_id = unit_of_agent(tx, agent_id).await?;
    let path = authorize_unit(tx, actor, Permission::WriteData, unit_id).await?;
    sqlx::query("SELECT 1 FROM ref_items WHERE list = 'training' AND code = $1")
        .bind(training_code)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| DbError::unknown_record("training_code", training_code))?;
    sqlx::query(
        "INSERT INTO ibm_agent_trainings (agent_id, training_code, held_on) VALUES ($1, $2, $3)",
    )
    .bind(agent_id)
    .bind(training_code)
    .bind(held_on.trim())
    .execute(&mut *tx)
    .await?;
    audit::record(
        tx,
        actor,
        Change {
            action: "training",
            entity: "agen_pemulihan",
            entity_id: agent_id.to_string(),
            office_path: Some(&path),
            before: None,
            after: Some(json!({"training_code": training_code, "held_on": held_on})),
        },
    )
    .await?;
    Ok(())
}
