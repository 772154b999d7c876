//! A realistic IBM demo data set: the 2025 pattern of 252 operating units (207 Berkelanjutan —
//! one per BNNP/BNNK office — 24 Berkelanjutan Mandiri, 11 Baru in priority areas, 10 Baru
//! Mandiri), confirmed into 2026 with a few new units, agents, monthly reports with some late
//! and missing, final 2025 assessments, 2026 assessments in progress, visits and evaluations.

use super::Lcg;
use crate::audit::Actor;
use crate::error::DbResult;
use crate::ibm::assessments::{self, CriterionAnswer};
use crate::ibm::reports::{self, ReportLine};
use crate::ibm::units::{self, UnitInput};
use crate::ibm::visits::{self, ActionInput, VisitInput};
use crate::ibm::{agents, evaluations, stages};
use crate::{Db, offices, reference};
use chrono::NaiveDate;
use pantau_core::ibm::{AssessmentAction, Category, UnitStatus};
use sqlx::Row;

const FIRST: &[&str] = &[
    "Siti", "Ahmad", "Dewi", "Budi", "Nur", "Agus", "Rina", "Hendra", "Yuli", "Eko", "Wati",
    "Rudi", "Sri", "Andi", "Lestari", "Fajar",
];
const LAST: &[&str] = &[
    "Rahmawati",
    "Saputra",
    "Hidayat",
    "Lubis",
    "Siregar",
    "Wijaya",
    "Nasution",
    "Pratama",
    "Santoso",
    "Harahap",
    "Kurniawan",
    "Utami",
];

pub struct DemoSummary {
    pub units: usize,
    pub reports: usize,
}

