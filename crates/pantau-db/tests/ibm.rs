//! IBM monitoring rules through storage, on every configured backend.

use chrono::NaiveDate;
use pantau_core::ibm::ReportState;
use pantau_core::ibm::{AssessmentAction, Category, UnitStatus};
use pantau_db::ibm::assessments::{self};
use pantau_db::ibm::reports::{self, ReportLine};
use pantau_db::ibm::units::{self, UnitInput};
use pantau_db::ibm::visits::{self, ActionInput, ReviewInput, VisitInput};
use pantau_db::ibm::{agents, evaluations, stages, targets};
use pantau_db::testing::{self, TestDb};
use pantau_db::{Actor, DbError, audit, offices};

mod common;
use common::*;

#[tokio::test]
async fn the_stage_workflow_moves_draft_submitted_verified_final_with_the_right_people() {
    for t in testing::all().await {
        seeded(&t).await;
        let unit = operating_unit(
            &t,
            "IBM-BDG-01",
            "32.73.01.1001",
            "BNNK-32.73",
            "apbn",
            "2025-01-02",
        )
        .await;
        let all = stages::list(&t.db).await.unwrap();
        assert_eq!(all.len(), 4, "{}: four seeded stages", t.label);
        let (bnnk, bnnp, admin) = (
            who(&t, "bnnk.bandung").await,
            who(&t, "bnnp.jabar").await,
            who(&t, "admin.pusat").await,
        );

        // Met criteria need evidence.
        let mut no_evidence = answers_up_to(&all, 1);
        no_evidence[0].evidence.clear();
        assert!(matches!(
            assessments::save(&t.db, Actor::User(&bnnk), unit, 2025, &no_evidence, "").await,
            Err(DbError::Invalid(_))
        ));

        let a = assessments::save(
            &t.db,
            Actor::User(&bnnk),
            unit,
            2025,
            &answers_up_to(&all, 2),
            "",
        )
        .await
        .unwrap();
        assert_eq!(
            (a.status.as_str(), a.achieved_ordinal),
            ("draft", Some(2)),
            "{}",
            t.label
        );
        let a = assessments::apply(
            &t.db,
            Actor::User(&bnnk),
            unit,
            2025,
            AssessmentAction::Submit,
        )
        .await
        .unwrap();
        assert_eq!(a.status, "diajukan");
        // Submitted: no more edits, and the district cannot verify its own work.
        assert!(matches!(
            assessments::save(
                &t.db,
                Actor::User(&bnnk),
                unit,
                2025,
                &answers_up_to(&all, 3),
                ""
            )
            .await,
            Err(DbError::State(_))
        ));
        assert!(matches!(
            assessments::apply(
                &t.db,
                Actor::User(&bnnk),
                unit,
                2025,
                AssessmentAction::Verify
            )
            .await,
            Err(DbError::Forbidden(_))
        ));
        // The BNNP returns it once, the district corrects and resubmits, the BNNP verifies.
        assessments::apply(
            &t.db,
            Actor::User(&bnnp),
            unit,
            2025,
            AssessmentAction::Return,
        )
        .await
        .unwrap();
        let a = assessments::save(
            &t.db,
            Actor::User(&bnnk),
            unit,
            2025,
            &answers_up_to(&all, 3),
            "koreksi",
        )
        .await
        .unwrap();
        assert_eq!(a.achieved_ordinal, Some(3));
        assessments::apply(
            &t.db,
            Actor::User(&bnnk),
            unit,
            2025,
            AssessmentAction::Submit,
        )
        .await
        .unwrap();
        let a = assessments::apply(
            &t.db,
            Actor::User(&bnnp),
            unit,
            2025,
            AssessmentAction::Verify,
        )
        .await
        .unwrap();
        assert_eq!(
            (a.status.as_str(), a.verified_by.as_deref()),
            ("diverifikasi", Some("bnnp.jabar"))
        );
        assert!(matches!(
            assessments::apply(
                &t.db,
                Actor::User(&bnnp),
                unit,
                2025,
                AssessmentAction::Finalize
            )
            .await,
            Err(DbError::Forbidden(_))
        ));
        let a = assessments::apply(
            &t.db,
            Actor::User(&admin),
            unit,
            2025,
            AssessmentAction::Finalize,
        )
        .await
        .unwrap();
        assert_eq!(a.status, "final", "{}", t.label);
        assert!(matches!(
            assessments::apply(
                &t.db,
                Actor::User(&admin),
                unit,
                2025,
                AssessmentAction::Return
            )
            .await,
            Err(DbError::State(_))
        ));
        // A BNNP officer of another province cannot even see it.
        let jatim = who(&t, "bnnp.jatim").await;
        assert!(matches!(
            assessments::get(&t.db, &jatim, unit, 2025).await,
            Err(DbError::Forbidden(_))
        ));
        t.finish().await;
    }
}

