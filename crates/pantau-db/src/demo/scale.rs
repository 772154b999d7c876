//! Synthetic data at scale for benchmarks: `n` IBM units spread over every BNNK, with yearly
//! categories and targets and five years of monthly reports. Written in large multi-row batches
//! straight to the tables (not through the audited write path): this is load-test data, not data
//! anyone entered.

use super::Lcg;
use crate::error::DbResult;
use crate::sql::Sql;
use crate::{Db, now_rfc3339};
use sqlx::Row;
use std::collections::HashMap;

pub struct ScaleSummary {
    pub units: u64,
    pub reports: u64,
    pub rows: u64,
}

/// Years of reports generated, ending with the last full year.
pub const YEARS: std::ops::RangeInclusive<i64> = 2021..=2025;

/// Generates `n` units; `progress(rows_done)` is called after every batch.
pub async fn generate(db: &Db, n: u64, progress: &(dyn Fn(u64) + Sync)) -> DbResult<ScaleSummary> {
    let mut rng = Lcg(500_000);
    // Offices with the villages of the regencies they cover.
    let rows = sqlx::query(
        "SELECT o.id, oa.area_code FROM offices o JOIN office_areas oa ON oa.office_id = o.id WHERE o.level = 'bnnk' ORDER BY o.id",
    )
    .fetch_all(db.pool())
    .await?;
    let mut villages_of: Vec<(i64, Vec<String>)> = Vec::new();
    for r in rows {
        let area: String = r.get("area_code");
        let villages: Vec<String> = sqlx::query(
            "SELECT code FROM areas WHERE level = 'desakel' AND valid_to IS NULL AND code LIKE $1",
        )
        .bind(format!("{area}.%"))
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|v| v.get("code"))
        .collect();
        if !villages.is_empty() {
            villages_of.push((r.get("id"), villages));
        }
    }
    let stages: Vec<i64> = sqlx::query("SELECT id FROM ibm_stages ORDER BY ordinal")
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| r.get("id"))
        .collect();
    let cats = [
        "berkelanjutan",
        "berkelanjutan_mandiri",
        "baru",
        "baru_mandiri",
    ];
    let now = now_rfc3339();
    let (mut done_units, mut reports, mut rows_total) = (0u64, 0u64, 0u64);
    const UNIT_BATCH: u64 = 250;
    while done_units < n {
        let batch = UNIT_BATCH.min(n - done_units);
        let mut tx = db.begin().await?;
        let mut sql = Sql::new(
            "INSERT INTO ibm_units (code, name, village_code, office_id, year_formed, decree_number, funding_source, \
             status, status_date, created_at, updated_at) VALUES ",
        );
        sql.values(0..batch, |row, i| {
            let k = done_units + i;
            let (office, villages) = &villages_of[(k as usize) % villages_of.len()];
            row.bind(format!("GEN-{k:07}"))
                .bind(format!("IBM sintetis {k}"))
                .bind(villages[rng.next(villages.len() as u64) as usize].clone())
                .bind(*office)
                .bind(2021i64)
                .bind(format!("{k}/SK/2021"))
                .bind("apbn".to_string())
                .bind("operasional".to_string())
                .bind("2021-01-05".to_string())
                .bind(now.clone())
                .bind(now.clone());
        });
        sql.push(" RETURNING id");
        let q = sql.query();
        let ids: Vec<i64> = q
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.get("id"))
            .collect();
        // Status log, one row per unit; unit-years for every year.
        let mut sql = Sql::new(
            "INSERT INTO ibm_unit_status_log (unit_id, from_status, to_status, reason, effective_date, username, at) VALUES ",
        );
        sql.values(&ids, |row, id| {
            row.bind(*id)
                .bind("ap_dilatih".to_string())
                .bind("operasional".to_string())
                .bind(String::new())
                .bind("2021-01-05".to_string())
                .bind("sistem:skala".to_string())
                .bind(now.clone());
        });
        sql.query().execute(&mut *tx).await?;
        let years: Vec<i64> = YEARS.collect();
        let mut sql = Sql::new(
            "INSERT INTO ibm_unit_years (unit_id, year, category, target_stage_id, confirmed) VALUES ",
        );
        let unit_years = ids
            .iter()
            .flat_map(|id| years.iter().map(move |y| (*id, *y)));
        sql.values(unit_years, |row, (id, y)| {
            row.bind(id)
                .bind(y)
                .bind(cats[rng.next(4) as usize].to_string())
                .bind(stages.get(rng.next(stages.len() as u64) as usize).copied())
                .bind(true);
        });
        sql.query().execute(&mut *tx).await?;
        // Monthly reports, about nine in ten present, one in six late.
        let mut pending: Vec<(i64, String, String, String, bool)> = Vec::new();
        for id in &ids {
            for y in &years {
                for m in 1..=12u32 {
                    if rng.next(10) == 0 {
                        continue;
                    }
                    let due = format!(
                        "{}-{:02}-10",
                        if m == 12 { y + 1 } else { *y },
                        if m == 12 { 1 } else { m + 1 }
                    );
                    let late = rng.next(6) == 0;
                    let submitted = if late {
                        format!(
                            "{}-{:02}-25",
                            if m == 12 { y + 1 } else { *y },
                            if m == 12 { 1 } else { m + 1 }
                        )
                    } else {
                        format!(
                            "{}-{:02}-05",
                            if m == 12 { y + 1 } else { *y },
                            if m == 12 { 1 } else { m + 1 }
                        )
                    };
                    pending.push((*id, format!("{y}-{m:02}"), submitted, due, late));
                }
            }
        }
        for chunk in pending.chunks(250) {
            let mut sql = Sql::new(
                "INSERT INTO ibm_reports (unit_id, period, submitted_on, due_date, late, note, submitted_by, updated_at) VALUES ",
            );
            sql.values(chunk, |row, (id, period, submitted, due, late)| {
                row.bind(*id)
                    .bind(period.clone())
                    .bind(submitted.clone())
                    .bind(due.clone())
                    .bind(*late)
                    .bind(String::new())
                    .bind("sistem:skala".to_string())
                    .bind(now.clone());
            });
            sql.query().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        done_units += batch;
        reports += pending.len() as u64;
        rows_total += batch * (2 + years.len() as u64) + pending.len() as u64;
        progress(done_units);
    }
    // Written straight to the tables, so the roll-ups are rebuilt once at the end.
    let mut tx = db.begin().await?;
    crate::ibm::rollup::rebuild(&mut tx).await?;
    tx.commit().await?;
    db.refresh_statistics().await?;
    Ok(ScaleSummary {
        units: done_units,
        reports,
        rows: rows_total,
    })
}

