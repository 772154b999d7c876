//! Report submissions: many at once (issue 16) — every one lands, the roll-ups stay exact, and
//! one refused among many takes no other with it — and who may submit them (a unit reporter for
//! its one unit, never over another person's report unseen); on both databases.

use pantau_core::ibm::UnitStatus;
use pantau_db::ibm::reports::{self, ReportLine};
use pantau_db::ibm::{agents, units};
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

#[tokio::test]
async fn a_unit_reporter_reaches_its_own_unit_and_reports_for_it_without_overwriting_others() {
    for t in testing::all().await {
        seeded(&t).await;
        let mine = operating_unit(
            &t,
            "IBM-P1",
            "32.73.01.1001",
            "BNNK-32.73",
            "apbn",
            "2025-01-05",
        )
        .await;
        let other = operating_unit(
            &t,
            "IBM-P2",
            "32.73.01.1001",
            "BNNK-32.73",
            "apbn",
            "2025-01-05",
        )
        .await;
        let officer = who(&t, "bnnk.bandung").await;
        let outsider = who(&t, "bnnk.bogor").await;
        let analyst = who(&t, "analis.pusat").await;
        let make = |by: pantau_core::access::Principal, name: &'static str| {
            let db = t.db.clone();
            async move {
                pantau_db::users::create_unit_reporter(
                    &db,
                    Actor::User(&by),
                    mine,
                    name.into(),
                    "Agen Pemulihan".into(),
                    String::new(),
                    "Pelapor-Desa-2026".into(),
                )
                .await
            }
        };
        // Only who writes the unit's office data makes its reporters.
        assert!(
            make(outsider.clone(), "pelapor.x").await.is_err(),
            "{}",
            t.label
        );
        assert!(
            make(analyst.clone(), "pelapor.y").await.is_err(),
            "{}",
            t.label
        );
        make(officer.clone(), "pelapor.desa").await.unwrap();
        let listed = pantau_db::users::unit_reporters(&t.db, Actor::User(&officer), mine)
            .await
            .unwrap();
        assert_eq!(listed.len(), 1);
        assert!(
            pantau_db::users::unit_reporters(&t.db, Actor::User(&outsider), mine)
                .await
                .is_err()
        );
        let reporter = who(&t, "pelapor.desa").await;

        // Its unit, and nothing else: not the other unit of the same office, not the lists.
        assert_eq!(units::get(&t.db, &reporter, mine).await.unwrap().id, mine);
        let refused = units::get(&t.db, &reporter, other).await.unwrap_err();
        assert!(
            matches!(refused, DbError::Forbidden(ref d) if !d.unseen),
            "{}",
            t.label
        );
        assert!(
            units::list(&t.db, &reporter, &Default::default())
                .await
                .unwrap()
                .0
                .is_empty(),
            "{}",
            t.label
        );
        assert_eq!(
            reports::compliance(&t.db, &reporter, Some(mine), d("2026-11-30"))
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(
            reports::compliance(&t.db, &reporter, Some(other), d("2026-11-30"))
                .await
                .is_err()
        );
        agents::list(&t.db, &reporter, mine).await.unwrap();
        assert!(agents::list(&t.db, &reporter, other).await.is_err());
        // It reports, and changes nothing else of the unit.
        let line = |count| {
            vec![ReportLine {
                kind: "activity".into(),
                item_code: "sosialisasi".into(),
                sex: "".into(),
                age_band: "".into(),
                risk_level: "".into(),
                count,
            }]
        };
        let submit =
            |by: &pantau_core::access::Principal, unit, period: &'static str, count, replaces| {
                let (db, by) = (t.db.clone(), by.clone());
                async move {
                    reports::submit(
                        &db,
                        Actor::User(&by),
                        unit,
                        period,
                        &line(count),
                        "",
                        None,
                        replaces,
                    )
                    .await
                }
            };
        let own = reports::Replaces::Own;
        let first = submit(&reporter, mine, "2026-01", 3, own).await.unwrap();
        assert_eq!(
            (first.version, first.submitted_by.as_str()),
            (1, "pelapor.desa")
        );
        assert!(
            submit(&reporter, other, "2026-01", 3, own).await.is_err(),
            "{}",
            t.label
        );
        assert!(
            units::change_status(
                &t.db,
                Actor::User(&reporter),
                mine,
                UnitStatus::Inactive,
                "",
                "2026-11-01"
            )
            .await
            .is_err()
        );
        // Its own report it corrects freely…
        let again = submit(&reporter, mine, "2026-01", 4, own).await.unwrap();
        assert_eq!(again.version, 2);
        // …but the officer typing the same month is told, not allowed to overwrite unseen.
        let clash = submit(&officer, mine, "2026-01", 9, own).await.unwrap_err();
        assert_eq!(clash.message().key, "err-report-by-other", "{}", t.label);
        assert!(
            submit(&officer, mine, "2026-01", 9, reports::Replaces::Version(1))
                .await
                .unwrap_err()
                .is_edited_meanwhile()
        );
        assert!(
            submit(&officer, mine, "2026-02", 9, reports::Replaces::Version(3))
                .await
                .unwrap_err()
                .is_edited_meanwhile()
        );
        let stored = reports::get(&t.db, Actor::User(&officer), mine, "2026-01")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (stored.version, stored.lines[0].count),
            (2, 4),
            "nothing overwritten"
        );
        assert!(
            reports::get(&t.db, Actor::User(&officer), mine, "2026-02")
                .await
                .unwrap()
                .is_none()
        );
        // Having seen version 2, the officer corrects it.
        let corrected = submit(&officer, mine, "2026-01", 9, reports::Replaces::Version(2))
            .await
            .unwrap();
        assert_eq!((corrected.version, corrected.lines[0].count), (3, 9));
        // Its officer looks after the account; another district's may not.
        let reporter_id = reporter.user_id;
        assert!(
            pantau_db::users::set_active(&t.db, Actor::User(&outsider), reporter_id, false)
                .await
                .is_err()
        );
        pantau_db::users::set_active(&t.db, Actor::User(&officer), reporter_id, false)
            .await
            .unwrap();
        t.finish().await;
    }
}
