//! The programme's public story for the demo, as BNN tells it for 2025:
//!
//! - **IBM**: 252 units operate in 2025 (the IBM demo); the continuing ones get their past
//!   years back to the year they were formed, and units that ran in earlier years and stopped
//!   are added, so that **1,416 unit-years** are counted from the first year to 2025 — the
//!   summary's `assisted_unit_years` (units per year, summed; a unit assisted for three years
//!   counts three times). The distinct units are fewer (`assisted_distinct`).
//! - **SNI before Pantau**: coaching 2020–2024 imported through the same importer as the
//!   directorate's records, so that 367 institutions are standardised by 2024 (11, 48, 86, 102
//!   and 120 for the first time in each year, the last counting those the SNI demo already
//!   certified by then), with some coached but not yet standardised.
//! - **SNI in 2025**: the targets (10 national-priority institutions set by BNN RI, 89 regular
//!   ones spread over the provinces' and districts' offices) and the coaching that meets them:
//!   the national cohort filled up to 10 and one regular cohort per province for the 89.

use super::Lcg;
use crate::audit::Actor;
use crate::error::{DbError, DbResult};
use crate::exchange::{Table, history};
use crate::ibm::units::{self, UnitInput};
use crate::sni::assessments;
use crate::sni::cohorts::{self, CohortInput};
use crate::sni::institutions::{self, InstitutionInput};
use crate::sni::{instrument, outcomes};
use crate::{Db, offices, summary};
use pantau_core::ibm::{Category, UnitStatus};
use pantau_core::sni::{AssessmentKind, Ownership};
use sqlx::Row;

/// Institutions standardised for the first time in 2020, …, 2024.
pub const STANDARDISED_BY_YEAR: [(i64, usize); 5] =
    [(2020, 11), (2021, 48), (2022, 86), (2023, 102), (2024, 120)];
/// Institutions coached in those years that are not standardised yet.
const NOT_YET: usize = 58;
/// The year the public figures speak of.
pub const YEAR: i64 = 2025;
/// IBM units assisted from the first year to 2025, counted per year.
pub const ASSISTED_UNIT_YEARS: i64 = 1_416;
/// Institutions to coach in 2025: national priority, regular.
pub const COACHED: (usize, usize) = (10, 89);

#[derive(Default)]
pub struct StorySummary {
    /// Rows and institutions of the imported past coaching.
    pub rows: usize,
    pub institutions: usize,
    /// Institutions coached in 2025 by this story (beyond the SNI demo's).
    pub coached: usize,
    /// Past IBM unit-years added.
    pub unit_years: usize,
}

/// Tells the story unless it was told already (past coaching exists). The IBM part needs the
/// IBM demo's 2025 units and adds nothing without them.
pub async fn load(db: &Db) -> DbResult<StorySummary> {
    let existing: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM sni_history")
        .fetch_one(db.pool())
        .await?;
    if existing > 0 {
        return Ok(StorySummary::default());
    }
    let dir = offices::directory(db).await?;
    let mut story = StorySummary::default();
    (story.rows, story.institutions) = past_coaching(db, &dir).await?;
    if story.rows == 0 {
        return Ok(story);
    }
    targets(db, &dir).await?;
    story.coached = coaching(db, &dir).await?;
    story.unit_years = ibm_years(db, &dir).await?;
    Ok(story)
}

