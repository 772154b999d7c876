//! Many report submissions at once (issue 16): every one lands, the roll-ups stay exact, and one
//! refused among many takes no other with it — on both databases.

use pantau_db::ibm::reports::{self, ReportLine};
use pantau_db::testing;
use pantau_db::{Actor, DbError};

mod common;
use common::*;

/// Officers submit at the same time: every submission must land (no "database is locked" on
/// SQLite, where a transaction that reads before it writes used to lose the race), and the
/// report count must equal the number submitted.
#[tokio::test]
async fn concurrent_report_submissions_all_land() {
    for t in testing::all().await {
        seeded(&t).await;
        let mut unit_ids = Vec::new();
        for i in 0..8 {
            unit_ids.push(
                operating_unit(
                    &t,
                    &format!("IBM-C{i}"),
                    "32.73.01.1001",
                    "BNNK-32.73",
                    "apbn",
                    "2025-01-05",
                )
                .await,
            );
        }
        let line = ReportLine {
            kind: "activity".into(),
            item_code: "sosialisasi".into(),
            sex: "".into(),
            age_band: "".into(),
            risk_level: "".into(),
            count: 1,
        };
        let mut tasks = Vec::new();
        for &unit in &unit_ids {
            for month in 1..=6 {
                let db = t.db.clone();
                let lines = vec![line.clone()];
                tasks.push(tokio::spawn(async move {
                    reports::submit(
                        &db,
                        Actor::System("test"),
                        unit,
                        &format!("2025-{month:02}"),
                        &lines,
                        "",
                        Some(d("2025-07-01")),
                        reports::Replaces::Own,
                    )
                    .await
                }));
            }
        }
        let submitted = tasks.len();
        for task in tasks {
            task.await
                .unwrap()
                .unwrap_or_else(|e| panic!("{}: {e}", t.label));
        }
        let total: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM ibm_reports")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
        assert_eq!(total as usize, submitted, "{}", t.label);
        // Concurrent writers to one unit keep its roll-ups exact.
        let mut conn = t.db.pool().acquire().await.unwrap();
        let maintained = pantau_db::ibm::rollup::snapshot(&mut conn).await.unwrap();
        pantau_db::ibm::rollup::rebuild(&mut conn).await.unwrap();
        let rebuilt = pantau_db::ibm::rollup::snapshot(&mut conn).await.unwrap();
        assert_eq!(maintained, rebuilt, "{}", t.label);
        drop(conn);
        t.finish().await;
    }
}

/// Submissions that arrive together are committed together on SQLite; one that is refused (a
/// unit that does not exist) must not take the others with it, and must itself be answered
/// with its own error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_submission_among_many_takes_no_other_with_it() {
    for t in testing::all().await {
        seeded(&t).await;
        let mut unit_ids = Vec::new();
        for i in 0..6 {
            unit_ids.push(
                operating_unit(
                    &t,
                    &format!("IBM-G{i}"),
                    "32.73.01.1001",
                    "BNNK-32.73",
                    "apbn",
                    "2025-01-05",
                )
                .await,
            );
        }
        let line = ReportLine {
            kind: "activity".into(),
            item_code: "sosialisasi".into(),
            sex: "".into(),
            age_band: "".into(),
            risk_level: "".into(),
            count: 2,
        };
        let mut tasks = Vec::new();
        for month in 1..=6 {
            // Every seventh submission names a unit that does not exist.
            for unit in unit_ids.iter().copied().chain([i64::MAX]) {
                let db = t.db.clone();
                let lines = vec![line.clone()];
                tasks.push(tokio::spawn(async move {
                    let r = reports::submit(
                        &db,
                        Actor::System("test"),
                        unit,
                        &format!("2025-{month:02}"),
                        &lines,
                        "",
                        Some(d("2025-07-01")),
                        reports::Replaces::Own,
                    )
                    .await;
                    (unit, r)
                }));
            }
        }
        let (mut landed, mut refused) = (0, 0);
        for task in tasks {
            match task.await.unwrap() {
                (u, Ok(report)) => {
                    assert_ne!(u, i64::MAX);
                    assert_eq!(report.unit_id, u);
                    assert_eq!(report.lines.len(), 1);
                    landed += 1;
                }
                (u, Err(e)) => {
                    assert_eq!(u, i64::MAX, "{}: {e}", t.label);
                    assert!(matches!(e, DbError::NotFound(_)), "{}: {e}", t.label);
                    refused += 1;
                }
            }
        }
        assert_eq!((landed, refused), (36, 6), "{}", t.label);
        let total: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM ibm_reports")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
        assert_eq!(total, 36, "{}", t.label);
        let mut conn = t.db.pool().acquire().await.unwrap();
        let maintained = pantau_db::ibm::rollup::snapshot(&mut conn).await.unwrap();
        pantau_db::ibm::rollup::rebuild(&mut conn).await.unwrap();
        let rebuilt = pantau_db::ibm::rollup::snapshot(&mut conn).await.unwrap();
        assert_eq!(maintained, rebuilt, "{}", t.label);
        drop(conn);
        t.finish().await;
    }
}
