//! Periodic IBM reports in and out of spreadsheets, one row per report line (long format): the
//! rows of one unit and period make one report. A report is matched by unit code and period: an
//! identical report is left alone, a different one replaces the earlier lines (a correction keeps
//! the first submission date, as on the form).

use super::{MAX_ERRORS, Message, RowError, Table};
use crate::db::ImportTx;
use crate::error::DbResult;
use crate::ibm::reports::{self, Checked, ReportLine};
use crate::sql::Sql;
use crate::{Actor, Db, reference};
use pantau_core::access::{Permission, Principal};
use pantau_core::ibm::{Period, ReportState};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap, HashSet};

pub const REQUIRED: &[&str] = &["kode_unit", "periode", "jenis", "kode_item", "jumlah"];
pub const OPTIONAL: &[&str] = &["jenis_kelamin", "kelompok_umur", "tingkat_risiko"];
const COLUMNS: super::Columns = super::Columns {
    required: REQUIRED,
    optional: OPTIONAL,
    per_year: &[],
};

pub fn columns() -> Vec<&'static str> {
    REQUIRED.iter().chain(OPTIONAL).copied().collect()
}

pub use super::units::ImportSummary;

/// An empty file with the expected columns and example rows (an activity, a service, a referral).
pub fn template() -> Table {
    let mut t = Table::new(&columns());
    for row in [
        [
            "IBM-32.73-001",
            "2025-01",
            "kegiatan",
            "sosialisasi",
            "2",
            "",
            "",
            "",
        ],
        [
            "IBM-32.73-001",
            "2025-01",
            "layanan",
            "skrining",
            "5",
            "l",
            "18_25",
            "",
        ],
        [
            "IBM-32.73-001",
            "2025-01",
            "layanan",
            "rujukan",
            "1",
            "p",
            "26_40",
            "sedang",
        ],
    ] {
        t.rows.push(row.iter().map(|s| s.to_string()).collect());
    }
    t
}

fn line_key(l: &ReportLine) -> (String, String, String, String, String) {
    (
        l.kind.clone(),
        l.item_code.clone(),
        l.sex.clone(),
        l.age_band.clone(),
        l.risk_level.clone(),
    )
}

