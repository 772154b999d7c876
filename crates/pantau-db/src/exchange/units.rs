//! IBM units in and out of spreadsheets — the national list in one file: registry columns, and
//! per-year columns (`kategori_2025`, `tahap_target_2025`, `tahap_capaian_2025`, for any number
//! of years). The unit code is the natural key: importing a file twice changes nothing the
//! second time, and an exported file imports back to the same units.
//!
//! What a list from elsewhere lacks is derived: the coaching office from the village (the BNNK
//! whose areas hold it, else the BNNP of its province), funding as "not filled in", and for a
//! unit with a category in a past or current year, the status "operating" since 1 January of its
//! first such year. Categories, stages and statuses are matched by code or label as people type
//! them. An achieved stage becomes a final assessment marked as imported.

use super::{Columns, MAX_ERRORS, Message, RowError, Table, flag_text, parse_flag};
use crate::db::ImportTx;
use crate::error::{DbError, DbResult};
use crate::ibm::assessments::{SOURCE_IMPORT, import_final_in};
use crate::ibm::units::{self, UnitInput};
use crate::offices::OfficeSummary;
use crate::sql::Sql;
use crate::{Actor, Db};
use pantau_core::access::{Permission, Principal};
use pantau_core::ibm::{Category, FundingSource, UnitStatus, loose_key};
use pantau_core::org::{AreaCode, AreaLevel, OfficePath};
use serde::Serialize;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

pub const REQUIRED: &[&str] = &["kode", "nama", "kode_desa", "tahun_dibentuk"];
pub const OPTIONAL: &[&str] = &[
    "kode_satker",
    "sumber_dana",
    "nomor_sk",
    "desa_bersinar",
    "kawasan_prioritas",
    "status",
    "kategori",
    "tahap_target",
    "tahap_capaian",
];
/// Columns given per year (`kategori_2025`); without a year they mean the import's year.
pub const PER_YEAR: &[&str] = &["kategori", "tahap_target", "tahap_capaian"];
const COLUMNS: Columns = Columns {
    required: REQUIRED,
    optional: OPTIONAL,
    per_year: PER_YEAR,
};

/// The registry columns, in the order templates and exports use.
const REGISTRY: &[&str] = &[
    "kode",
    "nama",
    "kode_desa",
    "kode_satker",
    "tahun_dibentuk",
    "sumber_dana",
    "nomor_sk",
    "desa_bersinar",
    "kawasan_prioritas",
    "status",
];

/// Every column of a file with per-year columns for `years`.
pub fn columns(years: &[i64]) -> Vec<String> {
    let mut out: Vec<String> = REGISTRY.iter().map(|c| c.to_string()).collect();
    for y in years {
        out.extend(PER_YEAR.iter().map(|p| format!("{p}_{y}")));
    }
    out
}

/// A file with the columns for `year` and one example row.
pub fn template(year: i64) -> Table {
    let headers = columns(&[year]);
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = Table::new(&headers);
    t.rows.push(
        [
            "IBM-32.73-001",
            "Unit IBM Desa Contoh",
            "32.73.01.1001",
            "",
            "2025",
            "",
            "SK/01/2025",
            "tidak",
            "ya",
            "",
            "berkelanjutan",
            "",
            "",
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

/// One year of a row as it will be stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct YearPlan {
    pub year: i64,
    /// Category code; `None` when the file gives none for this year.
    pub category: Option<String>,
    /// Target stage code: `None` when the file has no target column for the year (kept as
    /// is), `Some("")` for an empty cell (no target).
    pub target: Option<String>,
    /// Achieved stage code, stored as an imported final assessment.
    pub achieved: Option<String>,
}

/// What happens to a row.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    New,
    Changed,
    Unchanged,
}

/// One row as it will be stored: what the preview shows and the fingerprint covers.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RowPlan {
    pub row: usize,
    pub code: String,
    pub name: String,
    pub village_code: String,
    pub office_code: String,
    pub office_name: String,
    /// The office came from the village (the file gave none).
    pub office_derived: bool,
    pub year_formed: i64,
    pub funding: String,
    /// The status to set, with its date; `None` keeps the unit's own.
    pub status: Option<(String, String)>,
    pub years: Vec<YearPlan>,
    pub action: RowAction,
    /// The stored unit as the plan was made against it (its registry, years and results):
    /// part of the fingerprint, so that a change by someone else between a preview and its
    /// saving shows a new preview instead of being overwritten unseen.
    pub stored: String,
}

/// An import's outcome: the counts, every row as stored, and a fingerprint of those rows — a
/// save that commits "what was previewed" passes the preview's fingerprint back.
#[derive(Debug, Clone)]
pub struct UnitImport {
    pub summary: ImportSummary,
    pub rows: Vec<RowPlan>,
    pub fingerprint: String,
}

struct Stage {
    id: i64,
    code: String,
    ordinal: i64,
    names: [String; 2],
}

