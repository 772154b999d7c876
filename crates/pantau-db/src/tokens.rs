//! API tokens for machine clients: a token acts with its user's grants, nothing more. Only the
//! SHA-256 of a token is stored; the token itself is shown once, when it is made.

use crate::audit::{self, Change};
use crate::clock::rfc3339_in;
use crate::error::{DbError, DbResult};
use crate::sessions::{digest, random_token};
use crate::{Actor, Db, now_rfc3339};
use serde::Serialize;
use sqlx::Row;

/// Tokens start with this, so a leaked one is easy to recognise (and to search for).
pub const PREFIX: &str = "pt_";
/// Longest lifetime the `auth.token_max_days` setting may allow.
pub const MAX_DAYS: i64 = 366;
/// The setting's default.
pub const DEFAULT_MAX_DAYS: i64 = 90;

/// Longest lifetime a new token may be given (the `auth.token_max_days` setting).
pub async fn max_days(db: &Db) -> DbResult<i64> {
    Ok(crate::reference::setting(db, "auth.token_max_days")
        .await?
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|d| (1..=MAX_DAYS).contains(d))
        .unwrap_or(DEFAULT_MAX_DAYS))
}

/// Whether `actor` may see and revoke `user_id`'s tokens: the user itself, or whoever manages it.
async fn authorize_owner(db: &Db, actor: Actor<'_>, user_id: i64) -> DbResult<()> {
    if matches!(actor, Actor::User(p) if p.user_id == user_id) {
        return Ok(());
    }
    let mut conn = db.pool().acquire().await?;
    crate::users::authorize_manage(&mut conn, actor, user_id).await
}
const TOUCH_INTERVAL_SECS: i64 = 60;

#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked: bool,
}

/// Makes a token for `user_id` valid for `days`; returns the token text (shown once). People
/// make tokens for themselves and confirm with their password (a session alone does not mint a
/// credential that outlives it); the operator's CLI (a system actor) makes them for anyone.
pub async fn create(
    db: &Db,
    actor: Actor<'_>,
    user_id: i64,
    name: &str,
    days: i64,
    password: &str,
) -> DbResult<(String, ApiToken)> {
    if let Actor::User(p) = actor {
        if p.user_id != user_id {
            return Err(DbError::field("err-token-own", "user_id"));
        }
        if crate::users::authenticate(db, &p.username, password)
            .await?
            .is_none()
        {
            return Err(DbError::field("err-password-wrong", "password"));
        }
    }
    let name = name.trim();
    crate::ibm::check_text("name", name, 100, true)?;
    let max = max_days(db).await?;
    if !(1..=max).contains(&days) {
        return Err(DbError::out_of_range("days", 1, max));
    }
    let token = format!("{PREFIX}{}", random_token());
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(digest(&token))
    .bind(now_rfc3339())
    .bind(rfc3339_in(days * 86_400))
    .fetch_one(&mut *tx)
    .await?
    .get("id");
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "create",
            entity: "token_api",
            entity_id: id.to_string(),
            office_path: None,
            before: None,
            after: Some(serde_json::json!({"user_id": user_id, "name": name, "days": days})),
        },
    )
    .await?;
    tx.commit().await?;
    let t = list(db, user_id)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| DbError::not_found("token"))?;
    Ok((token, t))
}

/// A user's tokens, for the user or whoever manages it.
pub async fn list_for(db: &Db, actor: Actor<'_>, user_id: i64) -> DbResult<Vec<ApiToken>> {
    authorize_owner(db, actor, user_id).await?;
    list(db, user_id).await
}

pub(crate) async fn list(db: &Db, user_id: i64) -> DbResult<Vec<ApiToken>> {
    Ok(sqlx::query(
        "SELECT id, name, created_at, expires_at, last_used_at, revoked_at FROM api_tokens \
         WHERE user_id = $1 ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| ApiToken {
        id: r.get("id"),
        name: r.get("name"),
        created_at: r.get("created_at"),
        expires_at: r.get("expires_at"),
        last_used_at: r.get("last_used_at"),
        revoked: r.get::<Option<String>, _>("revoked_at").is_some(),
    })
    .collect())
}

/// Revokes one of the user's tokens (the user, or whoever manages it); it stops working at once.
pub async fn revoke(db: &Db, actor: Actor<'_>, user_id: i64, id: i64) -> DbResult<()> {
    authorize_owner(db, actor, user_id).await?;
    let mut tx = db.begin().await?;
    let n = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
    )
    .bind(now_rfc3339())
    .bind(id)
    .bind(user_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(DbError::not_found(format!("token {id}")));
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "revoke",
            entity: "token_api",
            entity_id: id.to_string(),
            office_path: None,
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The user a live token belongs to, if any (unknown, revoked, expired or a disabled user: none).
pub async fn lookup(db: &Db, token: &str) -> DbResult<Option<i64>> {
    let Some(hexpart) = token.strip_prefix(PREFIX) else {
        return Ok(None);
    };
    if !crate::sessions::is_token_text(hexpart) {
        return Ok(None);
    }
    let hash = digest(token);
    let Some(row) = sqlx::query(
        "SELECT t.id, t.user_id, t.expires_at, t.last_used_at, t.revoked_at, u.active FROM api_tokens t \
         JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(db.pool())
    .await?
    else {
        return Ok(None);
    };
    let now = now_rfc3339();
    let expired = row
        .get::<Option<String>, _>("expires_at")
        .is_some_and(|e| e <= now);
    if expired
        || row.get::<Option<String>, _>("revoked_at").is_some()
        || !crate::db::flag(&row, "active")
    {
        return Ok(None);
    }
    let stale = row
        .get::<Option<String>, _>("last_used_at")
        .is_none_or(|t| t <= rfc3339_in(-TOUCH_INTERVAL_SECS));
    if stale {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(&now)
            .bind(row.get::<i64, _>("id"))
            .execute(db.pool())
            .await?;
    }
    Ok(Some(row.get("user_id")))
}