/// SNI coaching 2020–2024 through the history importer: (rows, institutions).
async fn past_coaching(db: &Db, dir: &[offices::OfficeSummary]) -> DbResult<(usize, usize)> {
    let districts: Vec<String> = dir
        .iter()
        .filter_map(|o| o.code.strip_prefix("BNNK-").map(str::to_string))
        .collect();
    if districts.is_empty() {
        return Ok((0, 0));
    }
    let mut rng = Lcg(2020);
    let mut table = Table::new(&history::columns());
    let mut k = 0;
    let push = |table: &mut Table, k: usize, year: i64, result: &str, rng: &mut Lcg| {
        let district = &districts[k % districts.len()];
        let ownership = if k % 4 == 0 {
            Ownership::Government
        } else {
            Ownership::Community
        }
        .as_str();
        let kind = if rng.next(6) == 0 {
            "prioritas_nasional"
        } else {
            "reguler"
        };
        let date = if result == "tersertifikasi" {
            format!("{year}-{:02}-{:02}", 9 + rng.next(4), 1 + rng.next(28))
        } else {
            String::new()
        };
        table.rows.push(vec![
            format!("LRKM-{district}-R{k:03}"),
            format!("Lembaga Rehabilitasi {} {k}", district),
            district.clone(),
            ownership.to_string(),
            year.to_string(),
            kind.to_string(),
            result.to_string(),
            date,
            String::new(),
            "keduanya".into(),
            "keduanya".into(),
        ]);
    };
    // Institutions the rest of the demo already standardised by 2024 (a certificate issued
    // before its 2025 cohort) count towards the 367.
    let already: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(DISTINCT s.institution_id) AS BIGINT) FROM ( \
         SELECT x.institution_id FROM sni_certifications x WHERE x.status = $1 AND x.issued_on <= $2 \
         UNION SELECT p.institution_id FROM sni_recommendations r \
         JOIN sni_participants p ON p.id = r.participant_id JOIN sni_cohorts c ON c.id = p.cohort_id \
         WHERE c.year <= $3) s",
    )
    .bind(pantau_core::sni::CertStatus::Certified.as_str())
    .bind("2024-12-31")
    .bind(2024i64)
    .fetch_one(db.pool())
    .await?;
    for (year, n) in STANDARDISED_BY_YEAR {
        let n = if year == 2024 {
            n.saturating_sub(already as usize)
        } else {
            n
        };
        for _ in 0..n {
            // Some were coached a year before without reaching the standard yet.
            if year > 2020 && rng.next(3) == 0 {
                push(&mut table, k, year - 1, "belum", &mut rng);
            }
            let result = if rng.next(4) == 0 {
                "tersertifikasi"
            } else {
                "direkomendasikan"
            };
            push(&mut table, k, year, result, &mut rng);
            k += 1;
        }
    }
    for _ in 0..NOT_YET {
        let year = 2020 + rng.next(5) as i64;
        push(&mut table, k, year, "belum", &mut rng);
        k += 1;
    }
    let sys = Actor::System("demo");
    let rows = table.rows.len();
    if let Err(errors) = history::import(db, sys, &table, false, &|_| {}).await? {
        return Err(DbError::invalid(format!(
            "demo history refused: {:?}",
            errors.first().map(|e| (e.row, e.column.clone()))
        )));
    }
    Ok((rows, k))
}

/// The offices holding a regular 2025 target: the first 89 field offices in the directory's
/// order.
fn regular_offices(dir: &[offices::OfficeSummary]) -> Vec<&offices::OfficeSummary> {
    dir.iter()
        .filter(|o| o.level != "pusat")
        .take(COACHED.1)
        .collect()
}

/// 2025 targets: the national priority at BNN RI, one regular institution for each of the 89
/// offices.
async fn targets(db: &Db, dir: &[offices::OfficeSummary]) -> DbResult<()> {
    let sys = Actor::System("demo");
    if let Some(root) = dir.iter().find(|o| o.level == "pusat") {
        summary::set_target(
            db,
            sys,
            root.id,
            YEAR,
            "prioritas_nasional",
            COACHED.0 as i64,
        )
        .await?;
    }
    for o in regular_offices(dir) {
        summary::set_target(db, sys, o.id, YEAR, "reguler", 1).await?;
    }
    Ok(())
}

