//! SNI 8807 coaching through storage, on every configured backend.

use pantau_core::ibm::{ActionStatus, AssessmentAction};
use pantau_core::sni::{AssessmentKind, Expiry};
use pantau_db::sni::assessments::{self, ScoreInput};
use pantau_db::sni::cohorts::{self};
use pantau_db::sni::evidence::EvidenceStore;
use pantau_db::sni::institutions::{self};
use pantau_db::sni::sessions::{self, ActionInput, SessionInput};
use pantau_db::sni::{instrument, outcomes};
use pantau_db::testing::{self};
use pantau_db::{Actor, DbError, exchange};

mod common;
use common::*;

#[tokio::test]
async fn scores_are_weighted_per_aspect_and_overall_and_not_applicable_is_excluded() {
    for t in testing::all().await {
        let w = sni_world(&t).await;
        let sys = Actor::System("test");
        let inst = instrument::active(&t.db).await.unwrap();
        assert_eq!(
            (inst.aspects.len(), inst.requirements.len()),
            (4, 18),
            "{}",
            t.label
        );
        let a = assessments::open(
            &t.db,
            sys,
            w.participant_bdg,
            AssessmentKind::Baseline,
            "2026-06-05",
        )
        .await
        .unwrap();
        // Everything met, except: K2 (weight 1) partly, P3 not applicable, S3 (weight 1) not met.
        score_all(
            &t,
            sys,
            a,
            "penuh",
            &[("K2", "sebagian"), ("P3", "tb"), ("S3", "belum")],
        )
        .await;
        let admin = who(&t, "admin.pusat").await;
        let s = assessments::get(&t.db, &admin, a).await.unwrap();
        let aspect = |code: &str| inst.aspects.iter().find(|x| x.code == code).unwrap().id;
        // Kelembagaan weights 2,1,2,1,1 = 7; K2 half → 6.5 / 7.
        assert_eq!(
            s.summary.aspects[&aspect("kelembagaan")].pct(),
            Some(92.9),
            "{}",
            t.label
        );
        // SDM weights 2,1,1,1 = 5; S3 missing → 4 / 5.
        assert_eq!(s.summary.aspects[&aspect("sdm")].pct(), Some(80.0));
        // Sarpras 2,1,(1 n/a),1 = 4 applicable → 100 %.
        assert_eq!(s.summary.aspects[&aspect("sarpras")].pct(), Some(100.0));
        assert_eq!(s.summary.aspects[&aspect("sarpras")].applicable, 3);
        // Overall: total applicable weight 25 - 1 (P3) = 24; earned 24 - 0.5 - 1 = 22.5 → 93.8 %.
        assert_eq!(s.summary.overall.pct(), Some(93.8), "{}", t.label);
        assert!(s.passes && s.summary.mandatory_unmet.is_empty());
        let gap_codes: Vec<String> = s
            .gaps
            .iter()
            .map(|g| {
                inst.requirements
                    .iter()
                    .find(|r| r.id == *g)
                    .unwrap()
                    .code
                    .clone()
            })
            .collect();
        assert_eq!(
            gap_codes,
            vec!["S3", "K2"],
            "lowest first among non-mandatory"
        );
        // A mandatory requirement partly met fails the assessment whatever the share.
        score_all(&t, sys, a, "penuh", &[("L1", "sebagian")]).await;
        let s = assessments::get(&t.db, &admin, a).await.unwrap();
        assert!(!s.passes, "{}", t.label);
        assert_eq!(s.gaps.len(), 1);
        let bad = assessments::save_scores(
            &t.db,
            sys,
            a,
            &[ScoreInput {
                requirement_id: inst.requirements[0].id,
                scale_code: "luar_biasa".into(),
                comment: String::new(),
            }],
            "",
        )
        .await;
        assert!(matches!(bad, Err(DbError::Invalid(_))));
        let _ = w.participant_bogor;
        t.finish().await;
    }
}

