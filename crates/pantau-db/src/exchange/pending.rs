//! Uploaded files waiting between their preview and their saving. The token is given to the
//! uploader only (only its hash is stored), and only the same user can save or drop the file.

use crate::error::{DbError, DbResult};
use crate::sessions::{digest, random_token};
use crate::{Db, now_rfc3339};
use sqlx::Row;

/// A file kept for saving.
pub struct Pending {
    pub kind: String,
    pub year: i64,
    pub file: Vec<u8>,
}

/// Keeps `file` for `user_id`; returns the token that names it.
pub async fn keep(db: &Db, user_id: i64, kind: &str, year: i64, file: &[u8]) -> DbResult<String> {
    purge(db).await?;
    let token = random_token();
    sqlx::query(
        "INSERT INTO pending_imports (token_hash, user_id, kind, year, file, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(digest(&token))
    .bind(user_id)
    .bind(kind)
    .bind(year)
    .bind(file.to_vec())
    .bind(now_rfc3339())
    .execute(db.pool())
    .await?;
    Ok(token)
}

/// The file `token` names, if it is `user_id`'s.
pub async fn get(db: &Db, user_id: i64, token: &str) -> DbResult<Pending> {
    let row = sqlx::query(
        "SELECT kind, year, file FROM pending_imports WHERE token_hash = $1 AND user_id = $2",
    )
    .bind(digest(token))
    .bind(user_id)
    .fetch_optional(db.pool())
    .await?
    .ok_or_else(|| DbError::not_found("berkas impor"))?;
    Ok(Pending {
        kind: row.get("kind"),
        year: row.get("year"),
        file: row.get("file"),
    })
}

/// Drops the file once saved.
pub async fn forget(db: &Db, user_id: i64, token: &str) -> DbResult<()> {
    sqlx::query("DELETE FROM pending_imports WHERE token_hash = $1 AND user_id = $2")
        .bind(digest(token))
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Files older than a day are not saved any more.
async fn purge(db: &Db) -> DbResult<()> {
    sqlx::query("DELETE FROM pending_imports WHERE created_at < $1")
        .bind(crate::clock::rfc3339_in(-86_400))
        .execute(db.pool())
        .await?;
    Ok(())
}
