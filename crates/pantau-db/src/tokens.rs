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
/// Longest lifetime a token may be given.
pub const MAX_DAYS: i64 = 366;
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

/// Makes a token for `user_id` valid for `days`; returns the token text (shown once).
pub async fn create(
    db: &Db,
    actor: Actor<'_>,
    user_id: i64,
    name: &str,
    days: i64,
) -> DbResult<(String, ApiToken)> {
    // People make tokens for themselves; the operator's CLI (a system actor) for anyone.
    if let Actor::User(p) = actor {
        if p.user_id != user_id {
            return Err(DbError::invalid("token hanya untuk akun sendiri"));
        }
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(DbError::invalid(
            "nama token wajib diisi, paling panjang 100 karakter",
        ));
    }
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(DbError::invalid(format!("masa berlaku 1–{MAX_DAYS} hari")));
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

pub async fn list(db: &Db, user_id: i64) -> DbResult<Vec<ApiToken>> {
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

/// Revokes one of the user's tokens; it stops working at once.
pub async fn revoke(db: &Db, actor: Actor<'_>, user_id: i64, id: i64) -> DbResult<()> {
    if let Actor::User(p) = actor {
        if p.user_id != user_id {
            return Err(DbError::invalid("token hanya untuk akun sendiri"));
        }
    }
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
