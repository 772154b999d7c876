//! Aggregate values for national systems (DHIS2 dataValueSets, ADX): the live dashboard figures
//! of an office and its child offices, with codes translated by the configurable mapping.

use crate::audit::{self, Change};
use crate::db::ImportTx;
use crate::error::{DbError, DbResult};
use crate::sql::Sql;
use crate::{Actor, Db, dashboard, offices};
use chrono::NaiveDate;
use pantau_core::access::{Permission, Principal};
use pantau_core::aggregate::{INDICATORS, Mapping, OfficeValues};
use pantau_core::ibm::TargetRow;
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;

pub const KINDS: &[&str] = &["indicator", "org_unit", "data_set"];
/// The data set code used when none is mapped.
pub const DATA_SET: &str = "pantau_ibm";

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MappingRow {
    pub kind: String,
    pub pantau_code: String,
    pub external_code: String,
}

pub async fn mapping_rows(db: &Db) -> DbResult<Vec<MappingRow>> {
    Ok(sqlx::query(
        "SELECT kind, pantau_code, external_code FROM exchange_mappings ORDER BY kind, pantau_code",
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| MappingRow {
        kind: r.get("kind"),
        pantau_code: r.get("pantau_code"),
        external_code: r.get("external_code"),
    })
    .collect())
}

pub async fn mapping(db: &Db) -> DbResult<Mapping> {
    let mut m = Mapping::default();
    for r in mapping_rows(db).await? {
        m.codes.insert((r.kind, r.pantau_code), r.external_code);
    }
    Ok(m)
}

/// Sets (or, with an empty external code, removes) one code translation. National admins only.
pub async fn set_mapping(
    db: &Db,
    actor: Actor<'_>,
    kind: &str,
    pantau_code: &str,
    external_code: &str,
) -> DbResult<()> {
    actor.authorize_national(Permission::ManageReference)?;
    if !KINDS.contains(&kind) {
        return Err(DbError::unknown_value("kind", kind, KINDS.iter().copied()));
    }
    let (pantau_code, external_code) = (pantau_code.trim(), external_code.trim());
    if kind == "indicator" && !INDICATORS.iter().any(|(c, _)| *c == pantau_code) {
        return Err(DbError::unknown_record("pantau_code", pantau_code));
    }
    if kind == "org_unit" && offices::by_code(db, pantau_code).await.is_err() {
        return Err(DbError::unknown_record("pantau_code", pantau_code));
    }
    crate::ibm::check_text("pantau_code", pantau_code, 100, true)?;
    crate::ibm::check_text("external_code", external_code, 100, false)?;
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM exchange_mappings WHERE kind = $1 AND pantau_code = $2")
        .bind(kind)
        .bind(pantau_code)
        .execute(&mut *tx)
        .await?;
    if !external_code.is_empty() {
        sqlx::query(
            "INSERT INTO exchange_mappings (kind, pantau_code, external_code) VALUES ($1, $2, $3)",
        )
        .bind(kind)
        .bind(pantau_code)
        .bind(external_code)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "set",
            entity: "pemetaan_kode",
            entity_id: format!("{kind}:{pantau_code}"),
            office_path: None,
            before: None,
            after: Some(serde_json::json!({"external_code": external_code})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn values_of(t: &TargetRow, r: &dashboard::Completeness) -> Vec<(&'static str, i64)> {
    vec![
        ("ibm_units", t.units),
        ("ibm_units_berkelanjutan", t.berkelanjutan),
        ("ibm_units_berkelanjutan_mandiri", t.berkelanjutan_mandiri),
        ("ibm_units_baru", t.baru),
        ("ibm_units_baru_mandiri", t.baru_mandiri),
        ("ibm_units_with_target", t.with_target),
        ("ibm_units_assessed", t.assessed),
        ("ibm_units_on_target", t.on_target),
        ("ibm_reports_on_time", r.on_time as i64),
        ("ibm_reports_late", r.late as i64),
        ("ibm_reports_missing", r.missing as i64),
        ("ibm_units_silent", r.silent_units as i64),
    ]
}

/// The office (the nation when `None`) and each child office, with every indicator of `year`,
/// as the principal may read them.
pub async fn office_values(
    db: &Db,
    who: &Principal,
    office_id: Option<i64>,
    year: i64,
    today: NaiveDate,
) -> DbResult<Vec<OfficeValues>> {
    let d = dashboard::ibm(db, who, office_id, year, today).await?;
    let root = offices::report_root(db, who, office_id).await?;
    let codes: HashMap<i64, String> = sqlx::query("SELECT id, code FROM offices")
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| (r.get("id"), r.get("code")))
        .collect();
    let root_id = *root.ids().last().unwrap_or(&0);
    let mut out = vec![OfficeValues {
        office_code: codes.get(&root_id).cloned().unwrap_or_default(),
        values: values_of(&d.total, &d.reporting),
    }];
    for row in &d.rows {
        let Some(id) = row
            .targets
            .key
            .strip_prefix("satker:")
            .and_then(|s| s.parse::<i64>().ok())
        else {
            continue; // units are not org units of the receiving systems
        };
        out.push(OfficeValues {
            office_code: codes.get(&id).cloned().unwrap_or_default(),
            values: values_of(&row.targets, &row.reporting),
        });
    }
    // Child offices without units report explicit zeros: a receiving system then knows the
    // office reported nothing, rather than that its data are missing.
    for o in offices::directory(db).await? {
        if o.parent_id == Some(root_id) && o.active && !out.iter().any(|v| v.office_code == o.code)
        {
            out.push(OfficeValues {
                office_code: o.code,
                values: values_of(&TargetRow::default(), &dashboard::Completeness::default()),
            });
        }
    }
    Ok(out)
}

/// One received value beside Pantau's own figure for the same indicator, office and year.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Reconciled {
    pub source: String,
    pub year: i64,
    pub indicator: String,
    pub office_code: String,
    pub office_name: String,
    pub external: i64,
    /// Pantau's value; `None` when the reader may not see the office's dashboard.
    pub pantau: Option<i64>,
}

fn check_source(source: &str) -> DbResult<()> {
    let ok = (1..=60).contains(&source.len())
        && source
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(DbError::field("err-source", "source"))
    }
}

