//! Follow-ups of a visit's actions between visits: the unit's reporter (or its officer) says an
//! action is done, or how it stands, with a note and photos. The action stays open until the
//! officer checks it at the next visit, which then sees what was sent.

use super::photos::{self, Owner, Photo, PhotoInput, PhotoUpload};
use super::{authorize_unit, check_text};
use crate::audit::{self, Actor, Change};
use crate::error::{DbError, DbResult};
use crate::files::{self, FileStore};
use crate::{Db, now_rfc3339};
use pantau_core::access::{Permission, Principal};
use pantau_core::ibm::ActionStatus;
use pantau_core::message::Message;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
pub struct FollowUpInput {
    /// The action is done, as far as the sender can tell.
    #[serde(default)]
    pub done: bool,
    #[serde(default)]
    #[schemars(length(max = 1000))]
    pub note: String,
    #[serde(default)]
    #[schemars(length(max = 3))]
    pub photos: Vec<PhotoInput>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FollowUp {
    pub id: i64,
    pub action_id: i64,
    pub done: bool,
    pub note: String,
    pub reported_by: String,
    pub reported_at: String,
    pub photos: Vec<Photo>,
}

/// Records a follow-up of the open action `action_id` of the unit.
pub async fn record(
    db: &Db,
    store: &FileStore,
    actor: Actor<'_>,
    unit_id: i64,
    action_id: i64,
    done: bool,
    note: &str,
    uploads: &[PhotoUpload],
) -> DbResult<i64> {
    check_text("note", note, 1000, false)?;
    if !done && note.trim().is_empty() && uploads.is_empty() {
        return Err(DbError::field("err-follow-up-empty", "note"));
    }
    photos::check(uploads)?;
    let mut tx = db.begin().await?;
    let path = authorize_unit(&mut tx, actor, Permission::SubmitReports, unit_id).await?;
    let status: String =
        sqlx::query("SELECT status FROM ibm_visit_actions WHERE id = $1 AND unit_id = $2")
            .bind(action_id)
            .bind(unit_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| DbError::not_found(format!("tindak lanjut {action_id}")))?
            .get("status");
    if status != ActionStatus::Open.as_str() {
        return Err(DbError::State(
            Message::new("err-action-not-open")
                .with("field", "action_id")
                .with("value", action_id),
        ));
    }
    let mut written = Vec::new();
    let saved = async {
        let id: i64 = sqlx::query(
            "INSERT INTO ibm_action_follow_ups (action_id, unit_id, done, note, reported_by, reported_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(action_id)
        .bind(unit_id)
        .bind(done)
        .bind(note.trim())
        .bind(actor.name())
        .bind(now_rfc3339())
        .fetch_one(&mut *tx)
        .await?
        .get("id");
        photos::attach(&mut tx, store, actor, unit_id, Owner::FollowUp(id), uploads, &mut written)
            .await?;
        audit::record(&mut tx, actor, Change {
            action: "create",
            entity: "tindak_lanjut_ibm",
            entity_id: id.to_string(),
            office_path: Some(&path),
            before: None,
            after: Some(json!({"unit_id": unit_id, "action_id": action_id, "done": done,
                "note": note.trim(), "photos": uploads.len()})),
        })
        .await?;
        tx.commit().await?;
        DbResult::Ok(id)
    }
    .await;
    if saved.is_err() {
        files::remove_all(&written).await;
    }
    saved
}

/// The follow-ups of the unit's actions, newest first, with their photos.
pub async fn of_unit(db: &Db, who: &Principal, unit_id: i64) -> DbResult<Vec<FollowUp>> {
    let mut conn = db.pool().acquire().await?;
    authorize_unit(&mut conn, Actor::User(who), Permission::ReadData, unit_id).await?;
    let rows = sqlx::query(
        "SELECT id, action_id, done, note, reported_by, reported_at FROM ibm_action_follow_ups \
         WHERE unit_id = $1 ORDER BY id DESC",
    )
    .bind(unit_id)
    .fetch_all(&mut *conn)
    .await?;
    let photos = photos::of_unit(&mut conn, unit_id).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let id: i64 = r.get("id");
            FollowUp {
                id,
                action_id: r.get("action_id"),
                done: crate::db::flag(r, "done"),
                note: r.get("note"),
                reported_by: r.get("reported_by"),
                reported_at: r.get("reported_at"),
                photos: photos
                    .iter()
                    .filter(|p| p.follow_up_id == Some(id))
                    .cloned()
                    .collect(),
            }
        })
        .collect())
}
