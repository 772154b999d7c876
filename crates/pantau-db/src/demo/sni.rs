//! SNI demo data: institutions across provinces, a completed 2025 cohort (recommendations, two
//! certificates — one about to expire), and two 2026 cohorts mid-way through their six months,
//! with self-assessments, monitoring, sessions and open actions. Also the demo institution
//! operator, whose grant reaches one institution in Bandung.

use super::Lcg;
use crate::audit::Actor;
use crate::error::DbResult;
use crate::seed::{DEMO_PASSWORD, DEMO_USERS};
use crate::sni::assessments::{self, ScoreInput};
use crate::sni::cohorts::{self, CohortInput};
use crate::sni::institutions::{self, InstitutionInput};
use crate::sni::sessions::{self, ActionInput, SessionInput};
use crate::sni::{instrument, outcomes};
use crate::users::{self, NewUser};
use crate::{Db, offices};
use pantau_core::access::Role;
use pantau_core::ibm::AssessmentAction;
use pantau_core::sni::AssessmentKind;
use sqlx::Row;

const NAMES: &[&str] = &[
    "Rumah Pemulihan",
    "Yayasan Sahabat Pulih",
    "Klinik Pratama Harapan",
    "Pondok Rehabilitasi Insan",
    "Yayasan Kasih Bangsa",
    "Balai Rehabilitasi Sosial",
    "Lembaga Pulih Mandiri",
    "Yayasan Cahaya Hati",
];

pub struct SniSummary {
    pub institutions: usize,
    pub cohorts: usize,
}

