//! IBM units in and out of spreadsheets. The unit code is the natural key: importing a file twice
//! changes nothing the second time, and an exported file imports back to the same units.

use super::{Columns, MAX_ERRORS, Message, RowError, Table, flag_text, parse_flag};
use crate::db::ImportTx;
use crate::error::{DbError, DbResult};
use crate::ibm::units::{self, UnitInput};
use crate::{Actor, Db};
use pantau_core::access::{Permission, Principal};
use pantau_core::ibm::FundingSource;
use pantau_core::org::{AreaCode, AreaLevel, OfficePath};
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};
use std::collections::{HashMap, HashSet};

pub const REQUIRED: &[&str] = &[
    "kode",
    "nama",
    "kode_desa",
    "kode_satker",
    "tahun_dibentuk",
    "sumber_dana",
];
pub const OPTIONAL: &[&str] = &["nomor_sk", "desa_bersinar", "kawasan_prioritas"];
const COLUMNS: Columns = Columns {
    required: REQUIRED,
    optional: OPTIONAL,
    per_year: &[],
};

/// Every column, in the order templates and exports use.
pub fn columns() -> Vec<&'static str> {
    REQUIRED.iter().chain(OPTIONAL).copied().collect()
}

/// An empty file with the expected columns and one example row.
pub fn template() -> Table {
    let mut t = Table::new(&columns());
    t.rows.push(
        [
            "IBM-32.73-001",
            "Unit IBM Desa Contoh",
            "32.73.01.1001",
            "BNNK-32.73",
            "2025",
            "apbn",
            "SK/01/2025",
            "tidak",
            "ya",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    );
    t
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ImportSummary {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub dry_run: bool,
    /// What the file had that the import ignored (unknown columns).
    pub warnings: Vec<RowError>,
}

struct Planned {
    row: usize,
    input: UnitInput,
    existing: Option<i64>,
    changed: bool,
}

/// Imports units from `table`: every row is checked first; then all rows are written in one
/// transaction (created, or updated by code), or — with `dry_run` — the same is done and rolled
/// back, so the summary is exactly what a real import would do. New units start monitoring in
/// `first_year`. `Ok(Err(rows))` lists the problems; nothing is written then.
pub async fn import(
    db: &Db,
    actor: Actor<'_>,
    table: &Table,
    first_year: i64,
    dry_run: bool,
    progress: &(dyn Fn(usize) + Sync),
) -> DbResult<Result<ImportSummary, Vec<RowError>>> {
    let warnings = match table.check_import(&COLUMNS) {
        Ok(w) => w,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut errors = Vec::new();
    let offices: HashMap<String, (i64, String, String)> =
        sqlx::query("SELECT id, code, level, path FROM offices")
            .fetch_all(db.pool())
            .await?
            .iter()
            .map(|r| {
                (
                    r.get::<String, _>("code"),
                    (r.get("id"), r.get("level"), r.get("path")),
                )
            })
            .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut plan = Vec::new();
    let mut known_villages: HashSet<String> = HashSet::new();
    for (i, cells) in table.rows.iter().enumerate() {
        if errors.len() >= MAX_ERRORS {
            break;
        }
        let row = i + 2;
        let cell = |c: &str| table.cell(cells, c).to_string();
        let mut err = |column: &str, reason: Message| {
            errors.push(table.row_error(cells, row, column, reason))
        };
        let code = cell("kode");
        if !crate::ibm::is_code(&code, 3..=40) {
            err("kode", Message::new("xchg-code-format"));
        } else if let Some(first) = seen.insert(code.to_uppercase(), row) {
            err("kode", Message::new("xchg-code-twice").with("first", first));
        }
        let name = cell("nama");
        if name.is_empty() || name.chars().count() > 200 {
            err("nama", Message::new("xchg-name-required").with("max", 200));
        }
        let village = cell("kode_desa");
        match AreaCode::parse(&village) {
            Ok(a) if a.level() == AreaLevel::Village => {
                if !known_villages.contains(&village) {
                    let exists =
                        sqlx::query("SELECT 1 FROM areas WHERE code = $1 AND valid_to IS NULL")
                            .bind(&village)
                            .fetch_optional(db.pool())
                            .await?
                            .is_some();
                    if exists {
                        known_villages.insert(village.clone());
                    } else {
                        err("kode_desa", Message::new("xchg-village-not-found"));
                    }
                }
            }
            _ => err("kode_desa", Message::new("xchg-village-format")),
        }
        let office = match offices.get(&cell("kode_satker")) {
            None => {
                err("kode_satker", Message::new("xchg-office-not-found"));
                None
            }
            Some((_, level, _)) if level == "pusat" => {
                err("kode_satker", Message::new("xchg-office-central"));
                None
            }
            Some((id, _, path)) => {
                let path = OfficePath::parse(path).unwrap_or_else(|| OfficePath::root(*id));
                if actor.authorize(Permission::WriteData, &path).is_err() {
                    err("kode_satker", Message::new("xchg-office-outside-scope"));
                    None
                } else {
                    Some(*id)
                }
            }
        };
        let year_formed = match cell("tahun_dibentuk").parse::<i64>() {
            Ok(y) if (2000..=2100).contains(&y) => Some(y),
            _ => {
                err(
                    "tahun_dibentuk",
                    Message::new("xchg-year-range")
                        .with("min", 2000)
                        .with("max", 2100),
                );
                None
            }
        };
        let funding = cell("sumber_dana").to_lowercase();
        if FundingSource::parse(&funding).is_none() {
            err(
                "sumber_dana",
                Message::new("xchg-one-of")
                    .with_list("values", FundingSource::ALL.iter().map(|f| f.as_str())),
            );
        }
        let decree = cell("nomor_sk");
        if decree.chars().count() > 100 {
            err("nomor_sk", Message::new("xchg-too-long").with("max", 100));
        }
        let flags: Vec<Option<bool>> = ["desa_bersinar", "kawasan_prioritas"]
            .iter()
            .map(|c| {
                let v = parse_flag(&cell(c));
                if v.is_none() {
                    err(c, Message::new("xchg-yes-no"));
                }
                v
            })
            .collect();
        let (Some(office_id), Some(year_formed), Some(desa_bersinar), Some(priority_area)) =
            (office, year_formed, flags[0], flags[1])
        else {
            continue;
        };
        plan.push(Planned {
            row,
            input: UnitInput {
                code,
                name,
                village_code: village,
                office_id,
                year_formed,
                decree_number: decree,
                funding_source: funding,
                desa_bersinar,
                priority_area,
            },
            existing: None,
            changed: true,
        });
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    // Existing units by code: unchanged rows are skipped, others updated where allowed.
    for p in plan.iter_mut() {
        let Ok(u) = units::by_code(db, &p.input.code).await else {
            continue;
        };
        p.existing = Some(u.id);
        p.changed = !(u.name == p.input.name
            && u.village_code == p.input.village_code
            && u.office_id == p.input.office_id
            && u.year_formed == p.input.year_formed
            && u.decree_number == p.input.decree_number
            && u.funding_source == p.input.funding_source
            && u.desa_bersinar == p.input.desa_bersinar
            && u.priority_area == p.input.priority_area);
        if p.changed {
            let path = OfficePath::parse(&u.office_path).unwrap_or_else(|| OfficePath::root(0));
            let refused = match actor.authorize(Permission::WriteData, &path) {
                Ok(()) => None,
                Err(DbError::Forbidden(d)) if d.unseen => Some("xchg-code-taken"),
                Err(_) => Some("xchg-unit-outside-scope"),
            };
            if let Some(reason) = refused {
                errors.push(RowError {
                    row: p.row,
                    column: "kode".into(),
                    value: p.input.code.clone(),
                    reason: Message::new(reason),
                });
            }
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut summary = ImportSummary {
        rows: plan.len(),
        dry_run,
        warnings,
        ..Default::default()
    };
    let mut tx = ImportTx::begin(db, dry_run).await?;
    for (done, p) in plan.iter().enumerate() {
        tx.row_done().await?;
        let result = match (p.existing, p.changed) {
            (Some(_), false) => {
                summary.unchanged += 1;
                Ok(())
            }
            (Some(id), true) => {
                summary.updated += 1;
                units::update_in(&mut tx, actor, id, &p.input)
                    .await
                    .map(|_| ())
            }
            (None, _) => {
                summary.created += 1;
                units::create_in(&mut tx, actor, &p.input, first_year)
                    .await
                    .map(|_| ())
            }
        };
        if let Err(e) = result {
            tx.rollback().await?;
            return Ok(Err(vec![RowError::from_write(e, p.row, &p.input.code)?]));
        }
        progress(done + 1);
    }
    tx.finish().await?;
    Ok(Ok(summary))
}

/// The units the principal may read (optionally under one office), in the import columns.
pub async fn export(db: &Db, who: &Principal, office_id: Option<i64>) -> DbResult<Table> {
    let mut t = Table::new(&columns());
    let root = crate::offices::report_root(db, who, office_id).await?;
    let Some((scope, binds)) = crate::db::scope_condition(who, Permission::ReadData, "o.path", 2)
    else {
        return Ok(t);
    };
    let mut q = sqlx::query(AssertSqlSafe(format!(
        "SELECT u.code, u.name, u.village_code, o.code AS office_code, u.year_formed, u.funding_source, \
         u.decree_number, u.desa_bersinar, u.priority_area FROM ibm_units u JOIN offices o ON o.id = u.office_id \
         WHERE o.path LIKE $1 AND {scope} ORDER BY u.code"
    )))
    .bind(format!("{}%", root.as_str()));
    for b in &binds {
        q = q.bind(b.clone());
    }
    for r in q.fetch_all(db.pool()).await? {
        t.rows.push(vec![
            r.get("code"),
            r.get("name"),
            r.get("village_code"),
            r.get("office_code"),
            r.get::<i64, _>("year_formed").to_string(),
            r.get("funding_source"),
            r.get("decree_number"),
            flag_text(crate::db::flag(&r, "desa_bersinar")),
            flag_text(crate::db::flag(&r, "priority_area")),
        ]);
    }
    Ok(t)
}
