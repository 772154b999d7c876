//! The sign-in throttle, in the database so that every server instance counts the same attempts.
//!
//! An attempt is counted as a failure *before* its password is checked, in one transaction over
//! all its keys, so that fifty attempts sent at once are fifty counts, not fifty checks: the
//! ones past a key's limit are refused unchecked. A correct password then takes its count back.
//! Keys back off on their own (see [`pantau_core::user::lockout_secs`]): a username at one client
//! address, the address (many usernames tried from it), and the username from anywhere (with a
//! far higher limit, against guesses spread over many addresses).

use crate::error::DbResult;
use crate::{Db, now_rfc3339};
use chrono::{SecondsFormat, Utc};
use pantau_core::user::lockout_secs;
use sqlx::Row;

/// Limits of the throttle.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Failures of one username at one address before it backs off.
    pub max_failures: u64,
    /// Longest lockout, in seconds.
    pub cap_secs: u64,
    /// A key's failures are forgotten after this many seconds without one.
    pub forget_secs: u64,
}

impl Default for Rule {
    fn default() -> Self {
        Rule {
            max_failures: 5,
            cap_secs: 15 * 60,
            forget_secs: 60 * 60,
        }
    }
}

/// One sign-in attempt's keys and their limits, in the order they are taken.
fn keys(rule: &Rule, username: &str, address: &str) -> [(String, u64); 3] {
    let user = username.trim().to_lowercase();
    [
        (format!("ua:{user}@{address}"), rule.max_failures),
        (format!("ip:{address}"), rule.max_failures * 4),
        (format!("u:{user}"), rule.max_failures * 10),
    ]
}

fn at(seconds_from_now: i64) -> String {
    (Utc::now() + chrono::Duration::seconds(seconds_from_now))
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Counts an attempt as failed, unless a key is locked: `Err(seconds)` to wait then, and nothing
/// counted. Call [`succeeded`] when the password turns out right.
pub async fn attempt(
    db: &Db,
    rule: &Rule,
    username: &str,
    address: &str,
) -> DbResult<Result<(), u64>> {
    let now = now_rfc3339();
    let forget_before = at(-(rule.forget_secs as i64));
    let mut tx = db.begin().await?;
    for (key, max) in keys(rule, username, address) {
        sqlx::query(
            "INSERT INTO login_attempts (key, failures, last_failure_at) VALUES ($1, 0, $2) \
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(&key)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        // One statement reads and counts: on PostgreSQL it holds the row until commit, so
        // attempts at once queue here; on SQLite the transaction already holds the write lock.
        let counted = sqlx::query(
            "UPDATE login_attempts SET \
             failures = CASE WHEN last_failure_at < $2 THEN 1 ELSE failures + 1 END, \
             last_failure_at = $3 \
             WHERE key = $1 AND (locked_until IS NULL OR locked_until <= $3) RETURNING failures",
        )
        .bind(&key)
        .bind(&forget_before)
        .bind(&now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = counted else {
            let until: Option<String> =
                sqlx::query("SELECT locked_until FROM login_attempts WHERE key = $1")
                    .bind(&key)
                    .fetch_one(&mut *tx)
                    .await?
                    .get("locked_until");
            tx.rollback().await?;
            let wait = until
                .and_then(|u| chrono::DateTime::parse_from_rfc3339(&u).ok())
                .map(|u| (u.with_timezone(&Utc) - Utc::now()).num_seconds().max(1) as u64)
                .unwrap_or(1);
            return Ok(Err(wait));
        };
        let failures: i64 = row.get("failures");
        if let Some(secs) = lockout_secs(failures.max(0) as u64, max, rule.cap_secs) {
            sqlx::query("UPDATE login_attempts SET locked_until = $1 WHERE key = $2")
                .bind(at(secs as i64))
                .bind(&key)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(Ok(()))
}

/// Takes back the count of an attempt whose password was right: the username at this address
/// starts afresh; the address and the username from anywhere lose this one count.
pub async fn succeeded(db: &Db, rule: &Rule, username: &str, address: &str) -> DbResult<()> {
    let [(pair, _), (addr, _), (user, _)] = keys(rule, username, address);
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM login_attempts WHERE key = $1")
        .bind(&pair)
        .execute(&mut *tx)
        .await?;
    for key in [addr, user] {
        sqlx::query(
            "UPDATE login_attempts SET failures = failures - 1 WHERE key = $1 AND failures > 0",
        )
        .bind(&key)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Removes keys with no failure for the forget period and no lock left.
pub async fn purge(db: &Db, rule: &Rule) -> DbResult<u64> {
    let now = now_rfc3339();
    Ok(sqlx::query(
        "DELETE FROM login_attempts WHERE last_failure_at < $1 AND (locked_until IS NULL OR locked_until < $2)",
    )
    .bind(at(-(rule.forget_secs as i64)))
    .bind(now)
    .execute(db.pool())
    .await?
    .rows_affected())
}
