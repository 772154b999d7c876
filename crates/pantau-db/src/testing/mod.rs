//! Fresh databases for tests: a new SQLite file, and — when `PANTAU_TEST_POSTGRES_URL` is set —
//! a new schema in that PostgreSQL database. Without the variable the PostgreSQL half is skipped
//! with a loud line on stderr (not swallowed by the test harness's capture).

use crate::{Db, migrate};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Once;

pub const POSTGRES_ENV: &str = "PANTAU_TEST_POSTGRES_URL";

pub struct TestDb {
    pub db: Db,
    pub label: &'static str,
    sqlite_dir: Option<PathBuf>,
    pg: Option<(String, String)>,
}

fn unique_name(prefix: &str) -> String {
    format!("{prefix}_{}", &crate::sessions::random_token()[..16])
}

/// A migrated, empty SQLite database in a fresh temporary folder.
pub async fn sqlite() -> TestDb {
    let dir = std::env::temp_dir().join(unique_name("pantau_test"));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let db = Db::connect(dir.join("pantau.db").to_str().expect("utf-8 temp path"))
        .await
        .expect("open sqlite");
    migrate::run(&db).await.expect("migrate sqlite");
    TestDb {
        db,
        label: "sqlite",
        sqlite_dir: Some(dir),
        pg: None,
    }
}

/// A migrated, empty PostgreSQL schema, or `None` (after a loud warning) when not configured.
pub async fn postgres() -> Option<TestDb> {
    let Ok(url) = std::env::var(POSTGRES_ENV) else {
        static WARN: Once = Once::new();
        WARN.call_once(|| {
            let _ = writeln!(
                std::io::stderr(),
                "\n!!! {POSTGRES_ENV} is not set: the PostgreSQL half of the tests is SKIPPED !!!\n"
            );
        });
        return None;
    };
    let schema = unique_name("t");
    let db = Db::connect_in_schema(&url, Some(&schema))
        .await
        .expect("connect to PostgreSQL test database");
    migrate::run(&db).await.expect("migrate postgres");
    Some(TestDb {
        db,
        label: "postgres",
        sqlite_dir: None,
        pg: Some((url, schema)),
    })
}

/// Every configured backend: SQLite always, PostgreSQL when configured.
pub async fn all() -> Vec<TestDb> {
    let mut v = vec![sqlite().await];
    v.extend(postgres().await);
    v
}

impl TestDb {
    /// The URL and schema of a PostgreSQL test database (for tools like pg_dump).
    pub fn postgres_target(&self) -> Option<(&str, &str)> {
        self.pg.as_ref().map(|(u, s)| (u.as_str(), s.as_str()))
    }

    /// The file of a SQLite test database.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        self.sqlite_dir.as_ref().map(|d| d.join("pantau.db"))
    }

    /// Closes the pool and removes the database.
    pub async fn finish(self) {
        self.db.close().await;
        if let Some(dir) = self.sqlite_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((url, schema)) = self.pg {
            if let Ok(admin) = Db::connect(&url).await {
                let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
                )))
                .execute(admin.pool())
                .await;
                admin.close().await;
            }
        }
    }
}

pub mod xlsx;