pub async fn load(db: &Db) -> DbResult<SniSummary> {
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM institutions")
        .fetch_one(db.pool())
        .await?
        .get("n");
    if n > 0 {
        return Ok(SniSummary {
            institutions: 0,
            cohorts: 0,
        });
    }
    let sys = Actor::System("demo");
    let mut rng = Lcg(8807);
    let dir = offices::directory(db).await?;
    let pusat = dir
        .iter()
        .find(|o| o.level == "pusat")
        .map(|o| o.id)
        .unwrap_or(1);
    let jabar = offices::by_code(db, "BNNP-32").await?.id;
    let bandung = offices::by_code(db, "BNNK-32.73").await?.id;

    // Institutions: the Bandung demo one first, then others across the BNNK.
    let mut made: Vec<i64> = Vec::new();
    let bnnk: Vec<_> = dir.iter().filter(|o| o.level == "bnnk").collect();
    for i in 0..36 {
        let (office_id, area) = if i == 0 {
            (bandung, "32.73".to_string())
        } else if i < 5 {
            let o = bnnk
                .iter()
                .filter(|o| o.code.starts_with("BNNK-32."))
                .nth(i % 4 + 1)
                .copied()
                .unwrap_or(bnnk[0]);
            (o.id, o.code.trim_start_matches("BNNK-").to_string())
        } else {
            let o = bnnk[rng.next(bnnk.len() as u64) as usize];
            (o.id, o.code.trim_start_matches("BNNK-").to_string())
        };
        let ownership = match rng.next(10) {
            0..=1 => "bnn",
            2 => "instansi_pemerintah",
            _ => "komponen_masyarakat",
        };
        let input = InstitutionInput {
            code: format!("LR-{:03}", i + 1),
            name: if i == 0 {
                "Yayasan Rumah Pemulihan Bandung".into()
            } else {
                format!("{} {}", NAMES[rng.next(NAMES.len() as u64) as usize], i + 1)
            },
            ownership: ownership.into(),
            service_kind: ["medis", "sosial", "keduanya"][rng.next(3) as usize].into(),
            modality: ["rawat_inap", "rawat_jalan", "keduanya"][rng.next(3) as usize].into(),
            ipwl: rng.next(2) == 0,
            bnn_partner: ownership == "komponen_masyarakat",
            address: "Jl. Contoh No. 1".into(),
            area_code: area,
            office_id,
        };
        made.push(institutions::create(db, sys, &input).await?.id);
    }
    // The demo operator works for the Bandung institution only.
    if let Some((username, full_name, _, _)) =
        DEMO_USERS.iter().find(|u| u.2 == Role::InstitutionOperator)
    {
        if users::by_username(db, username).await.is_err() {
            users::create(
                db,
                sys,
                NewUser {
                    username: username.to_string(),
                    full_name: full_name.to_string(),
                    email: String::new(),
                    password: DEMO_PASSWORD.into(),
                    grants: vec![(Role::InstitutionOperator, bandung)],
                    institution_id: Some(made[0]),
                    unit_id: None,
                },
            )
            .await?;
        }
    }
    let inst = instrument::active(db).await?;
    let score = |quality: u64, rng: &mut Lcg| scores(&inst, quality, rng);

    // 2025: completed national cohort.
    let c2025 = cohorts::create(
        db,
        sys,
        &CohortInput {
            year: 2025,
            kind: "prioritas_nasional".into(),
            name: "Prioritas Nasional 2025".into(),
            office_id: pusat,
            start_date: "2025-05-01".into(),
        },
    )
    .await?;
    for (k, inst_id) in made.iter().skip(20).take(8).enumerate() {
        let p = cohorts::add_participant(db, sys, c2025.id, *inst_id).await?;
        let base = assessments::open(db, sys, p, AssessmentKind::Baseline, "2025-05-10").await?;
        assessments::save_scores(db, sys, base, &score(35, &mut rng), "").await?;
        finish(db, sys, base, 3).await?;
        let last = assessments::open(db, sys, p, AssessmentKind::Final, "2025-10-25").await?;
        let mut s = score(if k < 5 { 101 } else { 70 }, &mut rng);
        if k < 5 {
            // Those recommended meet every requirement that applies.
            for x in &mut s {
                if x.scale_code != "tb" {
                    x.scale_code = "penuh".into();
                }
            }
        }
        assessments::save_scores(db, sys, last, &s, "").await?;
        finish(db, sys, last, 3).await?;
        if k < 5 {
            outcomes::recommend(
                db,
                sys,
                p,
                &format!("B/{}/REK/X/2025/BNN", 100 + k),
                "2025-12-10",
                "Penilaian akhir 2025",
            )
            .await?;
        }
        if k < 2 {
            let c = outcomes::apply_certification(
                db,
                sys,
                *inst_id,
                if k == 0 { "sucofindo" } else { "gis" },
                "2026-01-15",
            )
            .await?;
            outcomes::update_certification(
                db,
                sys,
                c,
                &outcomes::CertUpdate {
                    status: "audit".into(),
                    certificate_number: String::new(),
                    issued_on: None,
                    valid_until: None,
                },
            )
            .await?;
            let (issued, until) = if k == 0 {
                ("2026-03-01", "2029-02-28")
            } else {
                ("2024-01-20", "2027-01-19")
            };
            outcomes::update_certification(
                db,
                sys,
                c,
                &outcomes::CertUpdate {
                    status: "tersertifikasi".into(),
                    certificate_number: format!("SNI-8807-{:04}", 11 + k),
                    issued_on: Some(issued.into()),
                    valid_until: Some(until.into()),
                },
            )
            .await?;
        }
    }

    // 2026: national priority (mid-way) and a regular Jawa Barat cohort.
    let national = cohorts::create(
        db,
        sys,
        &CohortInput {
            year: 2026,
            kind: "prioritas_nasional".into(),
            name: "Prioritas Nasional 2026".into(),
            office_id: pusat,
            start_date: "2026-08-01".into(),
        },
    )
    .await?;
    let regular = cohorts::create(
        db,
        sys,
        &CohortInput {
            year: 2026,
            kind: "reguler".into(),
            name: "Reguler BNNP Jawa Barat 2026".into(),
            office_id: jabar,
            start_date: "2026-07-15".into(),
        },
    )
    .await?;
    let plan: Vec<(i64, i64)> = made
        .iter()
        .skip(5)
        .take(12)
        .map(|i| (national.id, *i))
        .chain(made.iter().take(5).map(|i| (regular.id, *i)))
        .collect();
    for (k, (cohort, inst_id)) in plan.iter().enumerate() {
        let p = cohorts::add_participant(db, sys, *cohort, *inst_id).await?;
        // The Bandung demo institution's self-assessment is left as a draft for the operator.
        let base = assessments::open(db, sys, p, AssessmentKind::Baseline, "2026-08-10").await?;
        assessments::save_scores(db, sys, base, &score(40, &mut rng), "").await?;
        if *inst_id != made[0] {
            finish(db, sys, base, 1 + rng.next(3)).await?;
        }
        if k % 3 != 2 && *inst_id != made[0] {
            let m = assessments::open(db, sys, p, AssessmentKind::Monitoring, "2026-10-15").await?;
            assessments::save_scores(db, sys, m, &score(60, &mut rng), "").await?;
        }
        let topic = inst.requirements[rng.next(inst.requirements.len() as u64) as usize].id;
        sessions::record(
            db,
            sys,
            p,
            &SessionInput {
                session_type: if k % 2 == 0 {
                    "asistensi".into()
                } else {
                    "bimtek".into()
                },
                mode: if k % 3 == 0 {
                    "luring".into()
                } else {
                    "daring".into()
                },
                tier: if *cohort == national.id {
                    "nasional".into()
                } else {
                    "provinsi".into()
                },
                held_on: "2026-09-05".into(),
                attendees: "Kepala lembaga, konselor, petugas BNNK".into(),
                findings: "Rencana terapi belum terdokumentasi untuk semua klien".into(),
                topics: vec![topic],
                actions: vec![
                    ActionInput {
                        description: "Lengkapi rencana terapi individual".into(),
                        owner: "Kepala lembaga".into(),
                        due_date: "2026-10-31".into(),
                        requirement_id: Some(topic),
                    },
                    ActionInput {
                        description: "Kirim SOP yang telah disahkan".into(),
                        owner: "Konselor".into(),
                        due_date: "2026-12-15".into(),
                        requirement_id: None,
                    },
                ],
            },
        )
        .await?;
    }
    Ok(SniSummary {
        institutions: made.len(),
        cohorts: 3,
    })
}

/// A score for every requirement of `inst`: about `quality` percent met in full (above 100 all
/// of them), the rest partly or not yet; P3 sometimes does not apply.
pub(super) fn scores(
    inst: &instrument::Instrument,
    quality: u64,
    rng: &mut Lcg,
) -> Vec<ScoreInput> {
    inst.requirements
        .iter()
        .map(|r| {
            let roll = rng.next(100);
            let code = if r.code == "P3" && roll < 30 {
                "tb"
            } else if roll < quality {
                "penuh"
            } else if roll < quality + 20 {
                "sebagian"
            } else {
                "belum"
            };
            ScoreInput {
                requirement_id: r.id,
                scale_code: code.into(),
                comment: String::new(),
            }
        })
        .collect()
}

/// Moves an assessment `steps` along: 1 submitted, 2 verified, 3 final.
pub(super) async fn finish(db: &Db, sys: Actor<'_>, id: i64, steps: u64) -> DbResult<()> {
    for action in [
        AssessmentAction::Submit,
        AssessmentAction::Verify,
        AssessmentAction::Finalize,
    ]
    .iter()
    .take(steps as usize)
    {
        assessments::apply(db, sys, id, *action).await?;
    }
    Ok(())
}
