//! Aggregate values for national systems (DHIS2 dataValueSets, ADX): the live dashboard figures
//! of an office and its child offices, with codes translated by the configurable mapping.

use crate::audit::{self, Change};
use crate::error::{DbError, DbResult};
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
        return Err(DbError::invalid(format!(
            "jenis {kind:?}: salah satu dari {}",
            KINDS.join(", ")
        )));
    }
    let (pantau_code, external_code) = (pantau_code.trim(), external_code.trim());
    if kind == "indicator" && !INDICATORS.iter().any(|(c, _)| *c == pantau_code) {
        return Err(DbError::invalid(format!(
            "indikator {pantau_code:?} tidak dikenal"
        )));
    }
    if kind == "org_unit" && offices::by_code(db, pantau_code).await.is_err() {
        return Err(DbError::invalid(format!(
            "satker {pantau_code:?} tidak ditemukan"
        )));
    }
    if pantau_code.is_empty() || external_code.chars().count() > 100 {
        return Err(DbError::invalid(
            "kode wajib diisi; kode luar paling panjang 100 karakter",
        ));
    }
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
    Ok(out)
}
