//! Server-side sessions. The browser holds a random token; the database keeps only its SHA-256,
//! so a copy of the database does not let anyone sign in. Each session carries its CSRF token.

use crate::clock::rfc3339_in;
use crate::error::DbResult;
use crate::{Db, now_rfc3339};
use sha2::{Digest, Sha256};
use sqlx::Row;

/// A session ends this long after sign-in, whatever the activity.
pub const ABSOLUTE_LIFETIME_SECS: i64 = 12 * 3600;
/// A session ends after this long without a request.
pub const IDLE_LIFETIME_SECS: i64 = 2 * 3600;
/// `last_seen_at` is refreshed at most this often, to keep reads from turning into writes.
const TOUCH_INTERVAL_SECS: i64 = 60;

#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: i64,
    pub csrf_token: String,
}

/// 32 random bytes as hex.
pub fn random_token() -> String {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).expect("the operating system's random source failed");
    hex(&buf)
}

/// Whether `s` has the shape [`random_token`] gives (64 hex digits): checked before any lookup,
/// so malformed input never reaches a query or a file name.
pub fn is_token_text(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Starts a session; returns the token for the cookie and the session.
pub async fn create(
    db: &Db,
    user_id: i64,
    ip: &str,
    user_agent: &str,
) -> DbResult<(String, Session)> {
    let token = random_token();
    let csrf = random_token();
    let now = now_rfc3339();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at, ip, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $4, $6, $7)",
    )
    .bind(digest(&token))
    .bind(user_id)
    .bind(&csrf)
    .bind(&now)
    .bind(rfc3339_in(ABSOLUTE_LIFETIME_SECS))
    .bind(ip.chars().take(64).collect::<String>())
    .bind(user_agent.chars().take(300).collect::<String>())
    .execute(db.pool())
    .await?;
    Ok((
        token,
        Session {
            user_id,
            csrf_token: csrf,
        },
    ))
}

/// The live session for `token`, if any; expired ones are deleted on sight.
pub async fn lookup(db: &Db, token: &str) -> DbResult<Option<Session>> {
    if !is_token_text(token) {
        return Ok(None);
    }
    let hash = digest(token);
    let Some(row) = sqlx::query(
        "SELECT s.user_id, s.csrf_token, s.expires_at, s.last_seen_at, u.active FROM sessions s \
         JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(db.pool())
    .await?
    else {
        return Ok(None);
    };
    let now = now_rfc3339();
    let expires_at: String = row.get("expires_at");
    let last_seen: String = row.get("last_seen_at");
    let active = crate::db::flag(&row, "active");
    if expires_at <= now || last_seen <= rfc3339_in(-IDLE_LIFETIME_SECS) || !active {
        delete_hash(db, &hash).await?;
        return Ok(None);
    }
    if last_seen <= rfc3339_in(-TOUCH_INTERVAL_SECS) {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(&now)
            .bind(&hash)
            .execute(db.pool())
            .await?;
    }
    Ok(Some(Session {
        user_id: row.get("user_id"),
        csrf_token: row.get("csrf_token"),
    }))
}

pub async fn delete(db: &Db, token: &str) -> DbResult<()> {
    delete_hash(db, &digest(token)).await
}

async fn delete_hash(db: &Db, hash: &str) -> DbResult<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(hash)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Removes every expired session; run periodically by the server.
pub async fn purge_expired(db: &Db) -> DbResult<u64> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
            .bind(now_rfc3339())
            .bind(rfc3339_in(-IDLE_LIFETIME_SECS))
            .execute(db.pool())
            .await?
            .rows_affected(),
    )
}

/// Moves a session's clock back, so tests can prove expiry without waiting.
#[doc(hidden)]
pub async fn age_for_test(db: &Db, token: &str, seconds: i64) -> DbResult<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1, created_at = $1 WHERE token_hash = $2")
        .bind(rfc3339_in(-seconds))
        .bind(digest(token))
        .execute(db.pool())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_of_64_chars() {
        let a = random_token();
        let b = random_token();
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert_ne!(digest(&a), a);
    }
}
