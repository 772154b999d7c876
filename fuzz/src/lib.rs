//! What every importer's fuzz target shares: one migrated SQLite database per process with the
//! bundled areas (to village level), the office tree, the demo users and the demo IBM and SNI
//! data, so that fuzzed rows reach the checks against real codes; and one runtime to drive the
//! async importers. Every import runs as a dry run, so the database stays as seeded.

use pantau_db::testing::TestDb;
use pantau_db::{Actor, Db, seed};
use std::sync::OnceLock;

pub struct World {
    pub runtime: tokio::runtime::Runtime,
    db: Db,
    _dir: std::path::PathBuf,
}

impl World {
    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn run<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }
}

/// Seeds a database once per machine (areas to village level take a while) and keeps it as a
/// template in the temporary folder; every fuzzing process works on its own copy.
pub fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let template = std::env::temp_dir().join("pantau-fuzz-world-v1.db");
        if !template.exists() {
            runtime.block_on(seed_template(&template));
        }
        let dir = std::env::temp_dir().join(format!("pantau-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("work folder");
        let file = dir.join("pantau.db");
        std::fs::copy(&template, &file).expect("copy of the seeded database");
        let db = runtime
            .block_on(Db::connect(file.to_str().expect("utf-8 path")))
            .expect("database");
        // A template seeded before the latest migrations gets them here.
        runtime
            .block_on(pantau_db::migrate::run(&db))
            .expect("migrations");
        World {
            runtime,
            db,
            _dir: dir,
        }
    })
}

async fn seed_template(template: &std::path::Path) {
    let t: TestDb = pantau_db::testing::sqlite().await;
    seed::bundled_wilayah(&t.db, pantau_core::org::AreaLevel::Village, &|_, _, _| {})
        .await
        .expect("areas");
    seed::offices_from_csv(&t.db, Actor::System("fuzz"), seed::bundled::OFFICES)
        .await
        .expect("offices");
    seed::demo_users(&t.db).await.expect("users");
    let today = pantau_db::chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
    pantau_db::demo::ibm::load(&t.db, today)
        .await
        .expect("demo IBM");
    pantau_db::demo::sni::load(&t.db).await.expect("demo SNI");
    let partial = template.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    sqlx_vacuum_into(&t.db, &partial).await;
    std::fs::rename(&partial, template).expect("template in place");
}

async fn sqlx_vacuum_into(db: &Db, target: &std::path::Path) {
    pantau_db::backup::backup(db, "", None, target)
        .await
        .expect("template copy");
}

/// The importer's verdict must be an answer, never a database failure: malformed input is
/// refused with row errors (or an `Invalid` error for the whole file), nothing else.
pub fn expect_answer<T>(result: pantau_db::DbResult<T>) {
    match result {
        Ok(_) | Err(pantau_db::DbError::Invalid(_)) => {}
        Err(e) => panic!("importer failed on input instead of refusing it: {e:?}"),
    }
}

/// Reads `data` as a CSV or XLSX file; when it is one, runs `import` on it in the seeded world
/// and checks the verdict with [`expect_answer`]. Unreadable bytes are refused by the reader.
pub fn import_table<F, Fut, T>(data: &[u8], import: F)
where
    F: FnOnce(&'static Db, pantau_db::exchange::Table) -> Fut,
    Fut: std::future::Future<Output = pantau_db::DbResult<T>>,
{
    let Ok(table) = pantau_db::exchange::read(data) else {
        return;
    };
    let w = world();
    expect_answer(w.run(import(w.db(), table)));
}