#[tokio::test]
async fn target_tables_count_categories_and_apply_the_on_target_rule_at_every_level() {
    for t in testing::all().await {
        seeded(&t).await;
        let all = stages::list(&t.db).await.unwrap();
        let admin = who(&t, "admin.pusat").await;
        let sys = Actor::System("test");
        let a = operating_unit(
            &t,
            "IBM-A",
            "32.73.01.1001",
            "BNNK-32.73",
            "apbn",
            "2025-01-02",
        )
        .await;
        let b = operating_unit(
            &t,
            "IBM-B",
            "32.73.01.1002",
            "BNNK-32.73",
            "apbdes",
            "2025-01-02",
        )
        .await;
        let c = operating_unit(
            &t,
            "IBM-C",
            "32.71.01.1001",
            "BNNK-32.71",
            "apbn",
            "2025-01-02",
        )
        .await;
        let stage = |o: i64| all.iter().find(|s| s.ordinal == o).unwrap().id;
        units::set_year(&t.db, sys, a, 2025, Category::Berkelanjutan, Some(stage(2)))
            .await
            .unwrap();
        units::set_year(
            &t.db,
            sys,
            b,
            2025,
            Category::BerkelanjutanMandiri,
            Some(stage(3)),
        )
        .await
        .unwrap();
        units::set_year(&t.db, sys, c, 2025, Category::Baru, Some(stage(1)))
            .await
            .unwrap();
        // A reaches 3 (≥ 2: on target); B reaches 1 (< 3: not); C is assessed but not final.
        for (unit, reached, finalize) in [(a, 3, true), (b, 1, true), (c, 2, false)] {
            assessments::save(&t.db, sys, unit, 2025, &answers_up_to(&all, reached), "")
                .await
                .unwrap();
            assessments::apply(&t.db, sys, unit, 2025, AssessmentAction::Submit)
                .await
                .unwrap();
            assessments::apply(&t.db, sys, unit, 2025, AssessmentAction::Verify)
                .await
                .unwrap();
            if finalize {
                assessments::apply(&t.db, sys, unit, 2025, AssessmentAction::Finalize)
                    .await
                    .unwrap();
            }
        }
        let (rows, total) = targets::table(&t.db, &admin, None, 2025).await.unwrap();
        assert_eq!(
            (
                total.units,
                total.berkelanjutan,
                total.berkelanjutan_mandiri,
                total.baru,
                total.baru_mandiri
            ),
            (3, 1, 1, 1, 0),
            "{}",
            t.label
        );
        assert_eq!(
            (total.with_target, total.assessed, total.on_target),
            (3, 2, 1),
            "{}",
            t.label
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].label, "BNNP Jawa Barat");

        let jabar = offices::by_code(&t.db, "BNNP-32").await.unwrap().id;
        let (rows, _) = targets::table(&t.db, &admin, Some(jabar), 2025)
            .await
            .unwrap();
        let bandung = rows.iter().find(|r| r.label == "BNN Kota Bandung").unwrap();
        assert_eq!(
            (bandung.units, bandung.on_target, bandung.on_target_pct()),
            (2, 1, Some(50.0)),
            "{}",
            t.label
        );
        let bdg = offices::by_code(&t.db, "BNNK-32.73").await.unwrap().id;
        let (rows, _) = targets::table(&t.db, &admin, Some(bdg), 2025)
            .await
            .unwrap();
        assert_eq!(
            rows.iter().map(|r| r.on_target).collect::<Vec<_>>(),
            vec![1, 0],
            "per unit at the district level"
        );

        // A BNNK officer sees only its own district's units in the national table.
        let bogor = who(&t, "bnnk.bogor").await;
        let (_, mine) = targets::table(&t.db, &bogor, None, 2025).await.unwrap();
        assert_eq!(mine.units, 1);
        assert!(matches!(
            targets::table(&t.db, &bogor, Some(bdg), 2025).await,
            Err(DbError::Forbidden(_))
        ));
        t.finish().await;
    }
}

