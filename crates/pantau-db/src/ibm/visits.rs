//! Monitoring visits (daring/luring) with findings, recommendations and follow-up actions.
//! Every open action must be checked at the next visit: done, dropped, or carried on.

use super::photos::{self, Owner, Photo, PhotoUpload};
use super::{authorize_unit, check_count, check_date, check_text};
use crate::audit::{self, Actor, Change};
use crate::error::{DbError, DbResult};
use crate::files::{self, FileStore};
use crate::{Db, now_rfc3339};
use pantau_core::access::{Permission, Principal};
use pantau_core::ibm::{ActionStatus, VisitMode};
use pantau_core::limits;
use pantau_core::message::Message;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::FromRow;
use sqlx::Row;
use std::collections::HashSet;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Action {
    pub id: i64,
    pub visit_id: i64,
    pub description: String,
    pub owner: String,
    pub due_date: String,
    pub status: String,
    pub closed_visit_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Review {
    pub action_id: i64,
    pub description: String,
    pub status: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Visit {
    pub id: i64,
    pub unit_id: i64,
    pub visit_date: String,
    pub mode: String,
    pub officer: String,
    pub findings: String,
    pub recommendations: String,
    pub actions: Vec<Action>,
    pub reviews: Vec<Review>,
    pub photos: Vec<Photo>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "VisitActionInput")]
pub struct ActionInput {
    #[schemars(schema_with = "pantau_core::schema::required_text")]
    pub description: String,
    #[schemars(schema_with = "pantau_core::schema::required_text")]
    pub owner: String,
    #[schemars(schema_with = "pantau_core::schema::date")]
    pub due_date: String,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
pub struct ReviewInput {
    pub action_id: i64,
    #[schemars(schema_with = "pantau_core::ibm::ActionStatus::schema")]
    pub status: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
pub struct VisitInput {
    #[schemars(schema_with = "pantau_core::schema::date")]
    pub visit_date: String,
    #[schemars(schema_with = "pantau_core::ibm::VisitMode::schema")]
    pub mode: String,
    #[serde(default)]
    pub findings: String,
    #[serde(default)]
    pub recommendations: String,
    #[serde(default)]
    pub actions: Vec<ActionInput>,
    #[serde(default)]
    pub reviews: Vec<ReviewInput>,
}

pub async fn open_actions(db: &Db, who: &Principal, unit_id: i64) -> DbResult<Vec<Action>> {
    let mut conn = db.pool().acquire().await?;
    authorize_unit(&mut conn, Actor::User(who), Permission::ReadData, unit_id).await?;
    let rows = sqlx::query(
        "SELECT * FROM ibm_visit_actions WHERE unit_id = $1 AND status = $2 ORDER BY due_date, id",
    )
    .bind(unit_id)
    .bind(ActionStatus::Open.as_str())
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(Action::from_row)
        .collect::<Result<_, _>>()?)
}

/// Records a visit: its new actions, and a review of every action open before it.
pub async fn record(db: &Db, actor: Actor<'_>, unit_id: i64, input: &VisitInput) -> DbResult<i64> {
    record_in(db, None, actor, unit_id, input).await
}

/// Records a visit with photos taken on it (see [`record`]).
pub async fn record_with_photos(
    db: &Db,
    store: &FileStore,
    actor: Actor<'_>,
    unit_id: i64,
    input: &VisitInput,
    uploads: &[PhotoUpload],
) -> DbResult<i64> {
    record_in(db, Some((store, uploads)), actor, unit_id, input).await
}

async fn record_in(
    db: &Db,
    photos: Option<(&FileStore, &[PhotoUpload])>,
    actor: Actor<'_>,
    unit_id: i64,
    input: &VisitInput,
) -> DbResult<i64> {
    if let Some((_, uploads)) = photos {
        photos::check(uploads)?;
    }
    let date = check_date("visit_date", &input.visit_date)?;
    let mode = VisitMode::parse(&input.mode).ok_or_else(|| {
        DbError::unknown_value(
            "mode",
            &input.mode,
            VisitMode::ALL.iter().map(|v| v.as_str()),
        )
    })?;
    check_text("findings", &input.findings, 5000, false)?;
    check_text("recommendations", &input.recommendations, 5000, false)?;
    check_count("actions", input.actions.len(), limits::ACTIONS_PER_RECORD)?;
    check_count("reviews", input.reviews.len(), limits::REVIEWS_PER_VISIT)?;
    for a in &input.actions {
        check_text("description", &a.description, 1000, true)?;
        check_text("owner", &a.owner, 200, true)?;
        let due = check_date("due_date", &a.due_date)?;
        if due < date {
            return Err(DbError::field("err-due-before-start", "due_date"));
        }
    }
    let mut tx = db.begin().await?;
    let path = authorize_unit(&mut tx, actor, Permission::WriteData, unit_id).await?;
    let open: Vec<Action> =
        sqlx::query("SELECT * FROM ibm_visit_actions WHERE unit_id = $1 AND status = $2")
            .bind(unit_id)
            .bind(ActionStatus::Open.as_str())
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(Action::from_row)
            .collect::<Result<_, _>>()?;
    let open_ids: HashSet<i64> = open.iter().map(|a| a.id).collect();
    let reviewed: HashSet<i64> = input.reviews.iter().map(|r| r.action_id).collect();
    if let Some(stray) = reviewed.difference(&open_ids).next() {
        return Err(DbError::Missing(
            Message::new("err-action-not-open")
                .with("field", "action_id")
                .with("value", stray),
        ));
    }
    if reviewed != open_ids {
        return Err(DbError::State(
            Message::new("err-reviews-needed")
                .with("field", "reviews")
                .with("count", open_ids.difference(&reviewed).count()),
        ));
    }
    let mut written = Vec::new();
    let saved = write_visit(
        &mut tx,
        photos,
        actor,
        unit_id,
        input,
        &path,
        date,
        mode,
        &mut written,
    )
    .await;
    let saved = match saved {
        Ok(id) => tx.commit().await.map(|_| id),
        Err(e) => Err(e),
    };
    if saved.is_err() {
        files::remove_all(&written).await;
    }
    saved
}

#[allow(clippy::too_many_arguments)]
async fn write_visit(
    tx: &mut sqlx::AnyConnection,
    photos: Option<(&FileStore, &[PhotoUpload])>,
    actor: Actor<'_>,
    unit_id: i64,
    input: &VisitInput,
    path: &pantau_core::org::OfficePath,
    date: chrono::NaiveDate,
    mode: VisitMode,
    written: &mut Vec<std::path::PathBuf>,
) -> DbResult<i64> {
    let officer = actor.name();
    let now = now_rfc3339();
    let visit_id: i64 = sqlx::query(
        "INSERT INTO ibm_visits (unit_id, visit_date, mode, officer, findings, recommendations, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(unit_id)
    .bind(date.to_string())
    .bind(mode.as_str())
    .bind(&officer)
    .bind(input.findings.trim())
    .bind(input.recommendations.trim())
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?
    .get("id");
    for r in &input.reviews {
        let status = ActionStatus::parse(&r.status).ok_or_else(|| {
            DbError::unknown_value(
                "status",
                &r.status,
                ActionStatus::ALL.iter().map(|v| v.as_str()),
            )
        })?;
        check_text("note", &r.note, 1000, false)?;
        sqlx::query("INSERT INTO ibm_action_reviews (action_id, visit_id, status, note) VALUES ($1, $2, $3, $4)")
            .bind(r.action_id)
            .bind(visit_id)
            .bind(status.as_str())
            .bind(r.note.trim())
            .execute(&mut *tx)
            .await?;
        let closed = (status != ActionStatus::Open).then_some(visit_id);
        sqlx::query("UPDATE ibm_visit_actions SET status = $1, closed_visit_id = $2, updated_at = $3 WHERE id = $4")
            .bind(status.as_str())
            .bind(closed)
            .bind(&now)
            .bind(r.action_id)
            .execute(&mut *tx)
            .await?;
    }
    for a in &input.actions {
        sqlx::query(
            "INSERT INTO ibm_visit_actions (unit_id, visit_id, description, owner, due_date, status, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(unit_id)
        .bind(visit_id)
        .bind(a.description.trim())
        .bind(a.owner.trim())
        .bind(a.due_date.trim())
        .bind(ActionStatus::Open.as_str())
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    }
    let mut photo_count = 0;
    if let Some((store, uploads)) = photos {
        photos::attach(
            tx,
            store,
            actor,
            unit_id,
            Owner::Visit(visit_id),
            uploads,
            written,
        )
        .await?;
        photo_count = uploads.len();
    }
    audit::record(tx, actor, Change {
        action: "create",
        entity: "kunjungan_ibm",
        entity_id: visit_id.to_string(),
        office_path: Some(path),
        before: None,
        after: Some(json!({"unit_id": unit_id, "visit_date": date.to_string(), "mode": mode.as_str(),
            "new_actions": input.actions.len(), "photos": photo_count,
            "reviews": input.reviews.iter().map(|r| json!({"action_id": r.action_id, "status": r.status})).collect::<Vec<_>>()})),
    })
    .await?;
    Ok(visit_id)
}

/// Visits of a unit, newest first, with the actions each raised and the reviews it made.
pub async fn list(db: &Db, who: &Principal, unit_id: i64) -> DbResult<Vec<Visit>> {
    let mut conn = db.pool().acquire().await?;
    authorize_unit(&mut conn, Actor::User(who), Permission::ReadData, unit_id).await?;
    let visits = sqlx::query(
        "SELECT * FROM ibm_visits WHERE unit_id = $1 ORDER BY visit_date DESC, id DESC",
    )
    .bind(unit_id)
    .fetch_all(&mut *conn)
    .await?;
    let actions: Vec<Action> =
        sqlx::query("SELECT * FROM ibm_visit_actions WHERE unit_id = $1 ORDER BY id")
            .bind(unit_id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(Action::from_row)
            .collect::<Result<_, _>>()?;
    let reviews = sqlx::query(
        "SELECT r.visit_id, r.action_id, r.status, r.note, a.description FROM ibm_action_reviews r \
         JOIN ibm_visit_actions a ON a.id = r.action_id WHERE a.unit_id = $1 ORDER BY r.id",
    )
    .bind(unit_id)
    .fetch_all(&mut *conn)
    .await?;
    let photos = photos::of_unit(&mut conn, unit_id).await?;
    Ok(visits
        .iter()
        .map(|v| {
            let id: i64 = v.get("id");
            Visit {
                id,
                unit_id,
                visit_date: v.get("visit_date"),
                mode: v.get("mode"),
                officer: v.get("officer"),
                findings: v.get("findings"),
                recommendations: v.get("recommendations"),
                actions: actions
                    .iter()
                    .filter(|a| a.visit_id == id)
                    .cloned()
                    .collect(),
                reviews: reviews
                    .iter()
                    .filter(|r| r.get::<i64, _>("visit_id") == id)
                    .map(|r| Review {
                        action_id: r.get("action_id"),
                        description: r.get("description"),
                        status: r.get("status"),
                        note: r.get("note"),
                    })
                    .collect(),
                photos: photos
                    .iter()
                    .filter(|p| p.visit_id == Some(id))
                    .cloned()
                    .collect(),
            }
        })
        .collect())
}
