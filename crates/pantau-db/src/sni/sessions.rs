//! Asistensi and bimbingan teknis sessions (online or in person, tiered), with topics linked to
//! requirements, findings, and follow-up actions with owner, due date and status.

use super::authorize_participant;
use crate::audit::{self, Actor, Change};
use crate::error::{DbError, DbResult};
use crate::ibm::{check_count, check_date, check_text};
use crate::{Db, now_rfc3339};
use pantau_core::access::{Permission, Principal};
use pantau_core::ibm::{ActionStatus, VisitMode};
use pantau_core::limits;
use pantau_core::sni::{SessionType, Tier};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(rename = "SessionActionInput")]
pub struct ActionInput {
    #[schemars(schema_with = "pantau_core::schema::required_text")]
    pub description: String,
    #[schemars(schema_with = "pantau_core::schema::required_text")]
    pub owner: String,
    #[schemars(schema_with = "pantau_core::schema::date")]
    pub due_date: String,
    #[serde(default)]
    pub requirement_id: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
pub struct SessionInput {
    #[schemars(schema_with = "pantau_core::sni::SessionType::schema")]
    pub session_type: String,
    #[schemars(schema_with = "pantau_core::ibm::VisitMode::schema")]
    pub mode: String,
    #[schemars(schema_with = "pantau_core::sni::Tier::schema")]
    pub tier: String,
    #[schemars(schema_with = "pantau_core::schema::date")]
    pub held_on: String,
    #[serde(default)]
    pub attendees: String,
    #[serde(default)]
    pub findings: String,
    #[serde(default)]
    pub topics: Vec<i64>,
    #[serde(default)]
    pub actions: Vec<ActionInput>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub id: i64,
    pub session_type: String,
    pub mode: String,
    pub tier: String,
    pub held_on: String,
    pub attendees: String,
    pub findings: String,
    pub created_by: String,
    pub topics: Vec<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Action {
    pub id: i64,
    pub session_id: Option<i64>,
    pub requirement_id: Option<i64>,
    pub description: String,
    pub owner: String,
    pub due_date: String,
    pub status: String,
}

/// Records a session for a participant (coaching officers: write access to the office).
pub async fn record(
    db: &Db,
    actor: Actor<'_>,
    participant_id: i64,
    input: &SessionInput,
) -> DbResult<i64> {
    SessionType::parse(&input.session_type).ok_or_else(|| {
        DbError::unknown_value(
            "session_type",
            &input.session_type,
            SessionType::ALL.iter().map(|v| v.as_str()),
        )
    })?;
    VisitMode::parse(&input.mode).ok_or_else(|| {
        DbError::unknown_value(
            "mode",
            &input.mode,
            VisitMode::ALL.iter().map(|v| v.as_str()),
        )
    })?;
    Tier::parse(&input.tier).ok_or_else(|| {
        DbError::unknown_value("tier", &input.tier, Tier::ALL.iter().map(|v| v.as_str()))
    })?;
    let held = check_date("held_on", &input.held_on)?;
    check_text("attendees", &input.attendees, 2000, false)?;
    check_text("findings", &input.findings, 5000, false)?;
    check_count("actions", input.actions.len(), limits::ACTIONS_PER_RECORD)?;
    check_count("topics", input.topics.len(), limits::TOPICS_PER_SESSION)?;
    for a in &input.actions {
        check_text("description", &a.description, 1000, true)?;
        check_text("owner", &a.owner, 200, true)?;
        if check_date("due_date", &a.due_date)? < held {
            return Err(DbError::field("err-due-before-start", "due_date"));
        }
    }
    let mut tx = db.begin().await?;
    let (path, _) =
        authorize_participant(&mut tx, actor, Permission::WriteData, participant_id).await?;
    super::authorize_staff(actor, Permission::WriteData, &path)?;
    let instrument_id: i64 = sqlx::query("SELECT c.instrument_id FROM sni_participants p JOIN sni_cohorts c ON c.id = p.cohort_id WHERE p.id = $1")
        .bind(participant_id)
        .fetch_one(&mut *tx)
        .await?
        .get("instrument_id");
    for r in input.topics.iter().chain(
        input
            .actions
            .iter()
            .filter_map(|a| a.requirement_id.as_ref()),
    ) {
        sqlx::query("SELECT 1 FROM sni_requirements WHERE id = $1 AND instrument_id = $2")
            .bind(*r)
            .bind(instrument_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| DbError::unknown_record("topics", r))?;
    }
    let id: i64 = sqlx::query(
        "INSERT INTO sni_sessions (participant_id, session_type, mode, tier, held_on, attendees, findings, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(participant_id)
    .bind(&input.session_type)
    .bind(&input.mode)
    .bind(&input.tier)
    .bind(held.to_string())
    .bind(input.attendees.trim())
    .bind(input.findings.trim())
    .bind(actor.name())
    .bind(now_rfc3339())
    .fetch_one(&mut *tx)
    .await?
    .get("id");
    let mut topics = input.topics.clone();
    topics.sort();
    topics.dedup();
    for t in &topics {
        sqlx::query("INSERT INTO sni_session_topics (session_id, requirement_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*t)
            .execute(&mut *tx)
            .await?;
    }
    for a in &input.actions {
        sqlx::query(
            "INSERT INTO sni_actions (participant_id, session_id, requirement_id, description, owner, due_date, status, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(participant_id)
        .bind(id)
        .bind(a.requirement_id)
        .bind(a.description.trim())
        .bind(a.owner.trim())
        .bind(a.due_date.trim())
        .bind(ActionStatus::Open.as_str())
        .bind(now_rfc3339())
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "create",
            entity: "sesi_sni",
            entity_id: id.to_string(),
            office_path: Some(&path),
            before: None,
            after: Some(json!(input)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn list(
    db: &Db,
    who: &Principal,
    participant_id: i64,
) -> DbResult<(Vec<Session>, Vec<Action>)> {
    let mut conn = db.pool().acquire().await?;
    authorize_participant(
        &mut conn,
        Actor::User(who),
        Permission::ReadData,
        participant_id,
    )
    .await?;
    let topics = sqlx::query("SELECT t.session_id, t.requirement_id FROM sni_session_topics t JOIN sni_sessions s ON s.id = t.session_id WHERE s.participant_id = $1")
        .bind(participant_id)
        .fetch_all(&mut *conn)
        .await?;
    let sessions = sqlx::query(
        "SELECT * FROM sni_sessions WHERE participant_id = $1 ORDER BY held_on DESC, id DESC",
    )
    .bind(participant_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        let id: i64 = r.get("id");
        Session {
            id,
            session_type: r.get("session_type"),
            mode: r.get("mode"),
            tier: r.get("tier"),
            held_on: r.get("held_on"),
            attendees: r.get("attendees"),
            findings: r.get("findings"),
            created_by: r.get("created_by"),
            topics: topics
                .iter()
                .filter(|t| t.get::<i64, _>("session_id") == id)
                .map(|t| t.get("requirement_id"))
                .collect(),
        }
    })
    .collect();
    let actions =
        sqlx::query("SELECT * FROM sni_actions WHERE participant_id = $1 ORDER BY due_date, id")
            .bind(participant_id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Action {
                id: r.get("id"),
                session_id: r.get("session_id"),
                requirement_id: r.get("requirement_id"),
                description: r.get("description"),
                owner: r.get("owner"),
                due_date: r.get("due_date"),
                status: r.get("status"),
            })
            .collect();
    Ok((sessions, actions))
}

/// Updates a follow-up action's status (the institution reports progress; officers close it).
pub async fn set_action_status(
    db: &Db,
    actor: Actor<'_>,
    action_id: i64,
    status: ActionStatus,
) -> DbResult<()> {
    let mut tx = db.begin().await?;
    let r = sqlx::query("SELECT participant_id, status FROM sni_actions WHERE id = $1")
        .bind(action_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| DbError::not_found(format!("tindak lanjut {action_id}")))?;
    let (path, _) = authorize_participant(
        &mut tx,
        actor,
        Permission::WriteData,
        r.get("participant_id"),
    )
    .await?;
    sqlx::query("UPDATE sni_actions SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(now_rfc3339())
        .bind(action_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "status",
            entity: "tindak_lanjut_sni",
            entity_id: action_id.to_string(),
            office_path: Some(&path),
            before: Some(json!({"status": r.get::<String, _>("status")})),
            after: Some(json!({"status": status.as_str()})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Open actions past their due date, for the given participants.
pub fn overdue(actions: &[Action], today: &str) -> usize {
    actions
        .iter()
        .filter(|a| a.status == ActionStatus::Open.as_str() && a.due_date.as_str() < today)
        .count()
}
