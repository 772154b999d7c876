//! The registry of rehabilitation institutions in and out of spreadsheets; the institution code is
//! the natural key (a re-import of the same file changes nothing).

use super::{MAX_ERRORS, Message, RowError, Table, flag_text, parse_flag};
use crate::db::ImportTx;
use crate::error::{DbError, DbResult};
use crate::sni::institutions::{self, InstitutionInput};
use crate::{Actor, Db};
use pantau_core::access::{Permission, Principal};
use pantau_core::org::{AreaCode, OfficePath};
use pantau_core::sni::{Modality, Ownership, ServiceKind};
use sqlx::Row;
use std::collections::{HashMap, HashSet};

pub use super::units::ImportSummary;

pub const REQUIRED: &[&str] = &[
    "kode",
    "nama",
    "kepemilikan",
    "jenis_layanan",
    "modalitas",
    "kode_wilayah",
    "kode_satker",
];
pub const OPTIONAL: &[&str] = &["ipwl", "mitra_bnn", "alamat"];
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
    t.rows.push(
        [
            "LRKM-32.73-001",
            "Yayasan Rehabilitasi Contoh",
            "komponen_masyarakat",
            "sosial",
            "rawat_inap",
            "32.73",
            "BNNK-32.73",
            "ya",
            "tidak",
            "Jl. Contoh No. 1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    );
    t
}

fn one_of<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Message {
    Message::new("xchg-one-of").with_list("values", all.iter().map(|v| name(*v)))
}

/// Imports institutions from `table`, all or nothing; `dry_run` does the same and rolls back.
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
    let mut known_areas: HashSet<String> = HashSet::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut plan: Vec<(usize, InstitutionInput)> = Vec::new();
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
        let ownership = cell("kepemilikan").to_lowercase();
        if Ownership::parse(&ownership).is_none() {
            err("kepemilikan", one_of(Ownership::ALL, Ownership::as_str));
        }
        let service_kind = cell("jenis_layanan").to_lowercase();
        if ServiceKind::parse(&service_kind).is_none() {
            err(
                "jenis_layanan",
                one_of(ServiceKind::ALL, ServiceKind::as_str),
            );
        }
        let modality = cell("modalitas").to_lowercase();
        if Modality::parse(&modality).is_none() {
            err("modalitas", one_of(Modality::ALL, Modality::as_str));
        }
        let area = cell("kode_wilayah");
        match AreaCode::parse(&area) {
            Ok(_) if known_areas.contains(&area) => {}
            Ok(_) => {
                let exists =
                    sqlx::query("SELECT 1 FROM areas WHERE code = $1 AND valid_to IS NULL")
                        .bind(&area)
                        .fetch_optional(db.pool())
                        .await?
                        .is_some();
                if exists {
                    known_areas.insert(area.clone());
                } else {
                    err("kode_wilayah", Message::new("xchg-area-not-found"));
                }
            }
            Err(_) => err("kode_wilayah", Message::new("xchg-area-format")),
        }
        let office = match offices.get(&cell("kode_satker")) {
            None => {
                err("kode_satker", Message::new("xchg-office-not-found"));
                None
            }
            Some((id, level, path)) => {
                let path = OfficePath::parse(path).unwrap_or_else(|| OfficePath::root(*id));
                if actor.authorize(Permission::WriteData, &path).is_err() {
                    err("kode_satker", Message::new("xchg-office-outside-scope"));
                    None
                } else if level == "pusat" && ownership != Ownership::Bnn.as_str() {
                    err("kode_satker", Message::new("xchg-office-non-bnn-central"));
                    None
                } else {
                    Some(*id)
                }
            }
        };
        let address = cell("alamat");
        if address.chars().count() > 500 {
            err("alamat", Message::new("xchg-too-long").with("max", 500));
        }
        let flags: Vec<Option<bool>> = ["ipwl", "mitra_bnn"]
            .iter()
            .map(|c| {
                let text = cell(c);
                let v = if text.is_empty() {
                    Some(false)
                } else {
                    parse_flag(&text)
                };
                if v.is_none() {
                    err(c, Message::new("xchg-yes-no"));
                }
                v
            })
            .collect();
        let (Some(office_id), Some(ipwl), Some(bnn_partner)) = (office, flags[0], flags[1]) else {
            continue;
        };
        plan.push((
            row,
            InstitutionInput {
                code,
                name: name.trim().to_string(),
                ownership,
                service_kind,
                modality,
                ipwl,
                bnn_partner,
                address: address.trim().to_string(),
                area_code: area,
                office_id,
            },
        ));
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
    for (done, (row, input)) in plan.iter().enumerate() {
        tx.row_done().await?;
        let result = match institutions::by_code(db, &input.code).await {
            Ok(e) => {
                let same = e.name == input.name
                    && e.ownership == input.ownership
                    && e.service_kind == input.service_kind
                    && e.modality == input.modality
                    && e.ipwl == input.ipwl
                    && e.bnn_partner == input.bnn_partner
                    && e.address == input.address
                    && e.area_code == input.area_code
                    && e.office_id == input.office_id;
                if same {
                    summary.unchanged += 1;
                    Ok(())
                } else {
                    summary.updated += 1;
                    institutions::update_in(&mut tx, actor, e.id, input)
                        .await
                        .map(|_| ())
                }
            }
            Err(DbError::NotFound(_)) => {
                summary.created += 1;
                institutions::create_in(&mut tx, actor, input)
                    .await
                    .map(|_| ())
            }
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            tx.rollback().await?;
            return Ok(Err(vec![RowError::from_write(e, *row, &input.code)?]));
        }
        progress(done + 1);
    }
    tx.finish().await?;
    Ok(Ok(summary))
}

/// The institutions the principal may read, in the import columns.
pub async fn export(db: &Db, who: &Principal) -> DbResult<Table> {
    let mut t = Table::new(&columns());
    let office_codes: HashMap<i64, String> = sqlx::query("SELECT id, code FROM offices")
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| (r.get("id"), r.get("code")))
        .collect();
    let mut list = institutions::list(db, who).await?;
    list.sort_by(|a, b| a.code.cmp(&b.code));
    for i in list {
        t.rows.push(vec![
            i.code,
            i.name,
            i.ownership,
            i.service_kind,
            i.modality,
            i.area_code,
            office_codes.get(&i.office_id).cloned().unwrap_or_default(),
            flag_text(i.ipwl),
            flag_text(i.bnn_partner),
            i.address,
        ]);
    }
    Ok(t)
}
