//! An upgrade while connections are open: a migration that adds columns must not leave a pooled
//! connection with the old schema (on SQLite, a `SELECT *` prepared against it came back with
//! more columns than the driver expected, and the driver panicked). Both databases.

use pantau_db::{migrate, testing};

mod common;
use common::*;

/// The statement `users::by_username` prepares, run on `n` connections held at once.
async fn select_users_everywhere(t: &testing::TestDb, n: usize) -> Vec<usize> {
    let mut held = Vec::new();
    let mut widths = Vec::new();
    for _ in 0..n {
        let mut conn = t.db.pool().acquire().await.unwrap();
        let row = sqlx::query("SELECT * FROM users WHERE username = $1")
            .bind("bnnk.bandung")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        widths.push(sqlx::Row::len(&row));
        held.push(conn);
    }
    widths
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_opened_before_a_migration_read_the_new_columns_after_it() {
    for t in testing::all().await {
        // Back to the schema before the last migration that added columns to users (the
        // connections told, as after any change of schema), then accounts made on it.
        for sql in [
            "ALTER TABLE users DROP COLUMN reminders",
            "ALTER TABLE users DROP COLUMN reminded_on",
            "DELETE FROM schema_migrations WHERE version = 18",
        ] {
            sqlx::query(sql).execute(t.db.pool()).await.unwrap();
        }
        migrate::refresh_connections(&t.db).await.unwrap();
        seeded(&t).await;
        // Connections that have prepared `SELECT * FROM users` on the old schema…
        let before = select_users_everywhere(&t, 4).await;
        // …stay open while the server migrates…
        assert_eq!(migrate::run(&t.db).await.unwrap(), 1, "{}", t.label);
        let after = select_users_everywhere(&t, 4).await;
        // …and read the new columns afterwards.
        assert!(
            after.iter().all(|w| *w == before[0] + 2),
            "{}: {before:?} then {after:?}",
            t.label
        );
        t.finish().await;
    }
}