#[tokio::test]
async fn late_and_missing_reports_are_detected_and_a_silent_unit_is_flagged() {
    for t in testing::all().await {
        seeded(&t).await;
        let unit = operating_unit(
            &t,
            "IBM-R",
            "32.73.01.1001",
            "BNNK-32.73",
            "apbn",
            "2025-01-05",
        )
        .await;
        let sys = Actor::System("test");
        let lines = vec![
            ReportLine {
                kind: "activity".into(),
                item_code: "sosialisasi".into(),
                sex: "".into(),
                age_band: "".into(),
                risk_level: "".into(),
                count: 2,
            },
            ReportLine {
                kind: "service".into(),
                item_code: "skrining".into(),
                sex: "l".into(),
                age_band: "18_25".into(),
                risk_level: "".into(),
                count: 5,
            },
            ReportLine {
                kind: "service".into(),
                item_code: "rujukan".into(),
                sex: "p".into(),
                age_band: "26_40".into(),
                risk_level: "sedang".into(),
                count: 1,
            },
        ];
        let jan = reports::submit(
            &t.db,
            sys,
            unit,
            "2025-01",
            &lines,
            "",
            Some(d("2025-02-05")),
            reports::Replaces::Own,
        )
        .await
        .unwrap();
        assert!(!jan.late);
        let feb = reports::submit(
            &t.db,
            sys,
            unit,
            "2025-02",
            &lines,
            "",
            Some(d("2025-03-20")),
            reports::Replaces::Own,
        )
        .await
        .unwrap();
        assert!(feb.late, "{}: after the 10-day grace", t.label);
        // Resubmitting a correction keeps the first date.
        let feb2 = reports::submit(
            &t.db,
            sys,
            unit,
            "2025-02",
            &lines[..1],
            "koreksi",
            Some(d("2025-04-01")),
            reports::Replaces::Own,
        )
        .await
        .unwrap();
        assert_eq!(
            (feb2.submitted_on.as_str(), feb2.lines.len()),
            ("2025-03-20", 1)
        );

        let admin = who(&t, "admin.pusat").await;
        let c = &reports::compliance(&t.db, &admin, Some(unit), d("2025-06-20"))
            .await
            .unwrap()[0];
        let states: Vec<ReportState> = c.periods.iter().map(|p| p.1).collect();
        assert_eq!(
            states,
            vec![
                ReportState::OnTime,
                ReportState::Late,
                ReportState::Missing,
                ReportState::Missing,
                ReportState::Missing,
                ReportState::NotDueYet
            ],
            "{}",
            t.label
        );
        assert!(c.silent, "three missing periods in a row");
        let c = &reports::compliance(&t.db, &admin, Some(unit), d("2025-05-20"))
            .await
            .unwrap()[0];
        assert!(!c.silent, "{}: only two missing by May", t.label);

        // Bad lines are refused with the row number.
        let bad = vec![ReportLine {
            kind: "service".into(),
            item_code: "rujukan".into(),
            sex: "l".into(),
            age_band: "18_25".into(),
            risk_level: "".into(),
            count: 1,
        }];
        let err = reports::submit(
            &t.db,
            sys,
            unit,
            "2025-03",
            &bad,
            "",
            Some(d("2025-04-02")),
            reports::Replaces::Own,
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, DbError::Invalid(ref m) if m.key == "err-line-risk" && m.args["line"] == "1"),
            "{err}"
        );
        let neg = vec![ReportLine {
            count: -1,
            ..lines[0].clone()
        }];
        assert!(
            reports::submit(
                &t.db,
                sys,
                unit,
                "2025-03",
                &neg,
                "",
                Some(d("2025-04-02")),
                reports::Replaces::Own
            )
            .await
            .is_err()
        );
        assert!(
            reports::submit(
                &t.db,
                sys,
                unit,
                "2025-13",
                &lines,
                "",
                None,
                reports::Replaces::Own
            )
            .await
            .is_err()
        );
        // Users cannot backdate.
        let bnnk = who(&t, "bnnk.bandung").await;
        assert!(matches!(
            reports::submit(
                &t.db,
                Actor::User(&bnnk),
                unit,
                "2025-03",
                &lines,
                "",
                Some(d("2025-04-01")),
                reports::Replaces::Own
            )
            .await,
            Err(DbError::Invalid(_))
        ));
        let totals = reports::totals(&t.db, &admin, 2025, "service")
            .await
            .unwrap();
        assert_eq!(
            totals,
            vec![("rujukan".to_string(), 1), ("skrining".to_string(), 5)],
            "{}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn the_year_roll_over_proposes_categories_for_review() {
    for t in testing::all().await {
        seeded(&t).await;
        let admin = who(&t, "admin.pusat").await;
        let a = operating_unit(
            &t,
            "IBM-N1",
            "32.73.01.1001",
            "BNNK-32.73",
            "apbn",
            "2025-01-02",
        )
        .await;
        let b = operating_unit(
            &t,
            "IBM-N2",
            "32.73.01.1002",
            "BNNK-32.73",
            "apbdes",
            "2025-01-02",
        )
        .await;
        let gone = operating_unit(
            &t,
            "IBM-N3",
            "32.73.01.1003",
            "BNNK-32.73",
            "apbn",
            "2025-01-02",
        )
        .await;
        units::change_status(
            &t.db,
            Actor::System("test"),
            gone,
            UnitStatus::Dissolved,
            "desa menolak",
            "2025-09-01",
        )
        .await
        .unwrap();
        assert_eq!(
            units::years(&t.db, &admin, a).await.unwrap()[0].category,
            "baru"
        );
        assert_eq!(
            units::years(&t.db, &admin, b).await.unwrap()[0].category,
            "baru_mandiri"
        );

        // Roll-over is the directorate's step (Principal::may_roll_over): a district officer
        // is refused, whatever units the district has.
        let bogor = who(&t, "bnnk.bogor").await;
        assert!(matches!(
            units::roll_over(&t.db, Actor::User(&bogor), 2025).await,
            Err(DbError::Forbidden(_))
        ));
        assert_eq!(
            units::roll_over(&t.db, Actor::User(&admin), 2025)
                .await
                .unwrap(),
            2,
            "{}",
            t.label
        );
        assert_eq!(
            units::roll_over(&t.db, Actor::User(&admin), 2025)
                .await
                .unwrap(),
            0,
            "idempotent"
        );
        let ya = &units::years(&t.db, &admin, a).await.unwrap()[0];
        assert_eq!(
            (ya.year, ya.category.as_str(), ya.confirmed),
            (2026, "berkelanjutan", false)
        );
        assert_eq!(
            units::years(&t.db, &admin, b).await.unwrap()[0].category,
            "berkelanjutan_mandiri"
        );
        assert_eq!(
            units::years(&t.db, &admin, gone).await.unwrap().len(),
            1,
            "dissolved units are not rolled"
        );
        // Proposals stay out of the tables until an officer confirms them.
        assert_eq!(
            targets::table(&t.db, &admin, None, 2026)
                .await
                .unwrap()
                .1
                .units,
            0
        );
        units::set_year(
            &t.db,
            Actor::User(&admin),
            a,
            2026,
            Category::Berkelanjutan,
            None,
        )
        .await
        .unwrap();
        assert_eq!(
            targets::table(&t.db, &admin, None, 2026)
                .await
                .unwrap()
                .1
                .units,
            1,
            "{}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn open_visit_actions_are_carried_over_and_checked_at_the_next_visit() {
    for t in testing::all().await {
        seeded(&t).await;
        let unit = operating_unit(
            &t,
            "IBM-V",
            "32.73.01.1001",
            "BNNK-32.73",
            "apbn",
            "2025-01-02",
        )
        .await;
        let bnnk = who(&t, "bnnk.bandung").await;
        let act = |d: &str| ActionInput {
            description: d.into(),
            owner: "Ketua AP".into(),
            due_date: "2025-04-30".into(),
        };
        let first = VisitInput {
            visit_date: "2025-03-01".into(),
            mode: "luring".into(),
            findings: "Posko belum ada".into(),
            recommendations: "".into(),
            actions: vec![act("Siapkan posko"), act("Latih 2 AP baru")],
            reviews: vec![],
        };
        visits::record(&t.db, Actor::User(&bnnk), unit, &first)
            .await
            .unwrap();
        let open = visits::open_actions(&t.db, &bnnk, unit).await.unwrap();
        assert_eq!(open.len(), 2, "{}", t.label);

        // The next visit must check both.
        let mut second = VisitInput {
            visit_date: "2025-05-02".into(),
            mode: "daring".into(),
            findings: "".into(),
            recommendations: "".into(),
            actions: vec![],
            reviews: vec![],
        };
        let err = visits::record(&t.db, Actor::User(&bnnk), unit, &second)
            .await
            .unwrap_err();
        assert!(
            matches!(err, DbError::State(ref m) if m.key == "err-reviews-needed" && m.args["count"] == "2"),
            "{err}"
        );
        second.reviews = vec![
            ReviewInput {
                action_id: open[0].id,
                status: "selesai".into(),
                note: "posko aktif".into(),
            },
            ReviewInput {
                action_id: open[1].id,
                status: "terbuka".into(),
                note: "jadwal pelatihan Juni".into(),
            },
        ];
        let v2 = visits::record(&t.db, Actor::User(&bnnk), unit, &second)
            .await
            .unwrap();
        let open = visits::open_actions(&t.db, &bnnk, unit).await.unwrap();
        assert_eq!(
            open.iter()
                .map(|a| a.description.as_str())
                .collect::<Vec<_>>(),
            vec!["Latih 2 AP baru"],
            "{}",
            t.label
        );
        let history = visits::list(&t.db, &bnnk, unit).await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].id, v2);
        assert_eq!(history[0].reviews.len(), 2);
        assert_eq!(
            history[1]
                .actions
                .iter()
                .find(|a| a.description == "Siapkan posko")
                .unwrap()
                .closed_visit_id,
            Some(v2)
        );
        // Reviewing an action that is not open is refused.
        let third = VisitInput {
            visit_date: "2025-07-01".into(),
            mode: "daring".into(),
            findings: "".into(),
            recommendations: "".into(),
            actions: vec![],
            reviews: vec![
                ReviewInput {
                    action_id: open[0].id,
                    status: "selesai".into(),
                    note: "".into(),
                },
                ReviewInput {
                    action_id: 999_999,
                    status: "selesai".into(),
                    note: "".into(),
                },
            ],
        };
        assert!(
            visits::record(&t.db, Actor::User(&bnnk), unit, &third)
                .await
                .is_err()
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn unit_data_and_agents_are_visible_and_writable_only_within_scope() {
    for t in testing::all().await {
        seeded(&t).await;
        let (bandung, bogor, jabar) = (
            who(&t, "bnnk.bandung").await,
            who(&t, "bnnk.bogor").await,
            who(&t, "bnnp.jabar").await,
        );
        let office = offices::by_code(&t.db, "BNNK-32.73").await.unwrap();
        let bogor_office = offices::by_code(&t.db, "BNNK-32.71").await.unwrap();
        // Registering a unit on another district's office is refused.
        assert!(matches!(
            units::create(
                &t.db,
                Actor::User(&bogor),
                &unit_input("IBM-X", "32.73.01.1001", office.id, "apbn"),
                2025
            )
            .await,
            Err(DbError::Forbidden(_))
        ));
        assert!(matches!(
            units::create(
                &t.db,
                Actor::User(&bandung),
                &unit_input("IBM-X", "99.99.99.9999", office.id, "apbn"),
                2025
            )
            .await,
            Err(DbError::Missing(_))
        ));
        assert!(matches!(
            units::create(
                &t.db,
                Actor::User(&bandung),
                &unit_input("IBM-X", "32.73.01", office.id, "apbn"),
                2025
            )
            .await,
            Err(DbError::Invalid(_))
        ));
        let before = audit::count(&t.db).await.unwrap();
        let unit = units::create(
            &t.db,
            Actor::User(&bandung),
            &unit_input("IBM-X", "32.73.01.1001", office.id, "apbn"),
            2025,
        )
        .await
        .unwrap();
        assert_eq!(unit.status, "diusulkan");
        assert_eq!(unit.village_name, "Sukarasa");
        let agent = agents::AgentInput {
            full_name: "Siti".into(),
            sex: "p".into(),
            role: "ketua".into(),
            phone: "0812".into(),
            joined_year: 2025,
            active: true,
        };
        let agent_id = agents::add(&t.db, Actor::User(&bandung), unit.id, &agent)
            .await
            .unwrap();
        agents::add_training(
            &t.db,
            Actor::User(&bandung),
            agent_id,
            "ap_dasar",
            "2025-02-10",
        )
        .await
        .unwrap();
        assert!(
            agents::add_training(
                &t.db,
                Actor::User(&bandung),
                agent_id,
                "kursus_fiktif",
                "2025-02-10"
            )
            .await
            .is_err()
        );
        assert_eq!(
            audit::count(&t.db).await.unwrap(),
            before + 3,
            "{}: unit, agent, training audited",
            t.label
        );

        assert!(matches!(
            units::get(&t.db, &bogor, unit.id).await,
            Err(DbError::Forbidden(_))
        ));
        assert!(matches!(
            agents::list(&t.db, &bogor, unit.id).await,
            Err(DbError::Forbidden(_))
        ));
        assert!(matches!(
            agents::add(&t.db, Actor::User(&bogor), unit.id, &agent).await,
            Err(DbError::Forbidden(_))
        ));
        let ag = agents::list(&t.db, &jabar, unit.id).await.unwrap();
        assert_eq!(
            (ag.len(), ag[0].trainings.len(), ag[0].phone.as_str()),
            (1, 1, "0812"),
            "{}",
            t.label
        );
        assert_eq!(
            units::list(
                &t.db,
                &bogor,
                &units::UnitFilter {
                    limit: 100,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .1,
            0
        );
        assert_eq!(
            units::list(
                &t.db,
                &jabar,
                &units::UnitFilter {
                    limit: 100,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .1,
            1
        );
        // Moving the unit to Bogor needs write access to Bogor too.
        let moved = UnitInput {
            office_id: bogor_office.id,
            ..unit_input("IBM-X", "32.71.01.1001", office.id, "apbn")
        };
        // …and an office that covers the unit's village: Bandung's village stays with Bandung.
        let stray = UnitInput {
            office_id: bogor_office.id,
            ..unit_input("IBM-X", "32.73.01.1001", office.id, "apbn")
        };
        assert!(matches!(
            units::update(&t.db, Actor::User(&jabar), unit.id, &stray).await,
            Err(DbError::Invalid(m)) if m.key == "xchg-office-not-covering"
        ));
        assert!(matches!(
            units::update(&t.db, Actor::User(&bandung), unit.id, &moved).await,
            Err(DbError::Forbidden(_))
        ));
        assert!(
            units::update(&t.db, Actor::User(&jabar), unit.id, &moved)
                .await
                .is_ok()
        );

        // Status rules: forming needs the SK; deactivation needs a reason.
        let mut no_sk = unit_input("IBM-Y", "32.73.01.1002", office.id, "apbn");
        no_sk.decree_number.clear();
        let y = units::create(&t.db, Actor::User(&jabar), &no_sk, 2025)
            .await
            .unwrap();
        assert!(matches!(
            units::change_status(
                &t.db,
                Actor::User(&jabar),
                y.id,
                UnitStatus::Formed,
                "",
                "2025-02-01"
            )
            .await,
            Err(DbError::State(_))
        ));
        assert!(matches!(
            units::change_status(
                &t.db,
                Actor::User(&jabar),
                y.id,
                UnitStatus::Operating,
                "",
                "2025-02-01"
            )
            .await,
            Err(DbError::State(_))
        ));
        assert!(
            units::change_status(
                &t.db,
                Actor::User(&jabar),
                y.id,
                UnitStatus::Dissolved,
                "tidak ada AP",
                "2025-02-01"
            )
            .await
            .is_ok()
        );
        assert_eq!(
            units::status_history(&t.db, &jabar, y.id)
                .await
                .unwrap()
                .len(),
            1
        );

        // Evaluation with obstacles and drivers from the configurable lists.
        let factors = pantau_db::reference::items(&t.db, "obstacle", false)
            .await
            .unwrap();
        let input = evaluations::EvaluationInput {
            operational_status: "operasional".into(),
            factor_ids: vec![factors[0].id, factors[2].id],
            obstacles_text: "stigma kuat".into(),
            drivers_text: "".into(),
            solutions: "sosialisasi keluarga".into(),
            version: Some(0),
        };
        evaluations::save(&t.db, Actor::User(&jabar), unit.id, 2025, &input)
            .await
            .unwrap();
        assert!(
            matches!(
                evaluations::save(&t.db, Actor::User(&bandung), unit.id, 2025, &input).await,
                Err(DbError::Forbidden(_))
            ),
            "moved to Bogor now"
        );
        let summary = evaluations::factor_summary(&t.db, &jabar, 2025, None)
            .await
            .unwrap();
        assert_eq!(summary.len(), 2, "{}", t.label);
        t.finish().await;
    }
}

/// A small deterministic generator for the property test.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

/// Recounts the dashboard figures straight from the raw rows, independently of the dashboard code.
async fn recount(
    t: &TestDb,
    year: i64,
    today: NaiveDate,
) -> (i64, [i64; 4], i64, i64, i64, usize, usize, usize) {
    use sqlx::Row;
    let rows = sqlx::query(
        "SELECT y.unit_id, y.category, y.target_stage_id, y.confirmed FROM ibm_unit_years y WHERE y.year = $1",
    )
    .bind(year)
    .fetch_all(t.db.pool())
    .await
    .unwrap();
    let stage_ordinal: std::collections::HashMap<i64, i64> =
        sqlx::query("SELECT id, ordinal FROM ibm_stages")
            .fetch_all(t.db.pool())
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get("id"), r.get("ordinal")))
            .collect();
    let (mut units, mut cats, mut with_target, mut assessed, mut on_target) =
        (0, [0i64; 4], 0, 0, 0);
    let mut counted = Vec::new();
    for r in &rows {
        let confirmed: bool = r
            .try_get::<bool, _>("confirmed")
            .or_else(|_| r.try_get::<i64, _>("confirmed").map(|v| v != 0))
            .unwrap();
        if !confirmed {
            continue;
        }
        let unit: i64 = r.get("unit_id");
        counted.push(unit);
        units += 1;
        let idx = [
            "berkelanjutan",
            "berkelanjutan_mandiri",
            "baru",
            "baru_mandiri",
        ]
        .iter()
        .position(|c| *c == r.get::<String, _>("category"))
        .unwrap();
        cats[idx] += 1;
        let target: Option<i64> = r
            .get::<Option<i64>, _>("target_stage_id")
            .map(|s| stage_ordinal[&s]);
        with_target += target.is_some() as i64;
        let a = sqlx::query(
            "SELECT status, achieved_ordinal FROM ibm_assessments WHERE unit_id = $1 AND year = $2",
        )
        .bind(unit)
        .bind(year)
        .fetch_optional(t.db.pool())
        .await
        .unwrap();
        if let Some(a) = a {
            if a.get::<String, _>("status") == "final" {
                assessed += 1;
                let achieved: Option<i64> = a.get("achieved_ordinal");
                if let (Some(t), Some(a)) = (target, achieved) {
                    on_target += (a >= t) as i64;
                }
            }
        }
    }
    // Reporting: every month of `year` from the first move to operating, due 10 days after its
    // end; a dissolved unit no longer reports.
    let (mut on_time, mut late, mut missing) = (0, 0, 0);
    for unit in counted {
        let status: String = sqlx::query("SELECT status FROM ibm_units WHERE id = $1")
            .bind(unit)
            .fetch_one(t.db.pool())
            .await
            .unwrap()
            .get("status");
        if status == UnitStatus::Dissolved.as_str() {
            continue;
        }
        let since: Option<String> = sqlx::query("SELECT MIN(effective_date) AS s FROM ibm_unit_status_log WHERE unit_id = $1 AND to_status = 'operasional'")
            .bind(unit).fetch_one(t.db.pool()).await.unwrap().get("s");
        let Some(since) = since.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()) else {
            continue;
        };
        for month in 1..=12u32 {
            let first = NaiveDate::from_ymd_opt(year as i32, month, 1).unwrap();
            let next = if month == 12 {
                NaiveDate::from_ymd_opt(year as i32 + 1, 1, 1).unwrap()
            } else {
                NaiveDate::from_ymd_opt(year as i32, month + 1, 1).unwrap()
            };
            if next
                <= NaiveDate::from_ymd_opt(
                    pantau_db::chrono::Datelike::year(&since),
                    pantau_db::chrono::Datelike::month(&since),
                    1,
                )
                .unwrap()
            {
                continue;
            }
            let due = next.pred_opt().unwrap() + pantau_db::chrono::Duration::days(10);
            if first > today {
                continue;
            }
            let sub: Option<String> = sqlx::query(
                "SELECT submitted_on FROM ibm_reports WHERE unit_id = $1 AND period = $2",
            )
            .bind(unit)
            .bind(format!("{year}-{month:02}"))
            .fetch_optional(t.db.pool())
            .await
            .unwrap()
            .map(|r| r.get("submitted_on"));
            // A report counts when it arrived; a missing one only once its due date has passed.
            match sub.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()) {
                Some(d) if d <= due => on_time += 1,
                Some(_) => late += 1,
                None if today > due => missing += 1,
                None => {}
            }
        }
    }
    (
        units,
        cats,
        with_target,
        assessed,
        on_target,
        on_time,
        late,
        missing,
    )
}

#[tokio::test]
async fn dashboard_figures_equal_a_recount_after_random_inserts_edits_and_deletes() {
    for t in testing::all().await {
        seeded(&t).await;
        let sys = Actor::System("test");
        let admin = who(&t, "admin.pusat").await;
        let all_stages = stages::list(&t.db).await.unwrap();
        let mut rng = Rng(if t.label == "sqlite" { 7 } else { 11 });
        let offices_codes = ["BNNK-32.73", "BNNK-32.71", "BNNP-32", "BNNK-32.75"];
        let villages = [
            "32.73.01.1001",
            "32.71.01.1001",
            "32.04.05.2001",
            "32.75.01.1001",
        ];
        let today = NaiveDate::from_ymd_opt(2025, 11, 3).unwrap();
        let cats = [
            Category::Berkelanjutan,
            Category::BerkelanjutanMandiri,
            Category::Baru,
            Category::BaruMandiri,
        ];
        let mut units_made = Vec::new();
        let mut codes: std::collections::HashMap<i64, String> = Default::default();
        for round in 0..150 {
            match rng.below(11) {
                // Insert a unit operating from some month of 2025.
                0 | 1 => {
                    let k = rng.below(4) as usize;
                    let since = format!("2025-{:02}-05", 1 + rng.below(9));
                    let id = operating_unit(
                        &t,
                        &format!("IBM-P{round}"),
                        villages[k],
                        offices_codes[k],
                        "apbn",
                        &since,
                    )
                    .await;
                    let target = (rng.below(3) > 0).then(|| all_stages[rng.below(4) as usize].id);
                    units::set_year(&t.db, sys, id, 2025, cats[rng.below(4) as usize], target)
                        .await
                        .unwrap();
                    units_made.push(id);
                    codes.insert(id, format!("IBM-P{round}"));
                }
                // Edit a unit's year: category and target.
                2 if !units_made.is_empty() => {
                    let id = units_made[rng.below(units_made.len() as u64) as usize];
                    let target = (rng.below(2) == 0).then(|| all_stages[rng.below(4) as usize].id);
                    units::set_year(&t.db, sys, id, 2025, cats[rng.below(4) as usize], target)
                        .await
                        .unwrap();
                }
                // Assess: save, then move a random number of steps; sometimes return and redo.
                3 if !units_made.is_empty() => {
                    let id = units_made[rng.below(units_made.len() as u64) as usize];
                    let current = assessments::get(&t.db, &admin, id, 2025).await.unwrap();
                    if current.as_ref().is_some_and(|a| a.status == "final") {
                        continue;
                    }
                    if current.as_ref().is_some_and(|a| a.status != "draft") {
                        assessments::apply(&t.db, sys, id, 2025, AssessmentAction::Return)
                            .await
                            .unwrap();
                    }
                    assessments::save(
                        &t.db,
                        sys,
                        id,
                        2025,
                        &answers_up_to(&all_stages, rng.below(5) as i64),
                        "",
                    )
                    .await
                    .unwrap();
                    let steps = if rng.below(2) == 0 {
                        3
                    } else {
                        rng.below(3) as usize
                    };
                    for step in [
                        AssessmentAction::Submit,
                        AssessmentAction::Verify,
                        AssessmentAction::Finalize,
                    ]
                    .iter()
                    .take(steps)
                    {
                        assessments::apply(&t.db, sys, id, 2025, *step)
                            .await
                            .unwrap();
                    }
                }
                // Submit (or resubmit) a report, on time or late.
                4..=7 if !units_made.is_empty() => {
                    let id = units_made[rng.below(units_made.len() as u64) as usize];
                    let month = 1 + rng.below(10) as u32;
                    let submitted = NaiveDate::from_ymd_opt(2025, month, 28).unwrap()
                        + pantau_db::chrono::Duration::days(rng.below(40) as i64);
                    let lines = vec![ReportLine {
                        kind: "activity".into(),
                        item_code: "sosialisasi".into(),
                        sex: String::new(),
                        age_band: String::new(),
                        risk_level: String::new(),
                        count: 1,
                    }];
                    reports::submit(
                        &t.db,
                        sys,
                        id,
                        &format!("2025-{month:02}"),
                        &lines,
                        "",
                        Some(submitted.min(today)),
                        reports::Replaces::Own,
                    )
                    .await
                    .unwrap();
                }
                // Delete: withdraw a report that exists.
                8 if !units_made.is_empty() => {
                    let id = units_made[rng.below(units_made.len() as u64) as usize];
                    for month in 1..=10 {
                        if reports::withdraw(&t.db, sys, id, &format!("2025-{month:02}"))
                            .await
                            .is_ok()
                        {
                            break;
                        }
                    }
                }
                // Dissolve a unit (its reporting leaves the figures; its targets stay).
                9 if !units_made.is_empty() && rng.below(3) == 0 => {
                    let id = units_made[rng.below(units_made.len() as u64) as usize];
                    let _ = units::change_status(
                        &t.db,
                        sys,
                        id,
                        UnitStatus::Dissolved,
                        "tidak aktif lagi",
                        "2025-09-01",
                    )
                    .await;
                }
                // Move a unit to another office (and village there).
                10 if !units_made.is_empty() => {
                    let id = units_made[rng.below(units_made.len() as u64) as usize];
                    let k = rng.below(4) as usize;
                    let office = offices::by_code(&t.db, offices_codes[k]).await.unwrap();
                    units::update(
                        &t.db,
                        sys,
                        id,
                        &unit_input(&codes[&id], villages[k], office.id, "apbn"),
                    )
                    .await
                    .unwrap();
                }
                _ => {}
            }
        }
        // The maintained roll-ups equal a rebuild from the raw rows.
        {
            use pantau_db::ibm::rollup;
            let mut conn = t.db.pool().acquire().await.unwrap();
            let maintained = rollup::snapshot(&mut conn).await.unwrap();
            rollup::rebuild(&mut conn).await.unwrap();
            let rebuilt = rollup::snapshot(&mut conn).await.unwrap();
            assert!(!maintained.is_empty());
            assert_eq!(maintained, rebuilt, "{}: maintained vs rebuilt", t.label);
        }
        let d = pantau_db::dashboard::ibm(&t.db, &admin, None, 2025, today)
            .await
            .unwrap();
        let (units, cats_n, with_target, assessed, on_target, on_time, late, missing) =
            recount(&t, 2025, today).await;
        assert!(units > 3, "{}: the random series made units", t.label);
        assert!(
            on_time > 0 && late > 0 && missing > 0 && assessed > 0,
            "{}: the series covers every case ({on_time}/{late}/{missing}/{assessed})",
            t.label
        );
        assert_eq!(d.total.units, units, "{}", t.label);
        assert_eq!(
            [
                d.total.berkelanjutan,
                d.total.berkelanjutan_mandiri,
                d.total.baru,
                d.total.baru_mandiri
            ],
            cats_n,
            "{}",
            t.label
        );
        assert_eq!(
            (d.total.with_target, d.total.assessed, d.total.on_target),
            (with_target, assessed, on_target),
            "{}",
            t.label
        );
        assert_eq!(
            (d.reporting.on_time, d.reporting.late, d.reporting.missing),
            (on_time, late, missing),
            "{}",
            t.label
        );
        // Silent units agree with the per-period compliance of each unit.
        let slow: std::collections::BTreeSet<i64> = reports::compliance(&t.db, &admin, None, today)
            .await
            .unwrap()
            .iter()
            .filter(|c| c.silent)
            .map(|c| c.unit_id)
            .collect();
        let fast: std::collections::BTreeSet<i64> = d.silent.iter().map(|s| s.0).collect();
        assert_eq!(fast, slow, "{}: silent units", t.label);
        // The roll-up path and the computed path agree figure for figure.
        let computed = pantau_db::dashboard::ibm_computed(&t.db, &admin, None, 2025, today)
            .await
            .unwrap();
        assert_eq!(d.total, computed.total, "{}", t.label);
        assert_eq!(d.rows, computed.rows, "{}", t.label);
        assert_eq!(d.reporting, computed.reporting, "{}", t.label);
        assert_eq!(d.trend, computed.trend, "{}", t.label);
        let computed_silent: std::collections::BTreeSet<i64> =
            computed.silent.iter().map(|s| s.0).collect();
        assert_eq!(fast, computed_silent, "{}", t.label);
        // Rows add up to the total at every level.
        let sum: i64 = d.rows.iter().map(|r| r.targets.units).sum();
        assert_eq!(sum, d.total.units);
        let jabar = offices::by_code(&t.db, "BNNP-32").await.unwrap().id;
        let dj = pantau_db::dashboard::ibm(&t.db, &admin, Some(jabar), 2025, today)
            .await
            .unwrap();
        assert_eq!(
            dj.rows.iter().map(|r| r.reporting.expected).sum::<usize>(),
            dj.reporting.expected,
            "{}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn the_scale_generator_writes_units_with_five_years_and_the_dashboard_still_recounts() {
    for t in testing::all().await {
        seeded(&t).await;
        let s = pantau_db::demo::scale::generate(&t.db, 60, &|_| {})
            .await
            .unwrap();
        assert_eq!(s.units, 60, "{}", t.label);
        assert!(
            s.reports > 60 * 60 * 8 / 10 && s.reports < 60 * 60,
            "{}: about nine in ten monthly reports ({})",
            t.label,
            s.reports
        );
        let admin = who(&t, "admin.pusat").await;
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let d = pantau_db::dashboard::ibm(&t.db, &admin, None, 2025, today)
            .await
            .unwrap();
        let (units, cats_n, with_target, _, _, on_time, late, missing) =
            recount(&t, 2025, today).await;
        assert_eq!(d.total.units, units);
        assert_eq!(units, 60, "{}", t.label);
        assert_eq!(
            [
                d.total.berkelanjutan,
                d.total.berkelanjutan_mandiri,
                d.total.baru,
                d.total.baru_mandiri
            ],
            cats_n
        );
        assert_eq!(d.total.with_target, with_target);
        assert_eq!(
            (d.reporting.on_time, d.reporting.late, d.reporting.missing),
            (on_time, late, missing),
            "{}",
            t.label
        );
        assert!(late > 0 && missing > 0);
        t.finish().await;
    }
}
