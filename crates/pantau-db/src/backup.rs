//! Online, consistent backups and their restore.
//!
//! SQLite: `VACUUM INTO` writes a compact copy from one read transaction while the server keeps
//! serving; the copy is checked with `PRAGMA integrity_check` before it counts as a backup.
//! Restoring checks the copy the same way, then swaps it in with a rename (the server must be
//! stopped). PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean`, when installed.

use crate::error::{DbError, DbResult};
use crate::{Backend, Db};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct BackupInfo {
    pub path: PathBuf,
    pub bytes: u64,
    pub migrations: i64,
}

/// The file behind a SQLite URL or path.
pub fn sqlite_path(url: &str) -> PathBuf {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    PathBuf::from(path.split('?').next().unwrap_or(path))
}

async fn check_sqlite_file(path: &Path) -> DbResult<i64> {
    if !path.is_file() {
        return Err(DbError::invalid(format!("{} bukan berkas", path.display())));
    }
    use sqlx::Connection;
    // One plain read-only connection: the pool's set-up (WAL mode) would write to the file.
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=ro", path.display());
    let mut conn = sqlx::AnyConnection::connect(&url)
        .await
        .map_err(|e| DbError::invalid(format!("bukan basis data SQLite: {e}")))?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| DbError::invalid(format!("bukan basis data SQLite Pantau: {e}")))?;
    let migrations: Result<i64, _> =
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM schema_migrations")
            .fetch_one(&mut conn)
            .await;
    let _ = conn.close().await;
    if check != "ok" {
        return Err(DbError::invalid(format!(
            "pemeriksaan integritas gagal: {check}"
        )));
    }
    migrations.map_err(|_| DbError::invalid("bukan basis data Pantau (tanpa schema_migrations)"))
}

/// Backs the database up into `dest` (which must not exist). `url` is the database's URL, for
/// PostgreSQL's pg_dump; `schema` limits a PostgreSQL dump to one schema.
pub async fn backup(db: &Db, url: &str, schema: Option<&str>, dest: &Path) -> DbResult<BackupInfo> {
    if dest.exists() {
        return Err(DbError::invalid(format!("{} sudah ada", dest.display())));
    }
    match db.backend() {
        Backend::Sqlite => {
            let target = dest
                .to_str()
                .ok_or_else(|| DbError::invalid("nama berkas harus UTF-8"))?;
            sqlx::query("VACUUM INTO $1")
                .bind(target)
                .execute(db.pool())
                .await?;
            let migrations = check_sqlite_file(dest).await?;
            Ok(BackupInfo {
                path: dest.to_path_buf(),
                bytes: std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0),
                migrations,
            })
        }
        Backend::Postgres => {
            let mut cmd = tokio::process::Command::new("pg_dump");
            cmd.arg("--format=custom")
                .arg("--no-owner")
                .arg("--file")
                .arg(dest);
            if let Some(s) = schema {
                cmd.arg(format!("--schema={s}"));
            }
            run(cmd.arg(url), "pg_dump").await?;
            let migrations: i64 =
                sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM schema_migrations")
                    .fetch_one(db.pool())
                    .await?;
            Ok(BackupInfo {
                path: dest.to_path_buf(),
                bytes: std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0),
                migrations,
            })
        }
    }
}

async fn run(cmd: &mut tokio::process::Command, what: &str) -> DbResult<()> {
    let out = cmd.output().await.map_err(|e| {
        DbError::invalid(format!(
            "{what} tidak dapat dijalankan ({e}); pasang klien PostgreSQL"
        ))
    })?;
    if !out.status.success() {
        return Err(DbError::invalid(format!(
            "{what} gagal: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

/// Restores `backup` into the database at `url`. SQLite: the server must be stopped; the current
/// file is kept beside it as `.sebelum-pulih` (before-restore). PostgreSQL: objects in the dump
/// are dropped and recreated.
pub async fn restore(url: &str, backup: &Path) -> DbResult<()> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let mut cmd = tokio::process::Command::new("pg_restore");
        cmd.args([
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
        ])
        .arg(url)
        .arg(backup);
        return run(&mut cmd, "pg_restore").await;
    }
    check_sqlite_file(backup).await?;
    let target = sqlite_path(url);
    let sibling = |suffix: &str| PathBuf::from(format!("{}{suffix}", target.display()));
    let staging = sibling(".memulihkan");
    std::fs::copy(backup, &staging).map_err(io)?;
    if target.exists() {
        std::fs::rename(&target, sibling(".sebelum-pulih")).map_err(io)?;
    }
    // The old write-ahead log belongs to the old file.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(sibling(suffix));
    }
    std::fs::rename(&staging, &target).map_err(io)?;
    Ok(())
}

fn io(e: std::io::Error) -> DbError {
    DbError::invalid(format!("berkas: {e}"))
}
