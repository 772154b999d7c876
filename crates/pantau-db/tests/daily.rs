//! An officer's day, on every configured backend: a task of "Tugas saya" appears for who must
//! do it and leaves the list once it is done; a save from a stale page never overwrites.

mod common;
use common::*;

use pantau_core::ibm::AssessmentAction;
use pantau_db::ibm::{assessments as stage_assessments, evaluations, reports, stages};
use pantau_db::tasks::{self, TaskKind, TaskRecord};
use pantau_db::{Actor, testing};

async fn count(t: &testing::TestDb, user: &str, kind: TaskKind, today: &str) -> i64 {
    let p = who(t, user).await;
    tasks::counts(&t.db, &p, d(today))
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.kind == kind)
        .map_or(0, |c| c.count)
}

#[tokio::test]
async fn a_late_report_is_a_task_of_the_district_until_it_is_sent() {
    for t in testing::all().await {
        seeded(&t).await;
        let unit = operating_unit(
            &t,
            "IBM-TUGAS",
            "32.73.01.1001",
            "BNNK-32.73",
            "apbn",
            "2025-01-02",
        )
        .await;
        // Monthly reports due ten days after the month: on 15 March, February's is late.
        let today = "2026-03-15";
        let officer = who(&t, "bnnk.bandung").await;
        let late = tasks::items(&t.db, &officer, TaskKind::ReportLate, d(today))
            .await
            .unwrap();
        assert!(
            late.iter()
                .any(|i| i.record == TaskRecord::Unit { unit_id: unit }),
            "{}: {late:?}",
            t.label
        );
        // Another district's officer has no such task.
        assert_eq!(
            count(&t, "bnnk.bogor", TaskKind::ReportLate, today).await,
            0,
            "{}",
            t.label
        );
        let before = count(&t, "bnnk.bandung", TaskKind::ReportLate, today).await;
        reports::submit(
            &t.db,
            Actor::User(&officer),
            unit,
            "2026-02",
            &[],
            "",
            None,
            reports::Replaces::Own,
        )
        .await
        .unwrap();
        assert_eq!(
            count(&t, "bnnk.bandung", TaskKind::ReportLate, today).await,
            before - 1,
            "{}",
            t.label
        );
        // March's report is due this period until 10 April.
        let due = tasks::items(&t.db, &officer, TaskKind::ReportDue, d(today))
            .await
            .unwrap();
        assert!(
            due.iter()
                .any(|i| i.record == TaskRecord::Unit { unit_id: unit }),
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn a_submitted_assessment_waits_for_someone_else_to_verify_it() {
    for t in testing::all().await {
        seeded(&t).await;
        let unit = operating_unit(
            &t,
            "IBM-VERIF",
            "32.73.01.1001",
            "BNNK-32.73",
            "apbn",
            "2025-01-02",
        )
        .await;
        let (bnnk, bnnp) = (who(&t, "bnnk.bandung").await, who(&t, "bnnp.jabar").await);
        let all = stages::list(&t.db).await.unwrap();
        stage_assessments::save(
            &t.db,
            Actor::User(&bnnk),
            unit,
            2025,
            &answers_up_to(&all, 1),
            "",
        )
        .await
        .unwrap();
        let today = "2025-12-01";
        let drafts = count(&t, "bnnk.bandung", TaskKind::StageDraft, today).await;
        assert!(drafts >= 1, "{}", t.label);
        let waiting = count(&t, "bnnp.jabar", TaskKind::StageVerify, today).await;
        stage_assessments::apply(
            &t.db,
            Actor::User(&bnnk),
            unit,
            2025,
            AssessmentAction::Submit,
        )
        .await
        .unwrap();
        assert_eq!(
            count(&t, "bnnk.bandung", TaskKind::StageDraft, today).await,
            drafts - 1,
            "{}",
            t.label
        );
        let verify = tasks::items(&t.db, &bnnp, TaskKind::StageVerify, d(today))
            .await
            .unwrap();
        assert_eq!(verify.len() as i64, waiting + 1, "{}", t.label);
        assert!(verify.iter().any(|i| i.record
            == TaskRecord::StageAssessment {
                unit_id: unit,
                year: 2025
            }));
        // The district cannot verify: the task is not theirs.
        assert!(
            !tasks::counts(&t.db, &bnnk, d(today))
                .await
                .unwrap()
                .iter()
                .any(|c| c.kind == TaskKind::StageVerify),
            "{}",
            t.label
        );
        stage_assessments::apply(
            &t.db,
            Actor::User(&bnnp),
            unit,
            2025,
            AssessmentAction::Verify,
        )
        .await
        .unwrap();
        assert_eq!(
            count(&t, "bnnp.jabar", TaskKind::StageVerify, today).await,
            waiting,
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn an_evaluation_saved_from_an_older_version_is_refused_not_overwritten() {
    for t in testing::all().await {
        seeded(&t).await;
        let unit = operating_unit(
            &t,
            "IBM-VERSI",
            "32.73.01.1001",
            "BNNK-32.73",
            "apbn",
            "2025-01-02",
        )
        .await;
        let jabar = who(&t, "bnnp.jabar").await;
        let unit = pantau_db::ibm::units::get(&t.db, &jabar, unit)
            .await
            .unwrap();
        let input = evaluations::EvaluationInput {
            operational_status: "operasional".into(),
            solutions: "sosialisasi keluarga".into(),
            version: Some(0),
            ..Default::default()
        };
        evaluations::save(&t.db, Actor::User(&jabar), unit.id, 2025, &input)
            .await
            .unwrap();
        // Two people opened the saved evaluation (version 1); the first save wins, the second,
        // made from the same version, is refused instead of overwriting it.
        let stored = evaluations::get(&t.db, &jabar, unit.id, 2025)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.version, 1, "{}", t.label);
        let first = evaluations::EvaluationInput {
            solutions: "pendampingan keluarga".into(),
            version: Some(1),
            ..input.clone()
        };
        let second = evaluations::EvaluationInput {
            solutions: "sosialisasi sekolah".into(),
            version: Some(1),
            ..input.clone()
        };
        evaluations::save(&t.db, Actor::User(&jabar), unit.id, 2025, &first)
            .await
            .unwrap();
        let stale = evaluations::save(&t.db, Actor::User(&jabar), unit.id, 2025, &second).await;
        assert!(
            matches!(&stale, Err(e) if e.is_edited_meanwhile()),
            "{}: {stale:?}",
            t.label
        );
        // A first save from "no evaluation yet" is refused too once one exists.
        let fresh = evaluations::EvaluationInput {
            version: Some(0),
            ..second.clone()
        };
        assert!(
            evaluations::save(&t.db, Actor::User(&jabar), unit.id, 2025, &fresh)
                .await
                .is_err_and(|e| e.is_edited_meanwhile()),
            "{}",
            t.label
        );
        let kept = evaluations::get(&t.db, &jabar, unit.id, 2025)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (kept.input.solutions.as_str(), kept.version),
            ("pendampingan keluarga", 2),
            "{}",
            t.label
        );
    }
}