/// Stores the values of a received payload (DHIS2 or ADX) under `source`, all or nothing:
/// external codes are translated back through the mapping, every value is checked (known
/// indicator, known office within the importer's scope, a yearly period, a whole number ≥ 0, no
/// value twice) and problems are listed per value (`row` = its position, from 1). Re-importing
/// the same payload changes nothing; `dry_run` does everything and rolls back.
pub async fn import_values(
    db: &Db,
    actor: Actor<'_>,
    source: &str,
    incoming: &pantau_core::aggregate::IncomingSet,
    dry_run: bool,
) -> DbResult<Result<super::units::ImportSummary, Vec<super::RowError>>> {
    use super::RowError;
    use pantau_core::aggregate::{reverse, yearly_period};
    check_source(source)?;
    if incoming.values.is_empty() {
        return Ok(Err(vec![RowError::file(super::Message::new(
            "xchg-no-values",
        ))]));
    }
    let mapping = mapping(db).await?;
    let offices: HashMap<String, (i64, String)> = sqlx::query("SELECT id, code, path FROM offices")
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| (r.get::<String, _>("code"), (r.get("id"), r.get("path"))))
        .collect();
    let mut errors = Vec::new();
    let mut seen: HashMap<(i64, String, i64), usize> = HashMap::new();
    let mut plan: Vec<(i64, String, i64, i64)> = Vec::new();
    for (i, v) in incoming.values.iter().enumerate() {
        if errors.len() >= super::MAX_ERRORS {
            break;
        }
        let row = i + 1;
        let mut err = |column: &str, value: &str, reason: super::Message| {
            errors.push(RowError {
                row,
                column: column.into(),
                value: value.chars().take(200).collect(),
                reason,
            })
        };
        let indicator = reverse(&mapping, "indicator", &v.data_element);
        if !INDICATORS.iter().any(|(c, _)| *c == indicator) {
            err(
                "dataElement",
                &v.data_element,
                super::Message::new("xchg-indicator-unknown"),
            );
        }
        let office_code = reverse(&mapping, "org_unit", &v.org_unit);
        let office = match offices.get(&office_code) {
            None => {
                err(
                    "orgUnit",
                    &v.org_unit,
                    super::Message::new("xchg-org-unit-unknown"),
                );
                None
            }
            Some((id, path)) => {
                let path = pantau_core::org::OfficePath::parse(path)
                    .unwrap_or_else(|| pantau_core::org::OfficePath::root(*id));
                if actor.authorize(Permission::WriteData, &path).is_err() {
                    err(
                        "orgUnit",
                        &v.org_unit,
                        super::Message::new("xchg-office-outside-scope"),
                    );
                    None
                } else {
                    Some(*id)
                }
            }
        };
        let year = yearly_period(&v.period)
            .filter(|y| (pantau_core::ibm::FIRST_YEAR..=pantau_core::ibm::LAST_YEAR).contains(y));
        if year.is_none() {
            err(
                "period",
                &v.period,
                super::Message::new("xchg-yearly-period"),
            );
        }
        let value = v.value.trim().parse::<i64>().ok().filter(|n| *n >= 0);
        if value.is_none() {
            err("value", &v.value, super::Message::new("xchg-count"));
        }
        let (Some(office_id), Some(year), Some(value)) = (office, year, value) else {
            continue;
        };
        if let Some(first) = seen.insert((office_id, indicator.clone(), year), row) {
            err(
                "dataElement",
                &v.data_element,
                super::Message::new("xchg-value-twice").with("first", first),
            );
            continue;
        }
        plan.push((office_id, indicator, year, value));
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut summary = super::units::ImportSummary {
        rows: plan.len(),
        dry_run,
        ..Default::default()
    };
    let now = crate::now_rfc3339();
    let mut tx = ImportTx::begin(db, dry_run).await?;
    for (office_id, indicator, year, value) in &plan {
        tx.row_done().await?;
        let before: Option<i64> = sqlx::query(
            "SELECT value FROM external_values WHERE source = $1 AND year = $2 AND indicator = $3 AND office_id = $4",
        )
        .bind(source)
        .bind(year)
        .bind(indicator)
        .bind(office_id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.get("value"));
        match before {
            Some(b) if b == *value => summary.unchanged += 1,
            Some(_) => {
                summary.updated += 1;
                sqlx::query(
                    "UPDATE external_values SET value = $1, imported_at = $2 \
                     WHERE source = $3 AND year = $4 AND indicator = $5 AND office_id = $6",
                )
                .bind(value)
                .bind(&now)
                .bind(source)
                .bind(year)
                .bind(indicator)
                .bind(office_id)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                summary.created += 1;
                sqlx::query(
                    "INSERT INTO external_values (source, year, indicator, office_id, value, imported_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(source)
                .bind(year)
                .bind(indicator)
                .bind(office_id)
                .bind(value)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "import",
            entity: "nilai_agregat",
            entity_id: source.to_string(),
            office_path: None,
            before: None,
            after: Some(serde_json::json!({
                "values": summary.rows, "created": summary.created, "updated": summary.updated,
                "unchanged": summary.unchanged, "data_set": incoming.data_set,
            })),
        },
    )
    .await?;
    tx.finish().await?;
    Ok(Ok(summary))
}

/// Received values of `year` the principal may read (optionally of one source), each beside
/// Pantau's own value, for reconciliation. Ordered by source, office code and indicator.
pub async fn reconcile(
    db: &Db,
    who: &Principal,
    year: i64,
    source: Option<&str>,
    today: NaiveDate,
) -> DbResult<Vec<Reconciled>> {
    let mut sql = Sql::new(
        "SELECT e.source, e.year, e.indicator, e.value, e.office_id, o.code, o.name FROM external_values e \
         JOIN offices o ON o.id = e.office_id WHERE e.year = ",
    );
    sql.bind(year);
    if let Some(source) = source.filter(|s| !s.is_empty()) {
        sql.push(" AND e.source = ").bind(source.to_string());
    }
    sql.push(" AND ");
    if !sql.scope(who, Permission::ReadData, "o.path") {
        return Ok(vec![]);
    }
    sql.push(" ORDER BY e.source, o.code, e.indicator");
    let rows = sql.query().fetch_all(db.pool()).await?;
    let mut own: HashMap<i64, Option<HashMap<&'static str, i64>>> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let office_id: i64 = r.get("office_id");
        if !own.contains_key(&office_id) {
            let values = match office_values(db, who, Some(office_id), year, today).await {
                Ok(v) => v
                    .into_iter()
                    .next()
                    .map(|o| o.values.into_iter().collect::<HashMap<_, _>>()),
                Err(DbError::Forbidden(_)) | Err(DbError::NotFound(_)) => None,
                Err(e) => return Err(e),
            };
            own.insert(office_id, values);
        }
        let indicator: String = r.get("indicator");
        let pantau = own[&office_id]
            .as_ref()
            .and_then(|m| m.get(indicator.as_str()).copied());
        out.push(Reconciled {
            source: r.get("source"),
            year: r.get("year"),
            indicator,
            office_code: r.get("code"),
            office_name: r.get("name"),
            external: r.get("value"),
            pantau,
        });
    }
    Ok(out)
}