/// The 2025 coaching that meets the targets: the national cohort (the SNI demo's, or a new one)
/// filled up to 10, and one regular cohort per province for one new institution at each of the
/// 89 offices, each with a final baseline and final assessment, about half recommended. The
/// institutions coached.
async fn coaching(db: &Db, dir: &[offices::OfficeSummary]) -> DbResult<usize> {
    let sys = Actor::System("demo");
    let Some(root) = dir.iter().find(|o| o.level == "pusat") else {
        return Ok(0);
    };
    let mut rng = Lcg(2025_8807);
    let inst = instrument::active(db).await?;
    let national: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM sni_cohorts WHERE year = $1 AND kind = $2 ORDER BY id LIMIT 1",
    )
    .bind(YEAR)
    .bind("prioritas_nasional")
    .fetch_optional(db.pool())
    .await?;
    let national = match national {
        Some(id) => id,
        None => {
            cohorts::create(
                db,
                sys,
                &CohortInput {
                    year: YEAR,
                    kind: "prioritas_nasional".into(),
                    name: format!("Prioritas Nasional {YEAR}"),
                    office_id: root.id,
                    start_date: format!("{YEAR}-05-01"),
                },
            )
            .await?
            .id
        }
    };
    let enrolled: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM sni_participants WHERE cohort_id = $1",
    )
    .bind(national)
    .fetch_one(db.pool())
    .await?;
    let districts: Vec<_> = dir.iter().filter(|o| o.level == "bnnk").collect();
    if districts.is_empty() {
        return Ok(0);
    }
    // (cohort, office of the new institution)
    let mut plan: Vec<(i64, &offices::OfficeSummary)> = Vec::new();
    for _ in enrolled..COACHED.0 as i64 {
        plan.push((
            national,
            districts[rng.next(districts.len() as u64) as usize],
        ));
    }
    let mut provinces: std::collections::BTreeMap<i64, i64> = std::collections::BTreeMap::new();
    for o in regular_offices(dir) {
        // The province's office runs the cohort: the office itself when it is a BNNP.
        let province = if o.level == "bnnp" {
            o.id
        } else {
            o.parent_id.unwrap_or(o.id)
        };
        let cohort = match provinces.get(&province) {
            Some(c) => *c,
            None => {
                let name = dir
                    .iter()
                    .find(|p| p.id == province)
                    .map_or(String::new(), |p| p.name.clone());
                let c = cohorts::create(
                    db,
                    sys,
                    &CohortInput {
                        year: YEAR,
                        kind: "reguler".into(),
                        name: format!("Reguler {name} {YEAR}"),
                        office_id: province,
                        start_date: format!("{YEAR}-07-01"),
                    },
                )
                .await?
                .id;
                provinces.insert(province, c);
                c
            }
        };
        plan.push((cohort, o));
    }
    for (k, (cohort, office)) in plan.iter().enumerate() {
        let area = office
            .code
            .split_once('-')
            .map_or(String::new(), |(_, a)| a.to_string());
        let national_track = *cohort == national;
        let institution = institutions::create(
            db,
            sys,
            &InstitutionInput {
                code: format!("LR-{YEAR}-{k:03}"),
                name: format!(
                    "{} {}",
                    [
                        "Yayasan Pulih Bersama",
                        "Klinik Pratama Sehat",
                        "Rumah Damping"
                    ][rng.next(3) as usize],
                    office
                        .name
                        .trim_start_matches("BNNP ")
                        .trim_start_matches("BNN ")
                ),
                ownership: if rng.next(4) == 0 {
                    Ownership::Government
                } else {
                    Ownership::Community
                }
                .as_str()
                .into(),
                service_kind: ["medis", "sosial", "keduanya"][rng.next(3) as usize].into(),
                modality: ["rawat_inap", "rawat_jalan", "keduanya"][rng.next(3) as usize].into(),
                ipwl: rng.next(2) == 0,
                bnn_partner: true,
                address: "Jl. Contoh No. 2".into(),
                area_code: area,
                office_id: office.id,
            },
        )
        .await?;
        let p = cohorts::add_participant(db, sys, *cohort, institution.id).await?;
        let (baseline_on, final_on, recommended_on) = if national_track {
            ("2025-05-10", "2025-10-25", "2025-12-10")
        } else {
            ("2025-07-10", "2025-12-05", "2025-12-20")
        };
        let base = assessments::open(db, sys, p, AssessmentKind::Baseline, baseline_on).await?;
        assessments::save_scores(db, sys, base, &super::sni::scores(&inst, 35, &mut rng), "")
            .await?;
        super::sni::finish(db, sys, base, 3).await?;
        let met = rng.next(2) == 0;
        let last = assessments::open(db, sys, p, AssessmentKind::Final, final_on).await?;
        assessments::save_scores(
            db,
            sys,
            last,
            &super::sni::scores(&inst, if met { 101 } else { 60 }, &mut rng),
            "",
        )
        .await?;
        super::sni::finish(db, sys, last, 3).await?;
        if met {
            outcomes::recommend(
                db,
                sys,
                p,
                &format!("B/{}/REK/XII/{YEAR}/BNN", 200 + k),
                recommended_on,
                "Penilaian akhir 2025",
            )
            .await?;
        }
    }
    Ok(plan.len())
}

