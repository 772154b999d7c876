//! Coaching before Pantau (`riwayat-sni`): one row per institution and year from the
//! directorate's records — which track, and whether the year ended recommended, certified or
//! not yet. Institutions are matched by code or created; each row is stored as an imported past
//! participation, without scores. All or nothing; a second import of the same file changes
//! nothing.

use super::{MAX_ERRORS, Message, RowError, Table};
use crate::audit::{self, Change};
use crate::db::ImportTx;
use crate::error::{DbError, DbResult};
use crate::sni::institutions::{self, InstitutionInput};
use crate::summary::HISTORY_RESULTS;
use crate::{Actor, Db, now_rfc3339};
use pantau_core::access::Permission;
use pantau_core::org::{AreaCode, AreaLevel, OfficePath};
use pantau_core::sni::{CohortKind, Modality, Ownership, ServiceKind};
use serde_json::json;
use sqlx::Row;
use std::collections::{HashMap, HashSet};

pub use super::units::ImportSummary;

pub const REQUIRED: &[&str] = &[
    "kode",
    "nama",
    "kode_wilayah",
    "kepemilikan",
    "tahun",
    "jalur",
    "hasil",
];
/// `tanggal_sertifikat` is required when `hasil` is `tersertifikasi`. The others describe an
/// institution not registered yet: its coaching office (by default the BNNK of its district, or
/// else the BNNP of its province), service kind and modality (by default `keduanya`, with a
/// warning, to be corrected on the institution's page).
pub const OPTIONAL: &[&str] = &[
    "tanggal_sertifikat",
    "kode_satker",
    "jenis_layanan",
    "modalitas",
];
const COLUMNS: super::Columns = super::Columns {
    required: REQUIRED,
    optional: OPTIONAL,
    per_year: &[],
};

/// The first year a past record may name.
pub const FIRST_HISTORY_YEAR: i64 = 2015;

pub fn columns() -> Vec<&'static str> {
    REQUIRED.iter().chain(OPTIONAL).copied().collect()
}

pub fn template() -> Table {
    let mut t = Table::new(&columns());
    for row in [
        [
            "LRKM-32.73-001",
            "Yayasan Rehabilitasi Contoh",
            "32.73",
            "komponen_masyarakat",
            "2023",
            "reguler",
            "direkomendasikan",
            "",
            "",
            "",
            "",
        ],
        [
            "LRKM-32.73-001",
            "Yayasan Rehabilitasi Contoh",
            "32.73",
            "komponen_masyarakat",
            "2024",
            "reguler",
            "tersertifikasi",
            "2024-11-15",
            "",
            "",
            "",
        ],
    ] {
        t.rows.push(row.iter().map(|s| s.to_string()).collect());
    }
    t
}

fn one_of<'a>(values: impl IntoIterator<Item = &'a str>) -> Message {
    Message::new("xchg-one-of").with_list("values", values)
}

/// A checked row, ready to write.
struct Planned {
    row: usize,
    institution: InstitutionInput,
    year: i64,
    kind: String,
    result: String,
    certified_on: Option<String>,
}