/// Loads the IBM demo set unless units exist already. `today` fixes which periods are due.
pub async fn load(db: &Db, today: NaiveDate) -> DbResult<DemoSummary> {
    let existing: i64 = sqlx::query("SELECT COUNT(*) AS n FROM ibm_units")
        .fetch_one(db.pool())
        .await?
        .get("n");
    if existing > 0 {
        return Ok(DemoSummary {
            units: 0,
            reports: 0,
        });
    }
    let sys = Actor::System("demo");
    let mut rng = Lcg(2025);
    let all_stages = stages::list(db).await?;
    let stage_id = |ordinal: i64| {
        all_stages
            .iter()
            .find(|s| s.ordinal == ordinal)
            .map(|s| s.id)
    };
    let obstacles = reference::items(db, "obstacle", false).await?;
    let drivers = reference::items(db, "driver", false).await?;
    let dir = offices::directory(db).await?;
    let field_offices: Vec<_> = dir.iter().filter(|o| o.level != "pusat").collect();

    // 2025 categories: one Berkelanjutan per office, then the others spread over the offices.
    let mut plan: Vec<(i64, Category)> = field_offices
        .iter()
        .map(|o| (o.id, Category::Berkelanjutan))
        .collect();
    for (cat, n) in [
        (Category::BerkelanjutanMandiri, 24),
        (Category::Baru, 11),
        (Category::BaruMandiri, 10),
    ] {
        for _ in 0..n {
            let o = field_offices[rng.next(field_offices.len() as u64) as usize];
            plan.push((o.id, cat));
        }
    }
    // Units formed in 2026.
    for _ in 0..6 {
        let o = field_offices[rng.next(field_offices.len() as u64) as usize];
        plan.push((o.id, Category::Baru));
    }

    let mut made = 0;
    let mut report_count = 0;
    for (i, (office_id, cat)) in plan.iter().enumerate() {
        let is_2026 = i >= 252;
        let areas = offices::areas(db, *office_id).await?;
        let Some((area, _)) = areas.get(rng.next(areas.len() as u64) as usize) else {
            continue;
        };
        let villages = sqlx::query("SELECT code, name FROM areas WHERE level = 'desakel' AND valid_to IS NULL AND code LIKE $1 ORDER BY code LIMIT 40")
            .bind(format!("{area}.%"))
            .fetch_all(db.pool())
            .await?;
        let Some(village) = villages.get(rng.next(villages.len() as u64) as usize) else {
            continue;
        };
        let village_code: String = village.get("code");
        let village_name: String = village.get("name");
        let funding = match cat {
            Category::Berkelanjutan | Category::Baru => "apbn",
            _ => ["apbdes", "apbd", "swadaya", "csr"][rng.next(4) as usize],
        };
        let year_formed = match cat {
            _ if is_2026 => 2026,
            Category::Baru | Category::BaruMandiri => 2025,
            _ => 2021 + rng.next(4) as i64,
        };
        let input = UnitInput {
            code: format!("IBM-{}-{:03}", village_code.replace('.', ""), i + 1),
            name: format!("IBM Desa {village_name}"),
            village_code: village_code.clone(),
            office_id: *office_id,
            year_formed,
            decree_number: format!("{}/SK-IBM/{year_formed}", 100 + i),
            funding_source: funding.into(),
            desa_bersinar: rng.next(3) == 0,
            priority_area: *cat == Category::Baru,
        };
        let first_year = if is_2026 { 2026 } else { 2025 };
        let unit = units::create(db, sys, &input, first_year).await?;
        let start = if is_2026 {
            NaiveDate::from_ymd_opt(2026, 3, 1)
        } else {
            NaiveDate::from_ymd_opt(year_formed as i32, 2, 1)
        }
        .expect("valid date");
        for to in [
            UnitStatus::Formed,
            UnitStatus::AgentsTrained,
            UnitStatus::Operating,
        ] {
            units::change_status(db, sys, unit.id, to, "", &start.to_string()).await?;
        }
        if !is_2026 {
            let target = 1 + rng.next(3) as i64 + (*cat == Category::Berkelanjutan) as i64;
            units::set_year(db, sys, unit.id, 2025, *cat, stage_id(target.min(4))).await?;
            units::set_year(
                db,
                sys,
                unit.id,
                2026,
                cat.roll_over(pantau_core::ibm::FundingSource::parse(funding).expect("known")),
                stage_id((target + 1).min(4)),
            )
            .await?;
        } else {
            units::set_year(db, sys, unit.id, 2026, *cat, stage_id(1)).await?;
        }
        // Agents: a chair and two to four members.
        for k in 0..(3 + rng.next(3)) {
            let name = format!(
                "{} {}",
                FIRST[rng.next(FIRST.len() as u64) as usize],
                LAST[rng.next(LAST.len() as u64) as usize]
            );
            let a = agents::AgentInput {
                full_name: name,
                sex: if rng.next(2) == 0 { "l" } else { "p" }.into(),
                role: if k == 0 { "ketua" } else { "anggota" }.into(),
                phone: String::new(),
                joined_year: year_formed,
                active: rng.next(8) != 0,
            };
            let id = agents::add(db, sys, unit.id, &a).await?;
            agents::add_training(db, sys, id, "ap_dasar", &start.to_string()).await?;
        }
        // Monthly reports for 2026: most on time, some late, a few units fall silent.
        let silent_from = if rng.next(12) == 0 {
            6 + rng.next(3) as u32
        } else {
            13
        };
        // Reports from the unit's first operating month, but not before 2025.
        let rule = reference::reporting_rule(db).await?;
        let mut p = rule
            .period_of(start.max(chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("valid date")));
        while rule.due_date(p) < today {
            if (p.year < 2026 || p.month < silent_from) && rng.next(10) != 0 {
                let delay = if rng.next(6) == 0 {
                    15 + rng.next(20) as i64
                } else {
                    rng.next(9) as i64
                };
                let submitted = rule.last_day(p) + chrono::Duration::days(1 + delay);
                let lines = demo_lines(&mut rng);
                reports::submit(
                    db,
                    sys,
                    unit.id,
                    &p.to_string(),
                    &lines,
                    "",
                    Some(submitted),
                    reports::Replaces::Own,
                )
                .await?;
                report_count += 1;
            }
            p = rule.next(p);
        }
        // 2025 assessments are final; 2026 ones are under way.
        if !is_2026 {
            let reached = 1 + rng.next(4) as i64;
            finish_assessment(db, sys, unit.id, 2025, &all_stages, reached, 3).await?;
            let progress = rng.next(4);
            if progress > 0 {
                finish_assessment(
                    db,
                    sys,
                    unit.id,
                    2026,
                    &all_stages,
                    (reached + rng.next(2) as i64).min(4),
                    progress,
                )
                .await?;
            }
            let picks = vec![
                obstacles[rng.next(obstacles.len() as u64) as usize].id,
                drivers[rng.next(drivers.len() as u64) as usize].id,
            ];
            evaluations::save(
                db,
                sys,
                unit.id,
                2025,
                &evaluations::EvaluationInput {
                    operational_status: "operasional".into(),
                    factor_ids: picks,
                    obstacles_text: String::new(),
                    drivers_text: String::new(),
                    solutions: "Penguatan koordinasi dengan pemerintah desa".into(),
                    version: None,
                },
            )
            .await?;
        }
        // A visit with follow-up actions for new units (in person) and some others (online).
        if cat.is_new() || rng.next(4) == 0 {
            let mode = if cat.is_new() { "luring" } else { "daring" };
            let visit_date =
                NaiveDate::from_ymd_opt(2026, 6, 1 + rng.next(28) as u32).expect("valid date");
            visits::record(
                db,
                sys,
                unit.id,
                &VisitInput {
                    visit_date: visit_date.to_string(),
                    mode: mode.into(),
                    findings: "Pencatatan layanan belum rutin".into(),
                    recommendations: "Lengkapi buku register layanan".into(),
                    actions: vec![ActionInput {
                        description: "Siapkan buku register layanan".into(),
                        owner: "Ketua AP".into(),
                        due_date: (visit_date + chrono::Duration::days(45)).to_string(),
                    }],
                    reviews: vec![],
                },
            )
            .await?;
        }
        made += 1;
    }
    reporter(db).await?;
    Ok(DemoSummary {
        units: made,
        reports: report_count,
    })
}