impl Stage {
    /// The configured stages, as a list names them: code, number, or name in either language.
    async fn all(db: &Db) -> DbResult<Vec<Stage>> {
        Ok(crate::ibm::stages::list(db)
            .await?
            .into_iter()
            .map(|s| Stage {
                id: s.id,
                code: s.code,
                ordinal: s.ordinal,
                names: [s.name_id, s.name_en],
            })
            .collect())
    }
}

/// A stage as people write it: its code, its name in either language, or its number.
fn find_stage<'a>(stages: &'a [Stage], text: &str) -> Option<&'a Stage> {
    let key = loose_key(text);
    stages.iter().find(|s| {
        loose_key(&s.code) == key
            || s.names.iter().any(|n| loose_key(n) == key)
            || s.ordinal.to_string() == key
    })
}

/// Per-year cells of a row: year → (category, target, achieved); a missing column is `None`,
/// an empty cell `Some("")`.
type YearCells = BTreeMap<i64, [Option<String>; 3]>;

fn year_cells(table: &Table, cells: &[String], first_year: i64) -> YearCells {
    let mut out = YearCells::new();
    for (i, h) in table.headers.iter().enumerate() {
        let (prefix, year) = match COLUMNS.per_year_of(h) {
            Some(p) => p,
            None if PER_YEAR.contains(&h.as_str()) => (h.as_str(), first_year),
            None => continue,
        };
        let slot = PER_YEAR.iter().position(|p| *p == prefix).unwrap_or(0);
        let value = cells
            .get(i)
            .map(|c| c.trim().to_string())
            .unwrap_or_default();
        out.entry(year).or_default()[slot] = Some(value);
    }
    out
}

/// The column a year's cell came from, for row errors.
fn year_column(table: &Table, prefix: &str, year: i64) -> String {
    let named = format!("{prefix}_{year}");
    if table.headers.contains(&named) {
        named
    } else {
        prefix.to_string()
    }
}

struct Planned {
    plan: RowPlan,
    input: UnitInput,
    /// Category and target stage id per year to set.
    years: Vec<(i64, Category, Option<Option<i64>>)>,
    achieved: Vec<(i64, (i64, i64))>,
    status: Option<(UnitStatus, String)>,
    /// The file names the status (else a stored unit keeps its own).
    status_given: bool,
    existing: Option<i64>,
    registry_changed: bool,
}

/// From this many rows an import refreshes the database's planner statistics.
const BULK_ROWS: usize = 1_000;

/// Imports units from `table` (see the module), all or nothing; `dry_run` does the same and
/// rolls back. A row without any category gets the category of a new unit in `first_year`.
pub async fn import(
    db: &Db,
    actor: Actor<'_>,
    table: &Table,
    first_year: i64,
    dry_run: bool,
    progress: &(dyn Fn(usize) + Sync),
) -> DbResult<Result<ImportSummary, Vec<RowError>>> {
    Ok(
        import_planned(db, actor, table, first_year, dry_run, None, progress)
            .await?
            .map(|i| i.summary),
    )
}