/// Imports past coaching from `table`, all or nothing; `dry_run` does the same and rolls back.
pub async fn import(
    db: &Db,
    actor: Actor<'_>,
    table: &Table,
    dry_run: bool,
    progress: &(dyn Fn(usize) + Sync),
) -> DbResult<Result<ImportSummary, Vec<RowError>>> {
    let mut warnings = match table.check_import(&COLUMNS) {
        Ok(w) => w,
        Err(errors) => return Ok(Err(errors)),
    };
    let offices: HashMap<String, (i64, String)> = sqlx::query("SELECT id, code, path FROM offices")
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| (r.get::<String, _>("code"), (r.get("id"), r.get("path"))))
        .collect();
    let this_year = chrono::Datelike::year(&crate::today()) as i64;
    let mut errors = Vec::new();
    let mut known_areas: HashSet<String> = HashSet::new();
    let mut seen: HashMap<(String, i64), usize> = HashMap::new();
    let mut plan = Vec::new();
    let mut defaulted = Vec::new();
    for (i, cells) in table.rows.iter().enumerate() {
        if errors.len() >= MAX_ERRORS {
            break;
        }
        let row = i + 2;
        let cell = |c: &str| table.cell(cells, c).trim().to_string();
        let mut err = |column: &str, reason: Message| {
            errors.push(table.row_error(cells, row, column, reason))
        };
        let code = cell("kode");
        let code_ok = crate::ibm::is_code(&code, 3..=40);
        if !code_ok {
            err("kode", Message::new("xchg-code-format"));
        }
        let name = cell("nama");
        if name.is_empty() || name.chars().count() > 200 {
            err("nama", Message::new("xchg-name-required").with("max", 200));
        }
        let area = cell("kode_wilayah");
        // A district/city code (a deeper one, as the institution registry keeps, also does).
        let district = match AreaCode::parse(&area) {
            Ok(mut a) if a.level() != AreaLevel::Province => {
                while a.level() != AreaLevel::Regency {
                    match a.parent() {
                        Some(p) => a = p,
                        None => break,
                    }
                }
                Some(a)
            }
            _ => {
                err("kode_wilayah", Message::new("xchg-district-format"));
                None
            }
        };
        if district.is_some() && !known_areas.contains(&area) {
            let exists = sqlx::query("SELECT 1 FROM areas WHERE code = $1 AND valid_to IS NULL")
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
        let ownership = cell("kepemilikan").to_lowercase();
        if Ownership::parse(&ownership).is_none() {
            err(
                "kepemilikan",
                one_of(Ownership::ALL.iter().map(|v| v.as_str())),
            );
        }
        let year = match cell("tahun").parse::<i64>() {
            Ok(y) if (FIRST_HISTORY_YEAR..=this_year).contains(&y) => Some(y),
            _ => {
                err(
                    "tahun",
                    Message::new("xchg-year-range")
                        .with("min", FIRST_HISTORY_YEAR)
                        .with("max", this_year),
                );
                None
            }
        };
        if let Some(y) = year
            && code_ok
            && let Some(first) = seen.insert((code.to_uppercase(), y), row)
        {
            err(
                "tahun",
                Message::new("xchg-history-twice").with("first", first),
            );
        }
        let kind = cell("jalur").to_lowercase();
        if CohortKind::parse(&kind).is_none() {
            err("jalur", one_of(CohortKind::ALL.iter().map(|v| v.as_str())));
        }
        let result = cell("hasil").to_lowercase();
        if !HISTORY_RESULTS.contains(&result.as_str()) {
            err("hasil", one_of(HISTORY_RESULTS.iter().copied()));
        }
        let date = cell("tanggal_sertifikat");
        let certified_on = if date.is_empty() {
            if result == "tersertifikasi" {
                err("tanggal_sertifikat", Message::new("xchg-certificate-date"));
            }
            None
        } else {
            match chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d") {
                Ok(d) if result == "tersertifikasi" => Some(d.to_string()),
                Ok(_) => {
                    err(
                        "tanggal_sertifikat",
                        Message::new("xchg-certificate-not-certified"),
                    );
                    None
                }
                Err(_) => {
                    err("tanggal_sertifikat", Message::new("xchg-date-format"));
                    None
                }
            }
        };
        // The coaching office: as given, else the district's BNNK, else the province's BNNP.
        let office_code = match (cell("kode_satker"), &district) {
            (given, _) if !given.is_empty() => Some(given),
            (_, Some(d)) => [
                format!("BNNK-{}", d.as_str()),
                format!("BNNP-{}", d.province().as_str()),
            ]
            .into_iter()
            .find(|c| offices.contains_key(c)),
            _ => None,
        };
        let office = match office_code.and_then(|c| offices.get(&c)) {
            Some((id, path)) => {
                let path = OfficePath::parse(path).unwrap_or_else(|| OfficePath::root(*id));
                if actor.authorize(Permission::WriteData, &path).is_err() {
                    err("kode_satker", Message::new("xchg-office-outside-scope"));
                    None
                } else {
                    Some(*id)
                }
            }
            None if district.is_some() => {
                err("kode_satker", Message::new("xchg-office-not-found"));
                None
            }
            None => None,
        };
        let mut described = |column: &str, value: String, accepted: &[&str]| {
            if value.is_empty() {
                defaulted.push(row);
                Some("keduanya".to_string())
            } else if accepted.contains(&value.as_str()) {
                Some(value)
            } else {
                err(column, one_of(accepted.iter().copied()));
                None
            }
        };
        let kinds: Vec<&str> = ServiceKind::ALL.iter().map(|v| v.as_str()).collect();
        let service_kind = described(
            "jenis_layanan",
            cell("jenis_layanan").to_lowercase(),
            &kinds,
        );
        let modalities: Vec<&str> = Modality::ALL.iter().map(|v| v.as_str()).collect();
        let modality = described("modalitas", cell("modalitas").to_lowercase(), &modalities);
        let (Some(year), Some(office_id), Some(service_kind), Some(modality)) =
            (year, office, service_kind, modality)
        else {
            continue;
        };
        plan.push(Planned {
            row,
            institution: InstitutionInput {
                code,
                name,
                ownership,
                service_kind,
                modality,
                ipwl: false,
                bnn_partner: false,
                address: String::new(),
                area_code: area,
                office_id,
            },
            year,
            kind,
            result,
            certified_on,
        });
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut summary = ImportSummary {
        rows: plan.len(),
        dry_run,
        ..Default::default()
    };
    // One step per institution: its creation and all its years together, so that each step
    // stands alone (a dry run rolls back after every few steps).
    let mut groups: Vec<Vec<&Planned>> = Vec::new();
    let mut group_of: HashMap<String, usize> = HashMap::new();
    for p in &plan {
        let g = *group_of
            .entry(p.institution.code.to_uppercase())
            .or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
        groups[g].push(p);
    }
    let mut tx = ImportTx::begin(db, dry_run).await?;
    let mut new_with_defaults = HashSet::new();
    let mut done = 0;
    for group in &groups {
        tx.row_done().await?;
        let mut institution = None;
        for p in group {
            match write_row(db, &mut tx, actor, p, &mut institution).await {
                Ok((institution_new, change)) => {
                    if institution_new && defaulted.contains(&p.row) {
                        new_with_defaults.insert(p.row);
                    }
                    match change {
                        Some(true) => summary.created += 1,
                        Some(false) => summary.updated += 1,
                        None => summary.unchanged += 1,
                    }
                }
                Err(e) => {
                    tx.rollback().await?;
                    return Ok(Err(vec![RowError::from_write(
                        e,
                        p.row,
                        &p.institution.code,
                    )?]));
                }
            }
            done += 1;
            progress(done);
        }
    }
    tx.finish().await?;
    let mut rows: Vec<usize> = new_with_defaults.into_iter().collect();
    rows.sort();
    for row in rows.into_iter().take(MAX_ERRORS) {
        warnings.push(RowError {
            row,
            column: "jenis_layanan".into(),
            value: String::new(),
            reason: Message::new("xchg-history-described-later"),
        });
    }
    summary.warnings = warnings;
    Ok(Ok(summary))
}