/// Past IBM years: each continuing unit of 2025 back to the year it was formed (Baru or Baru
/// Mandiri in its first year), then units that ran some years before 2025 and stopped, until
/// 1,416 unit-years are counted up to 2025. The unit-years added.
async fn ibm_years(db: &Db, dir: &[offices::OfficeSummary]) -> DbResult<usize> {
    let sys = Actor::System("demo");
    let continuing = sqlx::query(
        "SELECT u.id, u.year_formed, y.category FROM ibm_units u \
         JOIN ibm_unit_years y ON y.unit_id = u.id AND y.year = $1 WHERE y.confirmed = $2 ORDER BY u.id",
    )
    .bind(YEAR)
    .bind(true)
    .fetch_all(db.pool())
    .await?;
    if continuing.is_empty() {
        return Ok(0);
    }
    let mut added = 0;
    for r in &continuing {
        let Some(category) = Category::parse(&r.get::<String, _>("category")) else {
            continue;
        };
        let first = match category {
            Category::Berkelanjutan => Category::Baru,
            Category::BerkelanjutanMandiri => Category::BaruMandiri,
            _ => continue,
        };
        let formed: i64 = r.get("year_formed");
        for year in formed..YEAR {
            let c = if year == formed { first } else { category };
            units::set_year(db, sys, r.get("id"), year, c, None).await?;
            added += 1;
        }
    }
    let counted: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM ibm_unit_years WHERE confirmed = $1 AND year <= $2",
    )
    .bind(true)
    .bind(YEAR)
    .fetch_one(db.pool())
    .await?;
    let mut missing = ASSISTED_UNIT_YEARS - counted;
    let field: Vec<_> = dir.iter().filter(|o| o.level != "pusat").collect();
    let mut rng = Lcg(1416);
    let mut k = 0;
    while missing > 0 && !field.is_empty() {
        k += 1;
        let office = field[rng.next(field.len() as u64) as usize];
        let village = sqlx::query(
            "SELECT a.code, a.name FROM areas a WHERE a.level = 'desakel' AND a.valid_to IS NULL \
             AND a.code LIKE $1 ORDER BY a.code LIMIT 1 OFFSET $2",
        )
        .bind(format!(
            "{}.%",
            office.code.split_once('-').map_or("", |(_, a)| a)
        ))
        .bind(rng.next(20) as i64)
        .fetch_optional(db.pool())
        .await?;
        let Some(village) = village else {
            // An office without villages loaded: try another; give up after many misses.
            if k > 10 * field.len() {
                break;
            }
            continue;
        };
        let village_code: String = village.get("code");
        let formed = 2019 + rng.next(4) as i64;
        let years = (2 + rng.next(3) as i64).min(YEAR - formed).min(missing);
        let independent = rng.next(5) == 0;
        let unit = units::create(
            db,
            sys,
            &UnitInput {
                code: format!("IBM-{}-L{k:03}", village_code.replace('.', "")),
                name: format!("IBM Desa {}", village.get::<String, _>("name")),
                village_code,
                office_id: office.id,
                year_formed: formed,
                decree_number: format!("{k}/SK-IBM/{formed}"),
                funding_source: if independent { "apbdes" } else { "apbn" }.into(),
                desa_bersinar: false,
                priority_area: false,
            },
            formed,
        )
        .await?;
        for (i, year) in (formed..formed + years).enumerate() {
            let c = match (i, independent) {
                (0, false) => Category::Baru,
                (0, true) => Category::BaruMandiri,
                (_, false) => Category::Berkelanjutan,
                (_, true) => Category::BerkelanjutanMandiri,
            };
            units::set_year(db, sys, unit.id, year, c, None).await?;
            added += 1;
        }
        for (to, on) in [
            (UnitStatus::Formed, format!("{formed}-02-01")),
            (UnitStatus::AgentsTrained, format!("{formed}-02-01")),
            (UnitStatus::Operating, format!("{formed}-02-01")),
            (
                UnitStatus::Dissolved,
                format!("{}-12-31", formed + years - 1),
            ),
        ] {
            let reason = if to == UnitStatus::Dissolved {
                "Tidak dilanjutkan; agen pindah tugas"
            } else {
                ""
            };
            units::change_status(db, sys, unit.id, to, reason, &on).await?;
        }
        missing -= years;
    }
    Ok(added)
}