/// The national figures as plain GROUP BYs over the raw rows — unit-years by office and
/// category, and the year's reports by office with on-time and late counts: the baseline the
/// dashboard is compared with.
pub async fn plain_group_by(db: &Db, year: i64) -> DbResult<HashMap<String, (i64, i64)>> {
    let rows = sqlx::query(
        "SELECT o.path, y.category, COUNT(*) AS n, \
         CAST(SUM(CASE WHEN y.target_stage_id IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS with_target \
         FROM ibm_unit_years y JOIN ibm_units u ON u.id = y.unit_id JOIN offices o ON o.id = u.office_id \
         WHERE y.year = $1 GROUP BY o.path, y.category",
    )
    .bind(year)
    .fetch_all(db.pool())
    .await?;
    let mut out = HashMap::new();
    for r in rows {
        let e: &mut (i64, i64) = out.entry(r.get::<String, _>("category")).or_default();
        e.0 += r.get::<i64, _>("n");
        e.1 += r.get::<i64, _>("with_target");
    }
    let rows = sqlx::query(
        "SELECT o.path, CAST(SUM(CASE WHEN r.submitted_on <= r.due_date THEN 1 ELSE 0 END) AS BIGINT) AS on_time, \
         CAST(SUM(CASE WHEN r.submitted_on > r.due_date THEN 1 ELSE 0 END) AS BIGINT) AS late \
         FROM ibm_reports r JOIN ibm_units u ON u.id = r.unit_id JOIN offices o ON o.id = u.office_id \
         WHERE r.period >= $1 AND r.period <= $2 GROUP BY o.path",
    )
    .bind(format!("{year}-01"))
    .bind(format!("{year}-12"))
    .fetch_all(db.pool())
    .await?;
    for r in rows {
        let e: &mut (i64, i64) = out.entry("reports".into()).or_default();
        e.0 += r.get::<i64, _>("on_time");
        e.1 += r.get::<i64, _>("late");
    }
    Ok(out)
}

