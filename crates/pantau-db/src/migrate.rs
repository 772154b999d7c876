//! Ordered migrations, one SQL file per backend per step, applied once each.

use crate::db::{Backend, Db};
use crate::error::DbResult;
use crate::now_rfc3339;
use sqlx::{Executor, Row};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

macro_rules! migration {
    ($version:expr, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $name, ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $name, ".sql")),
        }
    };
}

const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_foundation"),
    migration!(2, "0002_ibm"),
    migration!(3, "0003_sni"),
    migration!(4, "0004_rollup"),
    migration!(5, "0005_api_tokens"),
    migration!(6, "0006_exchange_mapping"),
    migration!(7, "0007_external_values"),
    migration!(8, "0008_login_throttle"),
    migration!(9, "0009_imported_assessments"),
    migration!(10, "0010_pending_imports"),
    migration!(11, "0011_versions"),
    migration!(12, "0012_evidence_english"),
    migration!(13, "0013_planner_statistics"),
    migration!(14, "0014_programme"),
    migration!(15, "0015_idempotency"),
    migration!(16, "0016_unit_reporters"),
    migration!(17, "0017_field_photos"),
    migration!(18, "0018_reminders"),
];

const ROLLUP_VERSION: i64 = 4;

/// The advisory lock that lets one of several servers starting at once migrate PostgreSQL while
/// the others wait (and then find nothing left to do).
const MIGRATION_LOCK: i64 = 88_072_022;

/// Applies pending migrations; returns how many ran. On PostgreSQL several servers may start at
/// once: they take turns under an advisory lock, held by a connection of its own, so a server
/// that dies releases it with its connection.
pub async fn run(db: &Db) -> DbResult<usize> {
    let ran = if db.backend() != Backend::Postgres {
        run_unlocked(db).await?
    } else {
        let mut lock = db.pool().acquire().await?;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *lock)
            .await?;
        let ran = run_unlocked(db).await;
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *lock)
            .await?;
        ran?
    };
    if ran > 0 {
        refresh_connections(db).await?;
    }
    Ok(ran)
}

async fn run_unlocked(db: &Db) -> DbResult<usize> {
    db.pool()
        .execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (\
             version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )
        .await?;
    let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| r.get::<i64, _>(0))
        .collect();
    let mut ran = 0;
    for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        let sql = match db.backend() {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        let mut tx = db.begin().await?;
        sqlx::raw_sql(sql).execute(&mut *tx).await?;
        if m.version == ROLLUP_VERSION {
            // Existing data gets its roll-ups in the same transaction as the new tables.
            crate::ibm::rollup::rebuild(&mut tx).await?;
        }
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(now_rfc3339())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(version = m.version, name = m.name, "migration applied");
        ran += 1;
    }
    Ok(ran)
}

/// After the schema changed under open connections (a migration): every connection the pool
/// holds is closed, and the pool opens fresh ones on demand. A connection kept from before
/// would hold statements prepared against the old schema — a `SELECT *` then comes back with
/// more columns than the driver read at preparing (a panic in sqlx's SQLite driver; on
/// PostgreSQL "cached plan must not change result type") — and sqlx's `Any` driver cannot be
/// asked to forget them.
pub async fn refresh_connections(db: &Db) -> DbResult<()> {
    // A connection on its way back to the pool (a transaction just ended) is not handed out
    // yet: go round until none is left, a few times at most.
    for _ in 0..20 {
        let open = db.pool().size();
        if open == 0 {
            break;
        }
        let mut held = Vec::new();
        for _ in 0..open {
            // Held until all are taken, so each acquire reaches another connection.
            held.push(db.pool().acquire().await?);
        }
        for conn in held {
            conn.close().await?;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    Ok(())
}