#[tokio::test]
async fn the_assessment_workflow_and_the_improvement_from_baseline_to_final() {
    for t in testing::all().await {
        let w = sni_world(&t).await;
        let (op, bnnk, bnnp, admin) = (
            who(&t, "operator.lembaga").await,
            who(&t, "bnnk.bandung").await,
            who(&t, "bnnp.jabar").await,
            who(&t, "admin.pusat").await,
        );
        // The operator fills and submits its own self-assessment…
        let base = assessments::open(
            &t.db,
            Actor::User(&op),
            w.participant_bdg,
            AssessmentKind::Baseline,
            "2026-06-05",
        )
        .await
        .unwrap();
        score_all(&t, Actor::User(&op), base, "sebagian", &[]).await;
        assert!(
            matches!(
                assessments::apply(&t.db, Actor::User(&op), base, AssessmentAction::Verify).await,
                Err(DbError::State(_))
            ),
            "a draft is not verified"
        );
        assessments::apply(&t.db, Actor::User(&op), base, AssessmentAction::Submit)
            .await
            .unwrap();
        assert!(
            matches!(
                assessments::apply(&t.db, Actor::User(&op), base, AssessmentAction::Verify).await,
                Err(DbError::Forbidden(_))
            ),
            "nor by the institution itself"
        );
        assert!(
            matches!(
                assessments::save_scores(&t.db, Actor::User(&op), base, &[], "").await,
                Err(DbError::State(_))
            ),
            "no edits once submitted"
        );
        // …but cannot open the final one, nor touch another institution, nor read IBM data.
        assert!(matches!(
            assessments::open(
                &t.db,
                Actor::User(&op),
                w.participant_bdg,
                AssessmentKind::Final,
                "2026-11-20"
            )
            .await,
            Err(DbError::Forbidden(_))
        ));
        assert!(matches!(
            assessments::open(
                &t.db,
                Actor::User(&op),
                w.participant_bogor,
                AssessmentKind::Baseline,
                "2026-06-05"
            )
            .await,
            Err(DbError::Forbidden(_))
        ));
        assert!(matches!(
            institutions::get(&t.db, &op, w.inst_bogor).await,
            Err(DbError::Forbidden(_))
        ));
        assert_eq!(institutions::list(&t.db, &op).await.unwrap().len(), 1);
        assert_eq!(
            pantau_db::ibm::units::list(&t.db, &op, &Default::default())
                .await
                .unwrap()
                .1,
            0
        );
        assert!(
            matches!(
                assessments::open(
                    &t.db,
                    Actor::User(&op),
                    w.participant_bdg,
                    AssessmentKind::Baseline,
                    "2026-06-06"
                )
                .await,
                Err(_)
            ),
            "one baseline only"
        );

        assessments::apply(&t.db, Actor::User(&bnnp), base, AssessmentAction::Verify)
            .await
            .unwrap();
        assessments::apply(&t.db, Actor::User(&admin), base, AssessmentAction::Finalize)
            .await
            .unwrap();

        let last = assessments::open(
            &t.db,
            Actor::User(&bnnk),
            w.participant_bdg,
            AssessmentKind::Final,
            "2026-11-20",
        )
        .await
        .unwrap();
        score_all(&t, Actor::User(&bnnk), last, "penuh", &[("K2", "belum")]).await;
        assessments::apply(&t.db, Actor::User(&bnnk), last, AssessmentAction::Submit)
            .await
            .unwrap();
        assert!(matches!(
            assessments::apply(&t.db, Actor::User(&bnnk), last, AssessmentAction::Verify).await,
            Err(DbError::Forbidden(_))
        ));
        assessments::apply(&t.db, Actor::User(&bnnp), last, AssessmentAction::Verify)
            .await
            .unwrap();
        // Recommendation needs a final assessment that is final and passing.
        assert!(matches!(
            outcomes::recommend(
                &t.db,
                Actor::User(&admin),
                w.participant_bdg,
                "R-1",
                "2026-12-01",
                ""
            )
            .await,
            Err(DbError::State(_))
        ));
        assert!(matches!(
            assessments::apply(&t.db, Actor::User(&bnnp), last, AssessmentAction::Finalize).await,
            Err(DbError::Forbidden(_))
        ));
        assessments::apply(&t.db, Actor::User(&admin), last, AssessmentAction::Finalize)
            .await
            .unwrap();
        assert!(matches!(
            outcomes::recommend(
                &t.db,
                Actor::User(&bnnp),
                w.participant_bdg,
                "R-1",
                "2026-12-01",
                ""
            )
            .await,
            Err(DbError::Forbidden(_))
        ));
        outcomes::recommend(
            &t.db,
            Actor::User(&admin),
            w.participant_bdg,
            "R-1/2026",
            "2026-12-01",
            "penilaian akhir",
        )
        .await
        .unwrap();

        let cohort = cohorts::list(&t.db, &admin).await.unwrap()[0].id;
        let d = cohorts::dashboard(&t.db, &admin, cohort, "2026-12-02")
            .await
            .unwrap();
        let row = d
            .rows
            .iter()
            .find(|r| r.participant.institution_id == w.inst_bdg)
            .unwrap();
        assert_eq!(row.baseline_pct, Some(50.0), "{}", t.label);
        assert_eq!(row.latest_pct, Some(96.0), "24 of 25 weighted points");
        assert_eq!(row.improvement, Some(46.0), "{}", t.label);
        assert!(row.recommended && row.passes && !row.certified);
        assert_eq!((d.total.institutions, d.total.recommended), (2, 1));
        assert_eq!(d.by_ownership["komponen_masyarakat"].recommended, 1);
        assert_eq!(d.by_province["32"].institutions, 2);
        // The operator's dashboard holds its own institution only.
        let mine = cohorts::dashboard(&t.db, &op, cohort, "2026-12-02")
            .await
            .unwrap();
        assert_eq!(mine.rows.len(), 1, "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn sessions_track_follow_up_actions_and_certificates_warn_before_expiry() {
    for t in testing::all().await {
        let w = sni_world(&t).await;
        let (op, bnnk, bogor) = (
            who(&t, "operator.lembaga").await,
            who(&t, "bnnk.bandung").await,
            who(&t, "bnnk.bogor").await,
        );
        let inst = instrument::active(&t.db).await.unwrap();
        let k3 = inst
            .requirements
            .iter()
            .find(|r| r.code == "K3")
            .unwrap()
            .id;
        let input = SessionInput {
            session_type: "asistensi".into(),
            mode: "luring".into(),
            tier: "kabupaten".into(),
            held_on: "2026-07-01".into(),
            attendees: "Kepala lembaga, 2 konselor".into(),
            findings: "SOP belum disahkan".into(),
            topics: vec![k3],
            actions: vec![
                ActionInput {
                    description: "Sahkan SOP layanan".into(),
                    owner: "Kepala lembaga".into(),
                    due_date: "2026-08-01".into(),
                    requirement_id: Some(k3),
                },
                ActionInput {
                    description: "Latih konselor".into(),
                    owner: "BNNK".into(),
                    due_date: "2026-12-31".into(),
                    requirement_id: None,
                },
            ],
        };
        assert!(
            matches!(
                sessions::record(&t.db, Actor::User(&op), w.participant_bdg, &input).await,
                Err(DbError::Forbidden(_))
            ),
            "sessions are recorded by officers"
        );
        assert!(matches!(
            sessions::record(&t.db, Actor::User(&bogor), w.participant_bdg, &input).await,
            Err(DbError::Forbidden(_))
        ));
        sessions::record(&t.db, Actor::User(&bnnk), w.participant_bdg, &input)
            .await
            .unwrap();
        let (list, actions) = sessions::list(&t.db, &op, w.participant_bdg).await.unwrap();
        assert_eq!(
            (list.len(), list[0].topics.clone(), actions.len()),
            (1, vec![k3], 2),
            "{}",
            t.label
        );
        assert_eq!(sessions::overdue(&actions, "2026-09-01"), 1);
        // The institution reports progress on its action.
        sessions::set_action_status(&t.db, Actor::User(&op), actions[0].id, ActionStatus::Done)
            .await
            .unwrap();
        let (_, actions) = sessions::list(&t.db, &bnnk, w.participant_bdg)
            .await
            .unwrap();
        assert_eq!(sessions::overdue(&actions, "2026-09-01"), 0, "{}", t.label);
        let mut bad = input.clone();
        bad.topics = vec![999_999];
        assert!(matches!(
            sessions::record(&t.db, Actor::User(&bnnk), w.participant_bdg, &bad).await,
            Err(DbError::Missing(_))
        ));

        // Certification: applied → audit → certified, then the expiry warning.
        let c = outcomes::apply_certification(
            &t.db,
            Actor::User(&op),
            w.inst_bdg,
            "sucofindo",
            "2026-01-10",
        )
        .await
        .unwrap();
        let certified = outcomes::CertUpdate {
            status: "tersertifikasi".into(),
            certificate_number: "SNI-8807-001".into(),
            issued_on: Some("2024-01-15".into()),
            valid_until: Some("2027-01-14".into()),
        };
        assert!(
            matches!(
                outcomes::update_certification(&t.db, Actor::User(&op), c, &certified).await,
                Err(DbError::State(_))
            ),
            "applied cannot jump to certified"
        );
        outcomes::update_certification(
            &t.db,
            Actor::User(&op),
            c,
            &outcomes::CertUpdate {
                status: "audit".into(),
                certificate_number: String::new(),
                issued_on: None,
                valid_until: None,
            },
        )
        .await
        .unwrap();
        let no_number = outcomes::CertUpdate {
            certificate_number: String::new(),
            ..certified.clone()
        };
        assert!(
            outcomes::update_certification(&t.db, Actor::User(&op), c, &no_number)
                .await
                .is_err()
        );
        outcomes::update_certification(&t.db, Actor::User(&op), c, &certified)
            .await
            .unwrap();
        let today = pantau_db::chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let warn = outcomes::expiring(&t.db, &bnnk, today, 90).await.unwrap();
        assert_eq!(warn.len(), 1, "{}", t.label);
        assert_eq!(warn[0].2, Expiry::ExpiringSoon { days_left: 53 });
        assert!(
            outcomes::expiring(&t.db, &bogor, today, 90)
                .await
                .unwrap()
                .is_empty(),
            "not in Bogor's scope"
        );
        let later = pantau_db::chrono::NaiveDate::from_ymd_opt(2027, 2, 1).unwrap();
        assert_eq!(
            outcomes::expiring(&t.db, &bnnk, later, 90).await.unwrap()[0].2,
            Expiry::Expired
        );
        assert!(
            outcomes::expiring(
                &t.db,
                &bnnk,
                pantau_db::chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
                90
            )
            .await
            .unwrap()
            .is_empty()
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn evidence_files_are_checked_stored_outside_and_served_only_within_scope() {
    for t in testing::all().await {
        let w = sni_world(&t).await;
        let dir = std::env::temp_dir().join(format!(
            "pantau_evidence_{}",
            &pantau_db::sessions::random_token()[..12]
        ));
        let store = EvidenceStore::new(&dir);
        let (op, bnnk, bnnp, bogor) = (
            who(&t, "operator.lembaga").await,
            who(&t, "bnnk.bandung").await,
            who(&t, "bnnp.jabar").await,
            who(&t, "bnnk.bogor").await,
        );
        let base = assessments::open(
            &t.db,
            Actor::User(&op),
            w.participant_bdg,
            AssessmentKind::Baseline,
            "2026-06-05",
        )
        .await
        .unwrap();
        let req = instrument::active(&t.db).await.unwrap().requirements[0].id;
        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF".to_vec();
        let e = store
            .upload(
                &t.db,
                Actor::User(&op),
                base,
                req,
                "../../izin operasional.pdf",
                &pdf,
            )
            .await
            .unwrap();
        assert_eq!(
            (e.file_name.as_str(), e.content_type.as_str()),
            ("izin operasional.pdf", "application/pdf")
        );
        assert!(matches!(
            store
                .upload(
                    &t.db,
                    Actor::User(&op),
                    base,
                    req,
                    "x.html",
                    b"<script>alert(1)</script>"
                )
                .await,
            Err(DbError::Invalid(_))
        ));
        assert!(matches!(
            store
                .upload(&t.db, Actor::User(&op), base, req, "x.pdf", b"")
                .await,
            Err(DbError::Invalid(_))
        ));
        let huge = [
            b"%PDF-".to_vec(),
            vec![0u8; pantau_db::sni::evidence::MAX_BYTES],
        ]
        .concat();
        assert!(matches!(
            store
                .upload(&t.db, Actor::User(&op), base, req, "big.pdf", &huge)
                .await,
            Err(DbError::Invalid(_))
        ));
        assert!(matches!(
            store
                .upload(&t.db, Actor::User(&bogor), base, req, "x.pdf", &pdf)
                .await,
            Err(DbError::Forbidden(_))
        ));

        for reader in [&op, &bnnk, &bnnp] {
            let (meta, bytes) = store.read(&t.db, reader, e.id).await.unwrap();
            assert_eq!((meta.id, bytes.clone()), (e.id, pdf.clone()), "{}", t.label);
        }
        assert!(
            matches!(
                store.read(&t.db, &bogor, e.id).await,
                Err(DbError::Forbidden(_))
            ),
            "{}",
            t.label
        );
        assert_eq!(
            assessments::get(&t.db, &bnnk, base)
                .await
                .unwrap()
                .assessment
                .kind,
            "awal"
        );
        // Stored under a random name inside the store, not under the uploaded name.
        let stored: Vec<_> = walk(&dir);
        assert_eq!(stored.len(), 1);
        assert!(!stored[0].contains("izin"));
        // No more uploads once submitted.
        assessments::apply(&t.db, Actor::User(&op), base, AssessmentAction::Submit)
            .await
            .unwrap();
        assert!(matches!(
            store
                .upload(&t.db, Actor::User(&op), base, req, "x.pdf", &pdf)
                .await,
            Err(DbError::State(_))
        ));
        let _ = std::fs::remove_dir_all(&dir);
        t.finish().await;
    }
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    out
}

#[tokio::test]
async fn an_instrument_is_imported_from_a_spreadsheet_all_or_nothing() {
    for t in testing::all().await {
        let _ = sni_world(&t).await;
        let admin = who(&t, "admin.pusat").await;
        let bad = "aspek,nama_aspek,nama_aspek_en,kode,uraian,uraian_en,bobot,wajib,bukti\n\
                   layanan,Layanan,Services,L1,Skrining,Screening,2,ya,Form\n\
                   layanan,Layanan,Services,L2,Rencana,Plan,dua,ya,Form\n\
                   layanan,Layanan,Services,L1,Ganda,Duplicate,1,tidak,\n\
                   sdm,SDM,Staff,S1,Konselor,Counsellors,1,mungkin,\n";
        let before = instrument::list(&t.db).await.unwrap().len();
        let errors = instrument::import(
            &t.db,
            Actor::User(&admin),
            "uji-1",
            "Uji",
            0.8,
            &exchange::read(bad.as_bytes()).unwrap(),
            false,
        )
        .await
        .unwrap()
        .unwrap_err();
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(
            found,
            vec![(3, "bobot"), (4, "kode"), (5, "wajib")],
            "{}",
            t.label
        );
        assert_eq!(
            instrument::list(&t.db).await.unwrap().len(),
            before,
            "nothing kept"
        );
        let missing = instrument::import(
            &t.db,
            Actor::User(&admin),
            "uji-2",
            "Uji",
            0.8,
            &exchange::read("kode,uraian\nA,B\n".as_bytes()).unwrap(),
            false,
        )
        .await
        .unwrap()
        .unwrap_err();
        assert!(missing.iter().any(|e| e.column == "bobot"));
        let good = "aspek,nama_aspek,nama_aspek_en,kode,uraian,uraian_en,bobot,wajib,bukti\n\
                    layanan,Layanan,Services,L1,Skrining,Screening,2,ya,Form\n\
                    sdm,SDM,Staff,S1,Konselor,Counsellors,1,tidak,\n";
        let bnnp = who(&t, "bnnp.jabar").await;
        assert!(matches!(
            instrument::import(
                &t.db,
                Actor::User(&bnnp),
                "uji-3",
                "Uji",
                0.8,
                &exchange::read(good.as_bytes()).unwrap(),
                false
            )
            .await,
            Err(DbError::Forbidden(_))
        ));
        let id = instrument::import(
            &t.db,
            Actor::User(&admin),
            "uji-3",
            "Uji",
            0.75,
            &exchange::read(good.as_bytes()).unwrap(),
            false,
        )
        .await
        .unwrap()
        .unwrap()
        .id
        .unwrap();
        let active = instrument::active(&t.db).await.unwrap();
        assert_eq!(
            (
                active.id,
                active.aspects.len(),
                active.requirements.len(),
                active.scale.len()
            ),
            (id, 2, 2, 4),
            "{}",
            t.label
        );
        // Round trip: the exported version, through XLSX, imports back as the same version.
        let exported = instrument::export(&active);
        let xlsx = exchange::to_xlsx(&exported, "instrumen").unwrap();
        let back = exchange::read(&xlsx).unwrap();
        assert_eq!(back, exported, "{}", t.label);
        let again = instrument::import(
            &t.db,
            Actor::User(&admin),
            "uji-3",
            "Uji",
            0.75,
            &back,
            false,
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!((again.id, again.unchanged), (Some(id), true), "{}", t.label);
        // Other content under a used code is refused; a dry run of a new version keeps nothing.
        let mut changed = back.clone();
        changed.rows[0][6] = "3".into();
        let refused = instrument::import(
            &t.db,
            Actor::User(&admin),
            "uji-3",
            "Uji",
            0.75,
            &changed,
            false,
        )
        .await
        .unwrap()
        .unwrap_err();
        assert_eq!(
            refused[0].reason.key, "xchg-instrument-exists",
            "{refused:?}"
        );
        let before = instrument::list(&t.db).await.unwrap().len();
        let dry = instrument::import(
            &t.db,
            Actor::User(&admin),
            "uji-4",
            "Uji",
            0.75,
            &changed,
            true,
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!((dry.id, dry.requirements), (None, 2));
        assert_eq!(instrument::list(&t.db).await.unwrap().len(), before);
        t.finish().await;
    }
}

/// Institutions from a spreadsheet: matched by code, all or nothing, lossless round trip.
#[tokio::test]
async fn institutions_import_from_spreadsheets_and_round_trip() {
    use pantau_db::exchange::institutions as xinst;
    for t in testing::all().await {
        let _ = sni_world(&t).await;
        let sys = Actor::System("test");
        let admin = who(&t, "admin.pusat").await;
        let csv = |text: &str| exchange::read(text.as_bytes()).unwrap();
        let header = "kode,nama,kepemilikan,jenis_layanan,modalitas,kode_wilayah,kode_satker,ipwl,mitra_bnn,alamat";
        let good = csv(&format!(
            "{header}\nLR-X1,Yayasan Satu,komponen_masyarakat,sosial,rawat_inap,32.73,BNNK-32.73,ya,tidak,\"Jl. A, No. 1\"\n\
             LR-X2,RS Dua,instansi_pemerintah,medis,rawat_jalan,32.71,BNNP-32,,,\n"
        ));
        let count = || {
            let db = t.db.clone();
            async move {
                sqlx::query_scalar::<_, i64>("SELECT CAST(COUNT(*) AS BIGINT) FROM institutions")
                    .fetch_one(db.pool())
                    .await
                    .unwrap()
            }
        };
        let before = count().await;
        let dry = xinst::import(&t.db, sys, &good, true, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!((dry.created, dry.dry_run), (2, true));
        assert_eq!(
            count().await,
            before,
            "{}: a dry run writes nothing",
            t.label
        );
        let done = xinst::import(&t.db, sys, &good, false, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (done.created, done.updated, done.unchanged),
            (2, 0, 0),
            "{}",
            t.label
        );
        let x1 = institutions::by_code(&t.db, "LR-X1").await.unwrap();
        assert_eq!(
            (x1.ipwl, x1.bnn_partner, x1.address.as_str()),
            (true, false, "Jl. A, No. 1")
        );
        let again = xinst::import(&t.db, sys, &good, false, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (again.created, again.updated, again.unchanged),
            (0, 0, 2),
            "{}: idempotent",
            t.label
        );
        // Export → import: every institution (with those made through the form) unchanged.
        let exported = xinst::export(&t.db, &admin).await.unwrap();
        assert_eq!(exported.rows.len(), 4, "{}", t.label);
        for format in [exchange::Format::Csv, exchange::Format::Xlsx] {
            let back =
                exchange::read(&exchange::write(&exported, format, "lembaga").unwrap()).unwrap();
            assert_eq!(back, exported, "{}: {format:?}", t.label);
            let r = xinst::import(&t.db, sys, &back, false, &|_| {})
                .await
                .unwrap()
                .unwrap();
            assert_eq!(r.unchanged, 4, "{}: {format:?} round trip", t.label);
        }
        let mut edited = exported.clone();
        edited.rows[0][1] = "Nama Baru".into();
        let r = xinst::import(&t.db, sys, &edited, false, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!((r.updated, r.unchanged), (1, 3));
        // Bad rows: named by row and column; nothing written.
        let before = count().await;
        let bad = csv(&format!(
            "{header}\nX,Satu,komponen_masyarakat,sosial,rawat_inap,32.73,BNNK-32.73,,,\n\
             LR-X3,Tiga,swasta,gizi,mondok,32.73,BNNK-32.73,,,\n\
             LR-X4,Empat,komponen_masyarakat,sosial,rawat_inap,99.99,BNNK-99.99,,,\n\
             LR-X5,Lima,komponen_masyarakat,sosial,rawat_inap,32.73,BNN,mungkin,,\n\
             LR-X6,,komponen_masyarakat,sosial,rawat_inap,32.73,BNNK-32.73,,,\n\
             lr-x6,Enam,komponen_masyarakat,sosial,rawat_inap,32.73,BNNK-32.73,,,\n"
        ));
        let errors = xinst::import(&t.db, sys, &bad, false, &|_| {})
            .await
            .unwrap()
            .unwrap_err();
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
        for expected in [
            (2, "kode"),
            (3, "kepemilikan"),
            (3, "jenis_layanan"),
            (3, "modalitas"),
            (4, "kode_wilayah"),
            (4, "kode_satker"),
            (5, "kode_satker"),
            (5, "ipwl"),
            (6, "nama"),
            (7, "kode"),
        ] {
            assert!(
                found.contains(&expected),
                "{}: {expected:?} in {errors:?}",
                t.label
            );
        }
        assert_eq!(count().await, before, "{}", t.label);
        let empty = csv(&format!("{header}\n"));
        assert!(
            xinst::import(&t.db, sys, &empty, false, &|_| {})
                .await
                .unwrap()
                .is_err()
        );
        // A district office imports for its own district only.
        let bogor = Actor::User(&who(&t, "bnnk.bogor").await);
        let errors = xinst::import(&t.db, bogor, &good, false, &|_| {})
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(
            (errors[0].row, errors[0].column.as_str()),
            (2, "kode_satker")
        );
        let template = xinst::template();
        let bandung = Actor::User(&who(&t, "bnnk.bandung").await);
        let ok = xinst::import(&t.db, bandung, &template, true, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            ok.created, 1,
            "{}: the template's example row is valid",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn a_score_sheet_saved_from_an_older_version_is_refused_not_merged() {
    for t in testing::all().await {
        let w = sni_world(&t).await;
        let (op, bnnk) = (
            who(&t, "operator.lembaga").await,
            who(&t, "bnnk.bandung").await,
        );
        let id = assessments::open(
            &t.db,
            Actor::User(&op),
            w.participant_bdg,
            AssessmentKind::Baseline,
            "2026-06-05",
        )
        .await
        .unwrap();
        let inst = instrument::active(&t.db).await.unwrap();
        let first = inst.requirements[0].id;
        let sheet = |code: &str, version| assessments::ScoreSheet {
            scores: vec![ScoreInput {
                requirement_id: first,
                scale_code: code.into(),
                comment: String::new(),
            }],
            note: String::new(),
            version: Some(version),
        };
        // The operator and the district officer both open version 1.
        let opened = assessments::get(&t.db, &op, id)
            .await
            .unwrap()
            .assessment
            .version;
        assessments::save_sheet(&t.db, Actor::User(&op), id, &sheet("penuh", opened))
            .await
            .unwrap();
        let stale =
            assessments::save_sheet(&t.db, Actor::User(&bnnk), id, &sheet("belum", opened)).await;
        assert!(
            matches!(&stale, Err(e) if e.is_edited_meanwhile()),
            "{}: {stale:?}",
            t.label
        );
        let now = assessments::get(&t.db, &op, id).await.unwrap();
        assert_eq!(now.scores[&first].0, "penuh", "{}", t.label);
        assert_eq!(now.assessment.version, opened + 1, "{}", t.label);
        // From the version now stored, the officer's save goes through.
        assessments::save_sheet(&t.db, Actor::User(&bnnk), id, &sheet("belum", opened + 1))
            .await
            .unwrap();
        t.finish().await;
    }
}