/// Registers `n` synthetic rehabilitation institutions across the BNNK, through the normal
/// (validated, audited) write path. Returns how many exist afterwards.
pub async fn institutions(db: &Db, n: u64) -> DbResult<u64> {
    use crate::sni::institutions::{self, InstitutionInput};
    let offices: Vec<(i64, String)> =
        sqlx::query("SELECT id, code FROM offices WHERE level = 'bnnk' ORDER BY id")
            .fetch_all(db.pool())
            .await?
            .iter()
            .map(|r| (r.get("id"), r.get("code")))
            .collect();
    if offices.is_empty() {
        return Ok(0);
    }
    let mut rng = Lcg(8807);
    for i in 0..n {
        let (office_id, code) = &offices[rng.next(offices.len() as u64) as usize];
        let ownership = ["bnn", "instansi_pemerintah", "komponen_masyarakat"][rng.next(3) as usize];
        institutions::create(
            db,
            crate::Actor::System("sistem:skala"),
            &InstitutionInput {
                code: format!("LR-SKALA-{:05}", i + 1),
                name: format!("Lembaga Rehabilitasi Sintetis {}", i + 1),
                ownership: ownership.into(),
                service_kind: ["medis", "sosial", "keduanya"][rng.next(3) as usize].into(),
                modality: ["rawat_inap", "rawat_jalan", "keduanya"][rng.next(3) as usize].into(),
                ipwl: rng.next(2) == 0,
                bnn_partner: ownership == "komponen_masyarakat",
                address: String::new(),
                area_code: code.trim_start_matches("BNNK-").to_string(),
                office_id: *office_id,
            },
        )
        .await?;
    }
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT CAST(COUNT(*) AS BIGINT) FROM institutions")
            .fetch_one(db.pool())
            .await? as u64,
    )
}

/// Rows in the tables a benchmark reports on: (IBM units, IBM reports, institutions).
pub async fn counts(db: &Db) -> DbResult<(i64, i64, i64)> {
    let mut out = [0i64; 3];
    for (i, statement) in [
        "SELECT CAST(COUNT(*) AS BIGINT) FROM ibm_units",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM ibm_reports",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM institutions",
    ]
    .into_iter()
    .enumerate()
    {
        out[i] = sqlx::query_scalar(statement).fetch_one(db.pool()).await?;
    }
    Ok((out[0], out[1], out[2]))
}

/// Up to `limit` operating units with no report for any period from `from_period` on: targets
/// for fresh submissions in a benchmark.
pub async fn units_without_reports_since(
    db: &Db,
    from_period: &str,
    limit: usize,
) -> DbResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM ibm_units WHERE status = $1 AND id NOT IN \
         (SELECT unit_id FROM ibm_reports WHERE period >= $2) ORDER BY id LIMIT $3",
    )
    .bind(pantau_core::ibm::UnitStatus::Operating.as_str())
    .bind(from_period)
    .bind(limit as i64)
    .fetch_all(db.pool())
    .await?)
}