/// [`import`] with every row's plan. With `expected` (a preview's fingerprint), the import is
/// refused when the rows would now be stored otherwise than previewed.
pub async fn import_planned(
    db: &Db,
    actor: Actor<'_>,
    table: &Table,
    first_year: i64,
    dry_run: bool,
    expected: Option<&str>,
    progress: &(dyn Fn(usize) + Sync),
) -> DbResult<Result<UnitImport, Vec<RowError>>> {
    let warnings = match table.check_import(&COLUMNS) {
        Ok(w) => w,
        Err(errors) => return Ok(Err(errors)),
    };
    let this_year = chrono::Datelike::year(&chrono::Utc::now()) as i64;
    let offices: HashMap<String, OfficeSummary> = crate::offices::directory(db)
        .await?
        .into_iter()
        .map(|o| (o.code.clone(), o))
        .collect();
    let stages = Stage::all(db).await?;
    let stage_list = || {
        stages
            .iter()
            .map(|s| format!("{} ({}. {})", s.code, s.ordinal, s.names[0]))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut villages: HashMap<String, Option<Option<OfficeSummary>>> = HashMap::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut planned: Vec<Planned> = Vec::new();
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
        // The village, and the office whose areas hold it.
        let village = cell("kode_desa");
        let covering = match AreaCode::parse(&village) {
            Ok(a) if a.level() == AreaLevel::Village => {
                if !villages.contains_key(&village) {
                    let exists =
                        sqlx::query("SELECT 1 FROM areas WHERE code = $1 AND valid_to IS NULL")
                            .bind(&village)
                            .fetch_optional(db.pool())
                            .await?
                            .is_some();
                    let found = if exists {
                        Some(crate::offices::covering(db, &a).await?)
                    } else {
                        None
                    };
                    villages.insert(village.clone(), found);
                }
                match &villages[&village] {
                    Some(covering) => Some(covering.clone()),
                    None => {
                        err("kode_desa", Message::new("xchg-village-not-found"));
                        None
                    }
                }
            }
            _ => {
                err("kode_desa", Message::new("xchg-village-format"));
                None
            }
        };
        let given = cell("kode_satker");
        let office = match (given.is_empty(), covering) {
            (_, None) => None,
            (true, Some(None)) => {
                err("kode_desa", Message::new("xchg-no-office-covers"));
                None
            }
            (true, Some(Some(c))) => Some((c, true)),
            (false, Some(covering)) => match offices.get(&given) {
                None => {
                    err("kode_satker", Message::new("xchg-office-not-found"));
                    None
                }
                Some(o) if o.level == "pusat" => {
                    err("kode_satker", Message::new("xchg-office-central"));
                    None
                }
                Some(o) => match covering {
                    Some(c) if !c.is_within(&o.path) => {
                        err(
                            "kode_satker",
                            Message::new("xchg-office-not-covering")
                                .with("office", &o.code)
                                .with("village", &village)
                                .with("covering", format!("{} ({})", c.name, c.code)),
                        );
                        None
                    }
                    _ => Some((o.clone(), false)),
                },
            },
        };
        let office = office.and_then(|(o, derived)| {
            let path = OfficePath::parse(&o.path).unwrap_or_else(|| OfficePath::root(o.id));
            match actor.authorize(Permission::WriteData, &path) {
                Ok(()) => Some((o, derived)),
                Err(_) => {
                    err("kode_satker", Message::new("xchg-office-outside-scope"));
                    None
                }
            }
        });
        let year_formed = match cell("tahun_dibentuk").parse::<i64>() {
            Ok(y) if (2000..=this_year).contains(&y) => Some(y),
            _ => {
                err(
                    "tahun_dibentuk",
                    Message::new("xchg-year-range")
                        .with("min", 2000)
                        .with("max", this_year),
                );
                None
            }
        };
        let funding = match cell("sumber_dana") {
            text if text.is_empty() => Some(FundingSource::Unknown),
            text => {
                let f = FundingSource::parse_loose(&text, FundingSource::labels);
                if f.is_none() {
                    err(
                        "sumber_dana",
                        Message::new("xchg-one-of").with_list("values", FundingSource::codes()),
                    );
                }
                f
            }
        };
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
        let given_status = match cell("status") {
            text if text.is_empty() => None,
            text => {
                let s = UnitStatus::parse_loose(&text, UnitStatus::labels);
                if s.is_none() {
                    err(
                        "status",
                        Message::new("xchg-one-of").with_list("values", UnitStatus::codes()),
                    );
                }
                s
            }
        };
        // The years.
        let mut years = Vec::new();
        let mut year_plans = Vec::new();
        let mut achieved = Vec::new();
        for (year, [category, target, reached]) in year_cells(table, cells, first_year) {
            let column = |p: &str| year_column(table, p, year);
            let category_value = match category.as_deref() {
                None | Some("") => None,
                Some(text) => {
                    let c = Category::parse_loose(text, Category::labels);
                    if c.is_none() {
                        err(
                            &column("kategori"),
                            Message::new("xchg-one-of").with_list("values", Category::codes()),
                        );
                    }
                    c
                }
            };
            let stage_of =
                |text: &Option<String>, prefix: &str, errs: &mut dyn FnMut(&str, Message)| {
                    match text.as_deref() {
                        None => Ok(None),
                        Some("") => Ok(Some(None)),
                        Some(t) => match find_stage(&stages, t) {
                            Some(s) => Ok(Some(Some(s))),
                            None => {
                                errs(
                                    &year_column(table, prefix, year),
                                    Message::new("xchg-stage-unknown").with("values", stage_list()),
                                );
                                Err(())
                            }
                        },
                    }
                };
            let target = stage_of(&target, "tahap_target", &mut err);
            let reached = stage_of(&reached, "tahap_capaian", &mut err);
            let (Ok(target), Ok(reached)) = (target, reached) else {
                continue;
            };
            let has_stage = matches!(target, Some(Some(_))) || matches!(reached, Some(Some(_)));
            let Some(cat) = category_value else {
                if has_stage {
                    err(
                        &column("kategori"),
                        Message::new("xchg-year-needs-category").with("year", year),
                    );
                }
                continue;
            };
            if !(pantau_core::ibm::FIRST_YEAR..=pantau_core::ibm::LAST_YEAR).contains(&year) {
                err(
                    &column("kategori"),
                    Message::new("xchg-year-range")
                        .with("min", pantau_core::ibm::FIRST_YEAR)
                        .with("max", pantau_core::ibm::LAST_YEAR),
                );
                continue;
            }
            if year_formed.is_some_and(|f| year < f) {
                err(
                    &column("kategori"),
                    Message::new("xchg-category-before-formed")
                        .with("year", year)
                        .with("formed", year_formed.unwrap_or_default()),
                );
                continue;
            }
            if let Some(Some(s)) = reached {
                if year > this_year {
                    err(
                        &column("tahap_capaian"),
                        Message::new("xchg-achieved-future").with("year", year),
                    );
                    continue;
                }
                achieved.push((year, (s.id, s.ordinal)));
            }
            years.push((year, cat, target.map(|t| t.map(|s| s.id))));
            year_plans.push(YearPlan {
                year,
                category: Some(cat.as_str().to_string()),
                target: target.map(|t| t.map(|s| s.code.clone()).unwrap_or_default()),
                achieved: reached.flatten().map(|s| s.code.clone()),
            });
        }
        let (Some((office, derived)), Some(year_formed), Some(funding), Some(d), Some(p)) =
            (office, year_formed, funding, flags[0], flags[1])
        else {
            continue;
        };
        // A unit with a category in a past or current year runs, unless the file says otherwise.
        let first_category_year = years.iter().map(|y| y.0).filter(|y| *y <= this_year).min();
        let status = match (given_status, first_category_year) {
            (Some(s), Some(y)) => Some((s, format!("{y}-01-01"))),
            (Some(s), None) => Some((s, crate::today().to_string())),
            (None, Some(y)) => Some((UnitStatus::Operating, format!("{y}-01-01"))),
            (None, None) => None,
        };
        planned.push(Planned {
            plan: RowPlan {
                row,
                code: code.clone(),
                name: name.clone(),
                village_code: village.clone(),
                office_code: office.code.clone(),
                office_name: office.name.clone(),
                office_derived: derived,
                year_formed,
                funding: funding.as_str().to_string(),
                status: status
                    .as_ref()
                    .map(|(s, d)| (s.as_str().to_string(), d.clone())),
                years: year_plans,
                action: RowAction::New,
                stored: String::new(),
            },
            input: UnitInput {
                code,
                name,
                village_code: village,
                office_id: office.id,
                year_formed,
                decree_number: decree,
                funding_source: funding.as_str().to_string(),
                desa_bersinar: d,
                priority_area: p,
            },
            years,
            achieved,
            status,
            status_given: given_status.is_some(),
            existing: None,
            registry_changed: true,
        });
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    // Against what is stored: new, changed or unchanged, and who may change it.
    for p in planned.iter_mut() {
        let Ok(u) = units::by_code(db, &p.input.code).await else {
            continue;
        };
        p.existing = Some(u.id);
        let path = OfficePath::parse(&u.office_path).unwrap_or_else(|| OfficePath::root(0));
        let refused = match actor.authorize(Permission::WriteData, &path) {
            Ok(()) => None,
            Err(DbError::Forbidden(d)) if d.unseen => Some("xchg-code-taken"),
            Err(_) => Some("xchg-unit-outside-scope"),
        };
        if let Some(reason) = refused {
            errors.push(RowError {
                row: p.plan.row,
                column: "kode".into(),
                value: p.input.code.clone(),
                reason: Message::new(reason),
            });
            continue;
        }
        p.registry_changed = !(u.name == p.input.name
            && u.village_code == p.input.village_code
            && u.office_id == p.input.office_id
            && u.year_formed == p.input.year_formed
            && u.decree_number == p.input.decree_number
            && u.funding_source == p.input.funding_source
            && u.desa_bersinar == p.input.desa_bersinar
            && u.priority_area == p.input.priority_area);
        // A stored unit keeps its status unless the file names another.
        if !p.status_given
            || p.status
                .as_ref()
                .is_some_and(|(s, _)| s.as_str() == u.status)
        {
            p.status = None;
        }
        p.plan.status = p
            .status
            .as_ref()
            .map(|(s, d)| (s.as_str().to_string(), d.clone()));
        let stored_years: HashMap<i64, (String, Option<i64>, bool)> = sqlx::query(
            "SELECT year, category, target_stage_id, confirmed FROM ibm_unit_years WHERE unit_id = $1",
        )
        .bind(u.id)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| {
            (
                r.get::<i64, _>("year"),
                (r.get("category"), r.get("target_stage_id"), crate::db::flag(r, "confirmed")),
            )
        })
        .collect();
        p.years
            .retain(|(year, cat, target)| match stored_years.get(year) {
                Some((c, t, confirmed)) => {
                    let same_target = match target {
                        None => true,
                        Some(given) => given == t,
                    };
                    !(*confirmed && c == cat.as_str() && same_target)
                }
                None => true,
            });
        let assessed: HashMap<i64, (String, Option<i64>, String)> = sqlx::query(
            "SELECT year, status, achieved_stage_id, source FROM ibm_assessments WHERE unit_id = $1",
        )
        .bind(u.id)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| {
            (
                r.get::<i64, _>("year"),
                (r.get("status"), r.get("achieved_stage_id"), r.get("source")),
            )
        })
        .collect();
        p.plan.stored = format!(
            "{}|{:?}|{:?}",
            serde_json::to_string(&u).unwrap_or_default(),
            stored_years.iter().collect::<BTreeMap<_, _>>(),
            assessed.iter().collect::<BTreeMap<_, _>>()
        );
        let mut refused = None;
        p.achieved
            .retain(|(year, (stage, _))| match assessed.get(year) {
                Some((status, s, _)) if status == "final" && *s == Some(*stage) => false,
                Some((_, _, source)) if source != SOURCE_IMPORT => {
                    refused.get_or_insert(*year);
                    false
                }
                _ => true,
            });
        if let Some(year) = refused {
            errors.push(RowError {
                row: p.plan.row,
                column: year_column(table, "tahap_capaian", year),
                value: p.input.code.clone(),
                reason: Message::new("xchg-achieved-in-pantau").with("year", year),
            });
        }
        p.plan.action = if p.registry_changed
            || !p.years.is_empty()
            || !p.achieved.is_empty()
            || p.status.is_some()
        {
            RowAction::Changed
        } else {
            RowAction::Unchanged
        };
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let rows: Vec<RowPlan> = planned.iter().map(|p| p.plan.clone()).collect();
    let fingerprint = fingerprint(&rows);
    if expected.is_some_and(|e| e != fingerprint) {
        return Ok(Err(vec![RowError::file(Message::new(
            "xchg-preview-stale",
        ))]));
    }
    let mut summary = ImportSummary {
        rows: planned.len(),
        dry_run,
        warnings,
        ..Default::default()
    };
    let mut tx = ImportTx::begin(db, dry_run).await?;
    for (done, p) in planned.iter().enumerate() {
        tx.row_done().await?;
        match p.plan.action {
            RowAction::New => summary.created += 1,
            RowAction::Changed => summary.updated += 1,
            RowAction::Unchanged => summary.unchanged += 1,
        }
        if p.plan.action != RowAction::Unchanged {
            if let Err(e) = write_row(&mut tx, actor, p, first_year).await {
                tx.rollback().await?;
                return Ok(Err(vec![RowError::from_write(
                    e,
                    p.plan.row,
                    &p.input.code,
                )?]));
            }
        }
        progress(done + 1);
    }
    tx.finish().await?;
    // A national list changes a good part of the tables the dashboards plan from.
    if !dry_run && rows.len() >= BULK_ROWS {
        db.refresh_statistics().await?;
    }
    Ok(Ok(UnitImport {
        summary,
        rows,
        fingerprint,
    }))
}

