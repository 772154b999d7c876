use crate::error::DbResult;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, AssertSqlSafe, Executor};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A connection pool plus the backend it talks to.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    write_gate: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// On PostgreSQL: the address and schema connected to, for listening to other servers'
    /// change announcements (see [`crate::changes`]).
    pub(crate) postgres: Option<std::sync::Arc<(String, Option<String>)>>,
    /// Reference data every report submission reads (see [`crate::reference::Cached`]).
    pub(crate) reference: std::sync::Arc<crate::reference::Cached>,
    pub(crate) announcements: std::sync::Arc<crate::changes::Announcements>,
    /// SQLite's report submissions, committed in batches (see [`crate::group_commit`]).
    pub(crate) group_commit: std::sync::Arc<crate::group_commit::Writer>,
}

/// A write transaction (see [`Db::begin`]); derefs to its connection.
pub struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub async fn commit(self) -> DbResult<()> {
        self.tx.commit().await?;
        Ok(())
    }

    pub async fn rollback(self) -> DbResult<()> {
        self.tx.rollback().await?;
        Ok(())
    }

    /// Commits, or — for a dry run, which does every write to count what would change — rolls
    /// back.
    pub async fn finish(self, dry_run: bool) -> DbResult<()> {
        if dry_run {
            self.rollback().await
        } else {
            self.commit().await
        }
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// Rows a dry run writes in one transaction before letting other writers in.
pub const DRY_RUN_CHUNK: usize = 250;

/// The write phase of an import. A real import is one transaction: every row or none. A dry run
/// writes only to learn what the database would refuse, and rolls every write back; it does so a
/// chunk of rows at a time, so that other writers do not wait behind a long dry run (SQLite has a
/// single writer). Importers keep each row independent of earlier rows' writes, so the chunks
/// find what one transaction would.
pub struct ImportTx {
    db: Db,
    tx: Option<WriteTx>,
    dry_run: bool,
    in_chunk: usize,
}

impl ImportTx {
    pub async fn begin(db: &Db, dry_run: bool) -> DbResult<ImportTx> {
        Ok(ImportTx {
            db: db.clone(),
            tx: Some(db.begin().await?),
            dry_run,
            in_chunk: 0,
        })
    }

    /// Marks a row written; a dry run hands the write lock on after every chunk.
    pub async fn row_done(&mut self) -> DbResult<()> {
        if !self.dry_run {
            return Ok(());
        }
        self.in_chunk += 1;
        if self.in_chunk >= DRY_RUN_CHUNK {
            self.in_chunk = 0;
            if let Some(tx) = self.tx.take() {
                tx.rollback().await?;
            }
            self.tx = Some(self.db.begin().await?);
        }
        Ok(())
    }

    pub async fn rollback(mut self) -> DbResult<()> {
        match self.tx.take() {
            Some(tx) => tx.rollback().await,
            None => Ok(()),
        }
    }

    /// Commits a real import; rolls a dry run back.
    pub async fn finish(mut self) -> DbResult<()> {
        match self.tx.take() {
            Some(tx) => tx.finish(self.dry_run).await,
            None => Ok(()),
        }
    }

    fn conn(&self) -> &WriteTx {
        self.tx
            .as_ref()
            .expect("an import transaction is open until finished")
    }
}

impl std::ops::Deref for ImportTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        self.conn()
    }
}

impl std::ops::DerefMut for ImportTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.tx
            .as_mut()
            .expect("an import transaction is open until finished")
    }
}

impl Db {
    /// Connects to `url`: `postgres://…` for PostgreSQL, `sqlite:…` (or a bare file path) for an
    /// embedded SQLite file, created if missing.
    pub async fn connect(url: &str) -> DbResult<Db> {
        Self::connect_in_schema(url, None).await
    }

