//! Exactly-once writes for clients that retry (`Idempotency-Key`): the first request with a key
//! claims it, its answer is stored with the request's hash, and a retry with the same key and
//! the same request gets the stored answer without a second write. Keys belong to one user and
//! are kept at least [`KEPT_DAYS`] days.

use crate::error::DbResult;
use crate::{Db, now_rfc3339};
use sha2::{Digest, Sha256};
use sqlx::Row;

/// How long an answered key is kept.
pub const KEPT_DAYS: i64 = 7;
/// Longest key accepted (clients send a UUID).
pub const MAX_KEY_LEN: usize = 100;
/// Longest answer stored for a retry; a longer one is answered once and its key released.
pub const MAX_STORED_BODY: usize = 1024 * 1024;

/// What a request with a key should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new: answer the request, then [`answer`] (or [`release`]) the key.
    New,
    /// The same request was answered already: give this answer again.
    Answered {
        status: u16,
        content_type: Option<String>,
        body: String,
    },
    /// The key was used for another request.
    OtherRequest,
    /// The same request is being answered right now.
    InProgress,
}

/// Whether `key` is acceptable: 1–100 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_LEN && key.bytes().all(|b| b.is_ascii_graphic())
}

/// The hash that tells one request from another: method, address and body.
pub fn request_hash(method: &str, uri: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update([0]);
    h.update(uri.as_bytes());
    h.update([0]);
    h.update(body);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Claims `key` for `user_id`'s request hashed `hash`, or says what was done with it before.
pub async fn claim(db: &Db, user_id: i64, key: &str, hash: &str) -> DbResult<Claim> {
    let now = chrono::Utc::now();
    // Keys past their time go first, so that one may be used again after a week.
    let cutoff = (now - chrono::Duration::days(KEPT_DAYS))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND created_at < $3")
        .bind(user_id)
        .bind(key)
        .bind(&cutoff)
        .execute(db.pool())
        .await?;
    let claimed = sqlx::query(
        "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, key) DO NOTHING",
    )
    .bind(user_id)
    .bind(key)
    .bind(hash)
    .bind(now_rfc3339())
    .execute(db.pool())
    .await?
    .rows_affected()
        == 1;
    if claimed {
        return Ok(Claim::New);
    }
    let Some(r) = sqlx::query(
        "SELECT request_hash, CAST(status AS BIGINT) AS status, content_type, body FROM idempotency_keys \
         WHERE user_id = $1 AND key = $2",
    )
    .bind(user_id)
    .bind(key)
    .fetch_optional(db.pool())
    .await?
    else {
        // Released between the two statements: the caller may try again.
        return Ok(Claim::InProgress);
    };
    if r.get::<String, _>("request_hash") != hash {
        return Ok(Claim::OtherRequest);
    }
    Ok(match r.get::<Option<i64>, _>("status") {
        Some(status) => Claim::Answered {
            status: status as u16,
            content_type: r.get("content_type"),
            body: r.get::<Option<String>, _>("body").unwrap_or_default(),
        },
        None => Claim::InProgress,
    })
}

/// Stores the answer given to a claimed key.
pub async fn answer(
    db: &Db,
    user_id: i64,
    key: &str,
    status: u16,
    content_type: Option<&str>,
    body: &str,
) -> DbResult<()> {
    sqlx::query(
        "UPDATE idempotency_keys SET status = $1, content_type = $2, body = $3 WHERE user_id = $4 AND key = $5",
    )
    .bind(status as i64)
    .bind(content_type)
    .bind(body)
    .bind(user_id)
    .bind(key)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Gives a claimed key up (the request failed on the server's side): a retry runs again.
pub async fn release(db: &Db, user_id: i64, key: &str) -> DbResult<()> {
    sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2")
        .bind(user_id)
        .bind(key)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Forgets every key older than [`KEPT_DAYS`] (the maintenance run calls it).
pub async fn forget_old(db: &Db) -> DbResult<u64> {
    let cutoff = (chrono::Utc::now() - chrono::Duration::days(KEPT_DAYS))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Ok(
        sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(cutoff)
            .execute(db.pool())
            .await?
            .rows_affected(),
    )
}