/// Writes one new or changed row: registry, years, achieved stages, status.
async fn write_row(
    tx: &mut ImportTx,
    actor: Actor<'_>,
    p: &Planned,
    first_year: i64,
) -> DbResult<()> {
    let id = match p.existing {
        Some(id) => {
            if p.registry_changed {
                units::update_in(tx, actor, id, &p.input).await?;
            }
            id
        }
        None => {
            let default_year = p.years.is_empty().then_some(first_year);
            units::create_in(tx, actor, &p.input, default_year)
                .await?
                .id
        }
    };
    for (year, category, target) in &p.years {
        // A target column left out keeps the stored target; a new year has none then.
        let target = match target {
            Some(t) => *t,
            None => stored_target(tx, id, *year).await?,
        };
        units::set_year_in(tx, actor, id, *year, *category, target).await?;
    }
    for (year, stage) in &p.achieved {
        import_final_in(tx, actor, id, *year, *stage).await?;
    }
    if let Some((status, date)) = &p.status {
        units::import_status_in(tx, actor, id, *status, date).await?;
    }
    Ok(())
}

async fn stored_target(
    conn: &mut sqlx::AnyConnection,
    unit: i64,
    year: i64,
) -> DbResult<Option<i64>> {
    Ok(
        sqlx::query("SELECT target_stage_id FROM ibm_unit_years WHERE unit_id = $1 AND year = $2")
            .bind(unit)
            .bind(year)
            .fetch_optional(conn)
            .await?
            .and_then(|r| r.get("target_stage_id")),
    )
}