/// The demo unit reporter reports for the first Bandung unit.
async fn reporter(db: &Db) -> DbResult<()> {
    let Some((username, full_name, _, office_code)) = crate::seed::DEMO_USERS
        .iter()
        .find(|u| u.2 == pantau_core::access::Role::UnitReporter)
    else {
        return Ok(());
    };
    if crate::users::by_username(db, username).await.is_ok() {
        return Ok(());
    }
    let office = offices::by_code(db, office_code).await?;
    let unit: Option<i64> = sqlx::query("SELECT MIN(id) AS id FROM ibm_units WHERE office_id = $1")
        .bind(office.id)
        .fetch_one(db.pool())
        .await?
        .get("id");
    let Some(unit) = unit else {
        return Ok(());
    };
    crate::users::create_unit_reporter(
        db,
        Actor::System("demo"),
        unit,
        username.to_string(),
        full_name.to_string(),
        String::new(),
        crate::seed::DEMO_PASSWORD.into(),
    )
    .await?;
    // Something for the reporter to follow up between visits.
    let open: i64 = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM ibm_visit_actions WHERE unit_id = $1 AND status = 'terbuka'",
    )
    .bind(unit)
    .fetch_one(db.pool())
    .await?
    .get("n");
    if open == 0 {
        visits::record(
            db,
            Actor::System("demo"),
            unit,
            &VisitInput {
                visit_date: "2026-06-20".into(),
                mode: "luring".into(),
                findings: "Posko belum punya papan informasi layanan".into(),
                recommendations: "Pasang papan informasi di depan posko".into(),
                actions: vec![ActionInput {
                    description: "Pasang papan informasi layanan di posko".into(),
                    owner: "Ketua AP".into(),
                    due_date: "2026-08-04".into(),
                }],
                reviews: vec![],
            },
        )
        .await?;
    }
    Ok(())
}

fn demo_lines(rng: &mut Lcg) -> Vec<ReportLine> {
    let mut lines = vec![
        ReportLine {
            kind: "activity".into(),
            item_code: "sosialisasi".into(),
            sex: String::new(),
            age_band: String::new(),
            risk_level: String::new(),
            count: 1 + rng.next(3) as i64,
        },
        ReportLine {
            kind: "activity".into(),
            item_code: "penjangkauan".into(),
            sex: String::new(),
            age_band: String::new(),
            risk_level: String::new(),
            count: rng.next(4) as i64,
        },
    ];
    for (service, max) in [("skrining", 8), ("intervensi_singkat", 4), ("konseling", 3)] {
        for sex in ["l", "p"] {
            for age in ["18_25", "26_40"] {
                lines.push(ReportLine {
                    kind: "service".into(),
                    item_code: service.into(),
                    sex: sex.into(),
                    age_band: age.into(),
                    risk_level: String::new(),
                    count: rng.next(max) as i64,
                });
            }
        }
    }
    if rng.next(3) == 0 {
        lines.push(ReportLine {
            kind: "service".into(),
            item_code: "rujukan".into(),
            sex: "l".into(),
            age_band: "18_25".into(),
            risk_level: "sedang".into(),
            count: 1,
        });
    }
    lines
}

/// Fills an assessment reaching `reached` and moves it `steps` along (1 submit, 2 verify, 3 final).
async fn finish_assessment(
    db: &Db,
    sys: Actor<'_>,
    unit_id: i64,
    year: i64,
    all: &[stages::Stage],
    reached: i64,
    steps: u64,
) -> DbResult<()> {
    let answers: Vec<CriterionAnswer> = all
        .iter()
        .flat_map(|s| s.criteria.iter().map(move |c| (s.ordinal, c)))
        .map(|(o, c)| CriterionAnswer {
            criterion_id: c.id,
            met: o <= reached,
            evidence: if o <= reached {
                "Dokumen dan foto kegiatan".into()
            } else {
                String::new()
            },
        })
        .collect();
    assessments::save(db, sys, unit_id, year, &answers, "").await?;
    for action in [
        AssessmentAction::Submit,
        AssessmentAction::Verify,
        AssessmentAction::Finalize,
    ]
    .iter()
    .take(steps as usize)
    {
        assessments::apply(db, sys, unit_id, year, *action).await?;
    }
    Ok(())
}