/// Imports report lines from `table`, all or nothing (see the module); `dry_run` rolls back.
pub async fn import(
    db: &Db,
    actor: Actor<'_>,
    table: &Table,
    dry_run: bool,
    progress: &(dyn Fn(usize) + Sync),
) -> DbResult<Result<ImportSummary, Vec<RowError>>> {
    let warnings = match table.check_import(&COLUMNS) {
        Ok(w) => w,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut errors = Vec::new();
    let rules = reference::line_rules(db).await?;
    let rule = reference::reporting_rule(db).await?;
    let today = crate::today();
    let mut units = super::UnitCodes::default();
    let mut groups: BTreeMap<(i64, Period), Vec<ReportLine>> = BTreeMap::new();
    let mut first_row: HashMap<(i64, Period), usize> = HashMap::new();
    let mut seen: HashMap<(i64, Period, (String, String, String, String, String)), usize> =
        HashMap::new();
    for (i, cells) in table.rows.iter().enumerate() {
        if errors.len() >= MAX_ERRORS {
            break;
        }
        let row = i + 2;
        let cell = |c: &str| table.cell(cells, c).to_string();
        let mut err = |column: &str, reason: Message| {
            errors.push(table.row_error(cells, row, column, reason))
        };
        let unit = match units.writable(db, actor, &cell("kode_unit")).await? {
            Ok(id) => Some(id),
            Err(reason) => {
                err("kode_unit", reason);
                None
            }
        };
        let period = match Period::parse(&cell("periode")) {
            Ok(p) if !rule.is_period_start(p) => {
                err("periode", Message::new("xchg-period-not-start"));
                None
            }
            Ok(p) if p.first_day() > today => {
                err("periode", Message::new("xchg-period-future"));
                None
            }
            Ok(p) => Some(p),
            Err(_) => {
                err("periode", Message::new("xchg-period-format"));
                None
            }
        };
        let count = match cell("jumlah").parse::<i64>() {
            Ok(n) => n,
            Err(_) => {
                err("jumlah", Message::new("xchg-whole-number"));
                continue;
            }
        };
        let kind = match cell("jenis").to_lowercase().as_str() {
            "kegiatan" | "activity" => "activity".to_string(),
            "layanan" | "service" => "service".to_string(),
            other => other.to_string(),
        };
        let line = ReportLine {
            kind,
            item_code: cell("kode_item"),
            sex: cell("jenis_kelamin").to_lowercase(),
            age_band: cell("kelompok_umur"),
            risk_level: cell("tingkat_risiko"),
            count,
        };
        if let Err((column, why)) = rules.check(&line, row) {
            err(column, why);
            continue;
        }
        let (Some(unit), Some(period)) = (unit, period) else {
            continue;
        };
        if let Some(first) = seen.insert((unit, period, line_key(&line)), row) {
            err(
                "kode_item",
                Message::new("xchg-line-twice").with("first", first),
            );
            continue;
        }
        first_row.entry((unit, period)).or_insert(row);
        groups.entry((unit, period)).or_default().push(line);
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut summary = ImportSummary {
        rows: table.rows.len(),
        dry_run,
        warnings,
        ..Default::default()
    };
    let submitted = today;
    let mut tx = ImportTx::begin(db, dry_run).await?;
    let mut rows_done = 0;
    for ((unit, period), lines) in &groups {
        tx.row_done().await?;
        rows_done += lines.len();
        progress(rows_done);
        let existing: Option<HashSet<_>> = match sqlx::query(
            "SELECT id FROM ibm_reports WHERE unit_id = $1 AND period = $2",
        )
        .bind(unit)
        .bind(period.to_string())
        .fetch_optional(&mut *tx)
        .await?
        {
            None => None,
            Some(r) => Some(
                sqlx::query(
                    "SELECT kind, item_code, sex, age_band, risk_level, count FROM ibm_report_lines WHERE report_id = $1",
                )
                .bind(r.get::<i64, _>("id"))
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|l| {
                    (
                        l.get::<String, _>("kind"),
                        l.get::<String, _>("item_code"),
                        l.get::<String, _>("sex"),
                        l.get::<String, _>("age_band"),
                        l.get::<String, _>("risk_level"),
                        l.get::<i64, _>("count"),
                    )
                })
                .collect(),
            ),
        };
        let incoming: HashSet<_> = lines
            .iter()
            .filter(|l| l.count > 0)
            .map(|l| {
                let k = line_key(l);
                (k.0, k.1, k.2, k.3, k.4, l.count)
            })
            .collect();
        match &existing {
            Some(e) if *e == incoming => {
                summary.unchanged += 1;
                continue;
            }
            Some(_) => summary.updated += 1,
            None => summary.created += 1,
        }
        let checked = Checked {
            period: *period,
            due: rule.due_date(*period),
            late: rule.state(*period, Some(submitted), today) == ReportState::Late,
            submitted,
            replaces: reports::Replaces::Any,
        };
        if let Err(e) = reports::write_in(&mut tx, actor, *unit, checked, lines, "").await {
            tx.rollback().await?;
            let row = first_row[&(*unit, *period)];
            return Ok(Err(vec![RowError::from_write(
                e,
                row,
                &period.to_string(),
            )?]));
        }
    }
    tx.finish().await?;
    Ok(Ok(summary))
}

/// Report lines of `year` for the units the principal may read, in the import columns.
pub async fn export(db: &Db, who: &Principal, year: i64) -> DbResult<Table> {
    let mut t = Table::new(&columns());
    let mut sql = Sql::new(
        "SELECT u.code, r.period, l.kind, l.item_code, l.sex, l.age_band, l.risk_level, l.count \
         FROM ibm_report_lines l JOIN ibm_reports r ON r.id = l.report_id JOIN ibm_units u ON u.id = r.unit_id \
         JOIN offices o ON o.id = u.office_id WHERE r.period >= ",
    );
    sql.bind(format!("{year}-01"))
        .push(" AND r.period <= ")
        .bind(format!("{year}-12"))
        .push(" AND ");
    if !sql.scope(who, Permission::ReadData, "o.path") {
        return Ok(t);
    }
    sql.push(" ORDER BY u.code, r.period, l.kind, l.item_code, l.sex, l.age_band, l.risk_level");
    for r in sql.query().fetch_all(db.pool()).await? {
        let kind: String = r.get("kind");
        t.rows.push(vec![
            r.get("code"),
            r.get("period"),
            if kind == "activity" {
                "kegiatan"
            } else {
                "layanan"
            }
            .to_string(),
            r.get("item_code"),
            r.get::<i64, _>("count").to_string(),
            r.get("sex"),
            r.get("age_band"),
            r.get("risk_level"),
        ]);
    }
    Ok(t)
}