/// A digest of the rows as they would be stored.
fn fingerprint(rows: &[RowPlan]) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(rows).unwrap_or_default();
    Sha256::digest(&json)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The units the principal may read (optionally under one office), in the import columns, with
/// per-year columns for every year any of them has a confirmed category in.
pub async fn export(db: &Db, who: &Principal, office_id: Option<i64>) -> DbResult<Table> {
    let root = crate::offices::report_root(db, who, office_id).await?;
    let under = format!("{}%", root.as_str());
    let mut units_sql = Sql::new(
        "SELECT u.id, u.code, u.name, u.village_code, o.code AS office_code, u.year_formed, u.funding_source, \
         u.decree_number, u.desa_bersinar, u.priority_area, u.status FROM ibm_units u JOIN offices o ON o.id = u.office_id \
         WHERE o.path LIKE ",
    );
    units_sql.bind(under.clone()).push(" AND ");
    if !units_sql.scope(who, Permission::ReadData, "o.path") {
        return Ok(Table::new(&REGISTRY.to_vec()));
    }
    units_sql.push(" ORDER BY u.code");
    let units = units_sql.query().fetch_all(db.pool()).await?;
    let mut years_sql = Sql::new(
        "SELECT y.unit_id, y.year, y.category, ts.code AS target, ach.code AS achieved \
         FROM ibm_unit_years y JOIN ibm_units u ON u.id = y.unit_id JOIN offices o ON o.id = u.office_id \
         LEFT JOIN ibm_stages ts ON ts.id = y.target_stage_id \
         LEFT JOIN ibm_assessments a ON a.unit_id = y.unit_id AND a.year = y.year AND a.status = 'final' \
         LEFT JOIN ibm_stages ach ON ach.id = a.achieved_stage_id WHERE y.confirmed = ",
    );
    years_sql
        .bind(true)
        .push(" AND o.path LIKE ")
        .bind(under)
        .push(" AND ");
    years_sql.scope(who, Permission::ReadData, "o.path");
    let mut per_unit: HashMap<i64, BTreeMap<i64, [String; 3]>> = HashMap::new();
    for r in years_sql.query().fetch_all(db.pool()).await? {
        per_unit.entry(r.get("unit_id")).or_default().insert(
            r.get("year"),
            [
                r.get("category"),
                r.get::<Option<String>, _>("target").unwrap_or_default(),
                r.get::<Option<String>, _>("achieved").unwrap_or_default(),
            ],
        );
    }
    let mut years: Vec<i64> = per_unit.values().flat_map(|y| y.keys().copied()).collect();
    years.sort_unstable();
    years.dedup();
    let headers = columns(&years);
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = Table::new(&headers);
    for r in units {
        let funding: String = r.get("funding_source");
        let mut row = vec![
            r.get("code"),
            r.get("name"),
            r.get("village_code"),
            r.get("office_code"),
            r.get::<i64, _>("year_formed").to_string(),
            if funding == FundingSource::Unknown.as_str() {
                String::new()
            } else {
                funding
            },
            r.get("decree_number"),
            flag_text(crate::db::flag(&r, "desa_bersinar")),
            flag_text(crate::db::flag(&r, "priority_area")),
            r.get("status"),
        ];
        let of_unit = per_unit.get(&r.get::<i64, _>("id"));
        for y in &years {
            match of_unit.and_then(|u| u.get(y)) {
                Some(cells) => row.extend(cells.iter().cloned()),
                None => row.extend([String::new(), String::new(), String::new()]),
            }
        }
        t.rows.push(row);
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_year_cells_are_read_with_and_without_a_year() {
        let t = Table {
            headers: vec![
                "kode".into(),
                "kategori_2024".into(),
                "tahap_capaian_2024".into(),
                "kategori".into(),
            ],
            rows: vec![vec![
                "A".into(),
                "Baru".into(),
                "2".into(),
                "berkelanjutan".into(),
            ]],
        };
        let cells = year_cells(&t, &t.rows[0], 2025);
        assert_eq!(
            cells[&2024],
            [Some("Baru".to_string()), None, Some("2".to_string())]
        );
        assert_eq!(
            cells[&2025],
            [Some("berkelanjutan".to_string()), None, None]
        );
        assert_eq!(year_column(&t, "kategori", 2024), "kategori_2024");
        assert_eq!(year_column(&t, "kategori", 2025), "kategori");
    }
}

/// What each column of the unit file holds, in Bahasa Indonesia and English: the template's
/// notes sheet.
const NOTES: &[(&str, &str, &str)] = &[
    (
        "kode",
        "Wajib. Kode unit yang unik, 3–40 karakter: huruf, angka, - . _ (dipakai untuk mencocokkan unit saat impor ulang).",
        "Required. The unit's unique code, 3–40 characters: letters, digits, - . _ (matches the unit on a later import).",
    ),
    (
        "nama",
        "Wajib. Nama unit IBM.",
        "Required. The IBM unit's name.",
    ),
    (
        "kode_desa",
        "Wajib. Kode desa/kelurahan Kemendagri, mis. 32.73.01.1001.",
        "Required. The Kemendagri village code, e.g. 32.73.01.1001.",
    ),
    (
        "kode_satker",
        "Boleh kosong: satker pembina diambil dari desa (BNNK yang wilayahnya memuat desa itu, atau BNNP provinsinya). Bila diisi, satker itu harus membina desa tersebut.",
        "May be empty: the coaching office follows from the village (the BNNK whose area holds it, else its province's BNNP). When filled in, that office must coach the village.",
    ),
    (
        "tahun_dibentuk",
        "Wajib. Tahun unit dibentuk, 2000 sampai tahun ini.",
        "Required. The year the unit was formed, 2000 to this year.",
    ),
    (
        "sumber_dana",
        "Boleh kosong (tercatat \"belum diisi\"): apbn, apbd, apbdes, csr, swadaya.",
        "May be empty (recorded as \"not filled in\"): apbn, apbd, apbdes, csr, swadaya.",
    ),
    (
        "nomor_sk",
        "Boleh kosong. Nomor SK pembentukan.",
        "May be empty. The decree number.",
    ),
    (
        "desa_bersinar",
        "ya atau tidak (kosong = tidak).",
        "ya (yes) or tidak (no); empty = no.",
    ),
    (
        "kawasan_prioritas",
        "ya atau tidak (kosong = tidak).",
        "ya (yes) or tidak (no); empty = no.",
    ),
    (
        "status",
        "Boleh kosong: unit baru yang punya kategori pada tahun ini atau sebelumnya dicatat operasional sejak 1 Januari tahun kategori pertamanya; unit yang sudah ada tetap pada statusnya.",
        "May be empty: a new unit with a category in this or an earlier year is recorded as operating since 1 January of its first category year; an existing unit keeps its status.",
    ),
    (
        "kategori_<TAHUN>",
        "Kategori tahun itu: Berkelanjutan, Berkelanjutan Mandiri, Baru, Baru Mandiri (kode atau nama, huruf besar/kecil bebas). Tambahkan kolom untuk tahun lain, mis. kategori_2024; kolom \"kategori\" tanpa tahun berarti tahun impor.",
        "The year's category: Berkelanjutan, Berkelanjutan Mandiri, Baru, Baru Mandiri (code or name, any case). Add columns for other years, e.g. kategori_2024; a \"kategori\" column without a year means the import's year.",
    ),
    (
        "tahap_target_<TAHUN>",
        "Boleh kosong. Tahap perkembangan yang ditargetkan tahun itu: kode, nama atau nomor urut tahap (lihat Referensi).",
        "May be empty. The development stage targeted that year: the stage's code, name or number (see Reference).",
    ),
    (
        "tahap_capaian_<TAHUN>",
        "Boleh kosong. Tahap yang dicapai tahun itu; disimpan sebagai penilaian final hasil impor (tanpa kriteria). Penilaian yang dibuat di Pantau tidak ditimpa.",
        "May be empty. The stage reached that year; stored as an imported final assessment (without criteria). An assessment made in Pantau is never replaced.",
    ),
];

/// The unit template as a workbook: the columns for `year` with drop-down lists (category,
/// stages, funding, status, yes/no) on its first sheet, and a notes sheet explaining every
/// column in Bahasa Indonesia and English.
pub async fn template_workbook(db: &Db, year: i64) -> DbResult<Vec<u8>> {
    use rust_xlsxwriter::{DataValidation, Format, Workbook};
    let stages: Vec<String> = crate::ibm::stages::list(db)
        .await?
        .into_iter()
        .map(|s| s.code)
        .collect();
    let t = template(year);
    let xlsx = |e: rust_xlsxwriter::XlsxError| DbError::invalid(format!("XLSX: {e}"));
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("unit").map_err(xlsx)?;
    let bold = Format::new().set_bold();
    for (c, h) in t.headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, h, &bold)
            .map_err(xlsx)?;
        sheet.set_column_width(c as u16, 20).map_err(xlsx)?;
    }
    for (c, v) in t.rows[0].iter().enumerate() {
        sheet.write_string(1, c as u16, v).map_err(xlsx)?;
    }
    let categories: Vec<&str> = Category::ALL.iter().map(|c| c.labels()[0]).collect();
    let yes_no = ["ya", "tidak"];
    for (c, h) in t.headers.iter().enumerate() {
        let list: Vec<String> = match COLUMNS.per_year_of(h).map(|p| p.0).unwrap_or(h) {
            "kategori" => categories.iter().map(|s| s.to_string()).collect(),
            "tahap_target" | "tahap_capaian" => stages.clone(),
            "sumber_dana" => FundingSource::codes()
                .into_iter()
                .filter(|f| *f != FundingSource::Unknown.as_str())
                .map(String::from)
                .collect(),
            "status" => UnitStatus::codes().into_iter().map(String::from).collect(),
            "desa_bersinar" | "kawasan_prioritas" => yes_no.iter().map(|s| s.to_string()).collect(),
            _ => continue,
        };
        // Excel caps a list at 255 characters; a longer one is left to the importer's check.
        if let Ok(v) = DataValidation::new().allow_list_strings(&list) {
            sheet
                .add_data_validation(1, c as u16, 10_000, c as u16, &v.ignore_blank(true))
                .map_err(xlsx)?;
        }
    }
    let notes = book.add_worksheet();
    notes.set_name("petunjuk").map_err(xlsx)?;
    for (c, h) in ["kolom", "keterangan", "description"].iter().enumerate() {
        notes
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(xlsx)?;
    }
    notes.set_column_width(0, 24).map_err(xlsx)?;
    notes.set_column_width(1, 80).map_err(xlsx)?;
    notes.set_column_width(2, 80).map_err(xlsx)?;
    let wrap = Format::new().set_text_wrap();
    for (r, (column, id, en)) in NOTES.iter().enumerate() {
        let r = r as u32 + 1;
        notes
            .write_string(r, 0, column.replace("<TAHUN>", &year.to_string()))
            .map_err(xlsx)?;
        notes
            .write_string_with_format(r, 1, *id, &wrap)
            .map_err(xlsx)?;
        notes
            .write_string_with_format(r, 2, *en, &wrap)
            .map_err(xlsx)?;
    }
    book.save_to_buffer().map_err(xlsx)
}