/// Writes one row: the institution if it is new (`institution` keeps it for the group's next
/// rows, with its office), then its past year. Whether the institution was created, and whether
/// the year was created (`Some(true)`), changed (`Some(false)`) or already so (`None`).
async fn write_row(
    db: &Db,
    tx: &mut ImportTx,
    actor: Actor<'_>,
    p: &Planned,
    institution: &mut Option<(i64, OfficePath)>,
) -> DbResult<(bool, Option<bool>)> {
    let mut institution_new = false;
    if institution.is_none() {
        *institution = Some(match institutions::by_code(db, &p.institution.code).await {
            Ok(i) => {
                // An institution outside the importer's reach is not written to.
                let path = crate::offices::load(tx, i.office_id).await?.office_path();
                actor.authorize(Permission::WriteData, &path)?;
                (i.id, path)
            }
            Err(DbError::NotFound(_)) => {
                institution_new = true;
                let id = institutions::create_in(tx, actor, &p.institution).await?;
                let path = crate::offices::load(tx, p.institution.office_id)
                    .await?
                    .office_path();
                (id, path)
            }
            Err(e) => return Err(e),
        });
    }
    let Some((institution_id, office_path)) = institution.clone() else {
        return Err(DbError::not_found("lembaga"));
    };
    let before = sqlx::query(
        "SELECT kind, result, certified_on FROM sni_history WHERE institution_id = $1 AND year = $2",
    )
    .bind(institution_id)
    .bind(p.year)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| {
        (
            r.get::<String, _>("kind"),
            r.get::<String, _>("result"),
            r.get::<Option<String>, _>("certified_on"),
        )
    });
    let after = (p.kind.clone(), p.result.clone(), p.certified_on.clone());
    if before.as_ref() == Some(&after) {
        return Ok((institution_new, None));
    }
    sqlx::query(
        "INSERT INTO sni_history (institution_id, year, kind, result, certified_on, imported_at, imported_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (institution_id, year) DO UPDATE SET \
         kind = excluded.kind, result = excluded.result, certified_on = excluded.certified_on, \
         imported_at = excluded.imported_at, imported_by = excluded.imported_by",
    )
    .bind(institution_id)
    .bind(p.year)
    .bind(&p.kind)
    .bind(&p.result)
    .bind(p.certified_on.clone())
    .bind(now_rfc3339())
    .bind(actor.name().to_string())
    .execute(&mut **tx)
    .await?;
    let as_json = |(kind, result, date): &(String, String, Option<String>)| json!({"jalur": kind, "hasil": result, "tanggal_sertifikat": date});
    audit::record(
        tx,
        actor,
        Change {
            action: if before.is_some() { "update" } else { "import" },
            entity: "riwayat_sni",
            entity_id: format!("{}/{}", p.institution.code, p.year),
            office_path: Some(&office_path),
            before: before.as_ref().map(as_json),
            after: Some(as_json(&after)),
        },
    )
    .await?;
    Ok((institution_new, Some(before.is_none())))
}

/// The imported past coaching the principal may read, in the import columns.
pub async fn export(db: &Db, who: &pantau_core::access::Principal) -> DbResult<Table> {
    let mut t = Table::new(&columns());
    let mut sql = crate::sql::Sql::new(
        "SELECT i.code, i.name, i.area_code, i.ownership, h.year, h.kind, h.result, h.certified_on, \
         o.code AS office_code, i.service_kind, i.modality FROM sni_history h \
         JOIN institutions i ON i.id = h.institution_id JOIN offices o ON o.id = i.office_id WHERE ",
    );
    if !sql.scope(who, Permission::ReadData, "o.path") {
        return Ok(t);
    }
    sql.push(" ORDER BY i.code, h.year");
    for r in sql.query().fetch_all(db.pool()).await? {
        t.rows.push(vec![
            r.get("code"),
            r.get("name"),
            r.get("area_code"),
            r.get("ownership"),
            r.get::<i64, _>("year").to_string(),
            r.get("kind"),
            r.get("result"),
            r.get::<Option<String>, _>("certified_on")
                .unwrap_or_default(),
            r.get("office_code"),
            r.get("service_kind"),
            r.get("modality"),
        ]);
    }
    Ok(t)
}
