//! SNI coaching targets (`target-sni`) in and out of spreadsheets: one row per office, year and
//! track, as BNN RI sets them for the year. National admins only, like the form on the summary
//! page. All or nothing; a second import of the same file changes nothing.

use super::{MAX_ERRORS, Message, RowError, Table};
use crate::db::ImportTx;
use crate::error::DbResult;
use crate::summary::{self, MAX_TARGET};
use crate::{Actor, Db};
use pantau_core::access::{Permission, Principal};
use pantau_core::ibm::{FIRST_YEAR, LAST_YEAR};
use pantau_core::sni::CohortKind;
use sqlx::Row;
use std::collections::HashMap;

pub use super::units::ImportSummary;

pub const REQUIRED: &[&str] = &["kode_satker", "tahun", "jalur", "target"];
/// The office's name, as the export gives it for reading; the import goes by code.
pub const OPTIONAL: &[&str] = &["nama_satker"];
const COLUMNS: super::Columns = super::Columns {
    required: REQUIRED,
    optional: OPTIONAL,
    per_year: &[],
};

pub fn columns() -> Vec<&'static str> {
    REQUIRED.iter().chain(OPTIONAL).copied().collect()
}

pub fn template() -> Table {
    let mut t = Table::new(&columns());
    for row in [
        [
            "BNN",
            "2026",
            "prioritas_nasional",
            "10",
            "Badan Narkotika Nasional Republik Indonesia",
        ],
        ["BNNK-32.73", "2026", "reguler", "1", "BNNK Kota Bandung"],
    ] {
        t.rows.push(row.iter().map(|s| s.to_string()).collect());
    }
    t
}

/// A checked row, ready to write.
struct Planned {
    row: usize,
    office_id: i64,
    office_code: String,
    year: i64,
    kind: String,
    target: i64,
}

/// Imports targets from `table`, all or nothing; `dry_run` does the same and rolls back.
pub async fn import(
    db: &Db,
    actor: Actor<'_>,
    table: &Table,
    dry_run: bool,
    progress: &(dyn Fn(usize) + Sync),
) -> DbResult<Result<ImportSummary, Vec<RowError>>> {
    // Said once for the file rather than on every row.
    if actor
        .authorize_national(Permission::ManageReference)
        .is_err()
    {
        return Ok(Err(vec![RowError::file(Message::new(
            "xchg-targets-national",
        ))]));
    }
    let warnings = match table.check_import(&COLUMNS) {
        Ok(w) => w,
        Err(errors) => return Ok(Err(errors)),
    };
    let offices: HashMap<String, i64> = sqlx::query("SELECT id, code FROM offices")
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| (r.get::<String, _>("code").to_uppercase(), r.get("id")))
        .collect();
    let mut errors = Vec::new();
    let mut seen: HashMap<(i64, i64, String), usize> = HashMap::new();
    let mut plan = Vec::new();
    for (i, cells) in table.rows.iter().enumerate() {
        if errors.len() >= MAX_ERRORS {
            break;
        }
        let row = i + 2;
        let cell = |c: &str| table.cell(cells, c).trim().to_string();
        let mut err = |column: &str, reason: Message| {
            errors.push(table.row_error(cells, row, column, reason))
        };
        let office_code = cell("kode_satker").to_uppercase();
        let office = offices.get(&office_code).copied();
        if office.is_none() {
            err("kode_satker", Message::new("xchg-office-not-found"));
        }
        let year = match cell("tahun").parse::<i64>() {
            Ok(y) if (FIRST_YEAR..=LAST_YEAR).contains(&y) => Some(y),
            _ => {
                err(
                    "tahun",
                    Message::new("xchg-year-range")
                        .with("min", FIRST_YEAR)
                        .with("max", LAST_YEAR),
                );
                None
            }
        };
        let kind = cell("jalur").to_lowercase();
        if CohortKind::parse(&kind).is_none() {
            err(
                "jalur",
                Message::new("xchg-one-of")
                    .with_list("values", CohortKind::ALL.iter().map(|k| k.as_str())),
            );
        }
        let target = match cell("target").parse::<i64>() {
            Ok(n) if (0..=MAX_TARGET).contains(&n) => Some(n),
            _ => {
                err(
                    "target",
                    Message::new("err-target-count").with("max", MAX_TARGET),
                );
                None
            }
        };
        let (Some(office_id), Some(year), Some(target)) = (office, year, target) else {
            continue;
        };
        if CohortKind::parse(&kind).is_none() {
            continue;
        }
        if let Some(first) = seen.insert((office_id, year, kind.clone()), row) {
            err(
                "kode_satker",
                Message::new("xchg-target-twice").with("first", first),
            );
            continue;
        }
        plan.push(Planned {
            row,
            office_id,
            office_code,
            year,
            kind,
            target,
        });
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
        match summary::set_target_in(&mut tx, actor, p.office_id, p.year, &p.kind, p.target).await {
            Ok(Some(true)) => summary.created += 1,
            Ok(Some(false)) => summary.updated += 1,
            Ok(None) => summary.unchanged += 1,
            Err(e) => {
                tx.rollback().await?;
                return Ok(Err(vec![RowError::from_write(e, p.row, &p.office_code)?]));
            }
        }
        progress(done + 1);
    }
    tx.finish().await?;
    Ok(Ok(summary))
}

/// The targets the principal may read (of one year, or all), in the import columns.
pub async fn export(db: &Db, who: &Principal, year: Option<i64>) -> DbResult<Table> {
    let mut t = Table::new(&columns());
    let mut sql = crate::sql::Sql::new(
        "SELECT o.code, o.name, t.year, t.kind, CAST(t.target AS BIGINT) AS target \
         FROM sni_targets t JOIN offices o ON o.id = t.office_id WHERE ",
    );
    if !sql.scope(who, Permission::ReadData, "o.path") {
        return Ok(t);
    }
    if let Some(year) = year {
        sql.push(" AND t.year = ").bind(year);
    }
    sql.push(" ORDER BY t.year, o.path, t.kind");
    for r in sql.query().fetch_all(db.pool()).await? {
        t.rows.push(vec![
            r.get("code"),
            r.get::<i64, _>("year").to_string(),
            r.get("kind"),
            r.get::<i64, _>("target").to_string(),
            r.get("name"),
        ]);
    }
    Ok(t)
}
