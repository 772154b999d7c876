//! The programme's public story for the demo: SNI coaching before Pantau, 2020–2024, imported
//! through the same importer as the directorate's records, so that 367 institutions are
//! standardised by 2024 (11, 48, 86, 102 and 120 for the first time in each year, the last
//! counting those the SNI demo already certified by then), with some
//! coached but not yet standardised; and the 2025 coaching targets: 10 national-priority
//! institutions set by BNN RI and 89 regular ones spread over the provinces' and districts'
//! offices.

use super::Lcg;
use crate::audit::Actor;
use crate::error::{DbError, DbResult};
use crate::exchange::{Table, history};
use crate::{Db, offices, summary};
use pantau_core::sni::Ownership;

/// Institutions standardised for the first time in 2020, …, 2024.
pub const STANDARDISED_BY_YEAR: [(i64, usize); 5] =
    [(2020, 11), (2021, 48), (2022, 86), (2023, 102), (2024, 120)];
/// Institutions coached in those years that are not standardised yet.
const NOT_YET: usize = 58;

pub struct HistorySummary {
    pub rows: usize,
    pub institutions: usize,
}

/// Loads the past coaching and the 2025 targets unless past coaching exists already.
pub async fn load(db: &Db) -> DbResult<HistorySummary> {
    let existing: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM sni_history")
        .fetch_one(db.pool())
        .await?;
    if existing > 0 {
        return Ok(HistorySummary {
            rows: 0,
            institutions: 0,
        });
    }
    let dir = offices::directory(db).await?;
    let districts: Vec<String> = dir
        .iter()
        .filter_map(|o| o.code.strip_prefix("BNNK-").map(str::to_string))
        .collect();
    if districts.is_empty() {
        return Ok(HistorySummary {
            rows: 0,
            institutions: 0,
        });
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
    // 2025 targets: the national priority at BNN RI, the regular ones over the field offices.
    let year = 2025;
    if let Some(root) = dir.iter().find(|o| o.level == "pusat") {
        summary::set_target(db, sys, root.id, year, "prioritas_nasional", 10).await?;
    }
    // One each for the first 89 field offices in the directory's order.
    for o in dir.iter().filter(|o| o.level != "pusat").take(89) {
        summary::set_target(db, sys, o.id, year, "reguler", 1).await?;
    }
    Ok(HistorySummary {
        rows,
        institutions: k,
    })
}