/// One unit's category (and target stage) of a year, as another system sends it.
#[derive(Debug, Clone, serde::Deserialize, Serialize, schemars::JsonSchema)]
pub struct YearItem {
    /// The unit's code.
    #[schemars(schema_with = "pantau_core::schema::record_code")]
    pub code: String,
    /// Category code or label ("berkelanjutan_mandiri", "Berkelanjutan Mandiri").
    #[schemars(schema_with = "pantau_core::ibm::Category::schema")]
    pub category: String,
    /// Target stage: code, name or number; absent or empty for none.
    #[serde(default)]
    pub target_stage: Option<String>,
}

/// Sets the categories (and target stages) of many units for `year` at once. Every item is
/// checked first — the unit by code in the actor's scope, the category and stage as people write
/// them (refusals list the accepted values) — then all are written in one transaction, or none.
/// A row error's `row` is the item's position, from 1.
pub async fn set_years(
    db: &Db,
    actor: Actor<'_>,
    year: i64,
    items: &[YearItem],
) -> DbResult<Result<ImportSummary, Vec<RowError>>> {
    crate::ibm::check_year(year)?;
    crate::ibm::check_count("units", items.len(), super::MAX_ROWS)?;
    let stages = Stage::all(db).await?;
    let mut units = super::UnitCodes::default();
    let mut errors = Vec::new();
    let mut plan = Vec::new();
    let mut seen = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let row = i + 1;
        let mut err = |column: &str, value: &str, reason: Message| {
            errors.push(RowError {
                row,
                column: column.into(),
                value: value.chars().take(200).collect(),
                reason,
            })
        };
        let unit = match units.writable(db, actor, item.code.trim()).await? {
            Ok(id) => Some(id),
            Err(reason) => {
                err("code", &item.code, reason);
                None
            }
        };
        if let Some(first) = seen.insert(item.code.trim().to_uppercase(), row) {
            err(
                "code",
                &item.code,
                Message::new("xchg-code-twice").with("first", first),
            );
        }
        let category = Category::parse_loose(&item.category, Category::labels);
        if category.is_none() {
            err(
                "category",
                &item.category,
                Message::new("xchg-one-of").with_list("values", Category::codes()),
            );
        }
        let target = match item.target_stage.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(text) => match find_stage(&stages, text) {
                Some(s) => Some(Some(s.id)),
                None => {
                    let list = stages
                        .iter()
                        .map(|s| format!("{} ({}. {})", s.code, s.ordinal, s.names[0]))
                        .collect::<Vec<_>>()
                        .join(", ");
                    err(
                        "target_stage",
                        text,
                        Message::new("xchg-stage-unknown").with("values", list),
                    );
                    None
                }
            },
        };
        if let (Some(unit), Some(category), Some(target)) = (unit, category, target) {
            plan.push((row, unit, category, target));
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut summary = ImportSummary {
        rows: plan.len(),
        ..Default::default()
    };
    let mut tx = ImportTx::begin(db, false).await?;
    for (row, unit, category, target) in plan {
        let stored = sqlx::query(
            "SELECT category, target_stage_id, confirmed FROM ibm_unit_years WHERE unit_id = $1 AND year = $2",
        )
        .bind(unit)
        .bind(year)
        .fetch_optional(&mut *tx)
        .await?;
        let same = stored.as_ref().is_some_and(|r| {
            r.get::<String, _>("category") == category.as_str()
                && r.get::<Option<i64>, _>("target_stage_id") == target
                && crate::db::flag(r, "confirmed")
        });
        match (&stored, same) {
            (_, true) => {
                summary.unchanged += 1;
                continue;
            }
            (Some(_), false) => summary.updated += 1,
            (None, _) => summary.created += 1,
        }
        if let Err(e) = units::set_year_in(&mut tx, actor, unit, year, category, target).await {
            tx.rollback().await?;
            return Ok(Err(vec![RowError::from_write(e, row, "")?]));
        }
    }
    tx.finish().await?;
    Ok(Ok(summary))
}