    /// As [`Db::connect`], but on PostgreSQL every connection works inside `schema` (created if
    /// missing). Tests use this to give each test a clean database.
    pub async fn connect_in_schema(url: &str, schema: Option<&str>) -> DbResult<Db> {
        install_default_drivers();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            if let Some(schema) = schema {
                let admin = AnyPoolOptions::new()
                    .max_connections(1)
                    .connect(url)
                    .await?;
                sqlx::raw_sql(AssertSqlSafe(format!(
                    "CREATE SCHEMA IF NOT EXISTS {}",
                    quote_ident(schema)
                )))
                .execute(&admin)
                .await?;
                admin.close().await;
            }
            let search_path = schema.map(|s| format!("SET search_path TO {}", quote_ident(s)));
            // A per-test schema gets a small pool: tests run side by side and must stay well
            // inside the server's connection limit, whatever else is connected.
            let pool = AnyPoolOptions::new()
                .max_connections(if schema.is_some() { 4 } else { 16 })
                .acquire_timeout(Duration::from_secs(30))
                .after_connect(move |conn, _| {
                    let sql = search_path.clone();
                    Box::pin(async move {
                        if let Some(sql) = sql {
                            sqlx::raw_sql(AssertSqlSafe(sql))
                                .execute(&mut *conn)
                                .await?;
                        }
                        Ok(())
                    })
                })
                .connect_with(quiet(url)?)
                .await?;
            Ok(Db {
                pool,
                backend: Backend::Postgres,
                write_gate: Default::default(),
                reference: Default::default(),
                announcements: Default::default(),
                group_commit: Default::default(),
                postgres: Some(std::sync::Arc::new((
                    url.to_string(),
                    schema.map(str::to_string),
                ))),
            })
        } else {
            let url = sqlite_url(url);
            // Validate the URL through the SQLite driver's own parser first, for a clear error.
            sqlx::any::AnyConnectOptions::from_str(&url)?;
            let pool = AnyPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(30))
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        // WAL lets readers run beside the writer; busy_timeout makes a writer wait
                        // for the lock instead of failing at once.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
                             PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                        )
                        .await?;
                        Ok(())
                    })
                })
                .connect_with(quiet(&url)?)
                .await?;
            Ok(Db {
                pool,
                backend: Backend::Sqlite,
                write_gate: Default::default(),
                reference: Default::default(),
                announcements: Default::default(),
                group_commit: Default::default(),
                postgres: None,
            })
        }
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// After a bulk change (a national unit list, generated data): PostgreSQL plans from
    /// statistics, and without fresh ones the dashboard at 500,000 units took 6.9 s instead of
    /// 24 ms — autovacuum may be off or minutes away. SQLite's statements are written for its
    /// planner without statistics, so nothing is done there.
    pub async fn refresh_statistics(&self) -> DbResult<()> {
        if self.backend == Backend::Postgres {
            sqlx::raw_sql("ANALYZE").execute(&self.pool).await?;
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`):
    /// a deferred transaction that reads first and writes later fails with SQLITE_BUSY, without
    /// waiting, whenever another writer commits in between — busy_timeout only covers the former.
    /// Writers of this process also queue on an async gate first: SQLite has one writer anyway,
    /// and a queue is fair and quick where its busy handler sleeps and retries.
    pub async fn begin(&self) -> DbResult<WriteTx> {
        Ok(match self.backend {
            Backend::Sqlite => {
                let gate = self.write_gate.clone().lock_owned().await;
                WriteTx {
                    tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    _gate: Some(gate),
                }
            }
            Backend::Postgres => WriteTx {
                tx: self.pool.begin().await?,
                _gate: None,
            },
        })
    }

    /// Forgets the cached reference data: it changed here, or another server announced a change.
    pub fn forget_reference(&self) {
        self.reference.forget();
    }

    /// A cheap round trip, for `/healthz`.
    pub async fn ping(&self) -> DbResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Connection options whose statement logs stay at debug level: bulk statements carry thousands
/// of placeholders, and a warning per slow one would bury the real log.
fn quiet(url: &str) -> DbResult<sqlx::any::AnyConnectOptions> {
    use sqlx::ConnectOptions;
    Ok(sqlx::any::AnyConnectOptions::from_str(url)?
        .log_statements(tracing::log::LevelFilter::Debug)
        .log_slow_statements(tracing::log::LevelFilter::Debug, Duration::from_secs(1)))
}

/// Accepts `sqlite:…` URLs and bare paths; always opens read-write-create.
fn sqlite_url(url: &str) -> String {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    if path.contains('?') {
        format!("sqlite://{path}")
    } else {
        format!("sqlite://{path}?mode=rwc")
    }
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_accept_bare_paths() {
        assert_eq!(sqlite_url("pantau.db"), "sqlite://pantau.db?mode=rwc");
        assert_eq!(sqlite_url("sqlite://x/y.db"), "sqlite://x/y.db?mode=rwc");
        assert_eq!(sqlite_url("sqlite::memory:"), "sqlite://:memory:?mode=rwc");
    }
}

/// Reads a flag column: BOOLEAN on PostgreSQL, INTEGER 0/1 on SQLite.
pub(crate) fn flag(row: &sqlx::any::AnyRow, column: &str) -> bool {
    use sqlx::Row;
    row.try_get::<bool, _>(column)
        .or_else(|_| row.try_get::<i64, _>(column).map(|v| v != 0))
        .unwrap_or(false)
}
