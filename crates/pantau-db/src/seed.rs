//! Loading reference data and the demo data set.

use crate::audit::{self, Actor, Change};
use crate::error::{DbError, DbResult};
use crate::offices;
use crate::users::{self, NewUser};
use crate::wilayah::{self, LevelCounts, WilayahFiles};
use crate::{Db, now_rfc3339};
use pantau_core::access::Role;
use pantau_core::org::{AreaCode, AreaLevel, OfficeLevel, OfficePath};
use serde_json::json;
use sqlx::Row;
use std::io::Read;

/// The Kemendagri area files shipped with Pantau (idn-area-data, ODbL; see data/wilayah/).
pub mod bundled {
    pub const PROVINCES: &[u8] = include_bytes!("../../../data/wilayah/provinces.csv");
    pub const REGENCIES: &[u8] = include_bytes!("../../../data/wilayah/regencies.csv");
    pub const DISTRICTS: &[u8] = include_bytes!("../../../data/wilayah/districts.csv");
    pub const VILLAGES: &[u8] = include_bytes!("../../../data/wilayah/villages.csv");
    /// The seed office tree: BNN RI, 34 BNNP, 173 BNNK (see data/satker/README.md).
    pub const OFFICES: &[u8] = include_bytes!("../../../data/satker/offices.csv");

    pub fn wilayah() -> super::WilayahFiles<&'static [u8]> {
        super::WilayahFiles {
            provinces: PROVINCES,
            regencies: REGENCIES,
            districts: DISTRICTS,
            villages: VILLAGES,
        }
    }
}

/// Imports the bundled areas down to `max_level`.
pub async fn bundled_wilayah(
    db: &Db,
    max_level: AreaLevel,
    progress: &(dyn Fn(AreaLevel, u64, u64) + Sync),
) -> DbResult<LevelCounts> {
    wilayah::import(db, bundled::wilayah(), max_level, progress).await
}

/// Loads offices from CSV (`code,level,name,parent_code,area_codes`), parents before children.
/// Offices whose code exists already are left alone. Returns how many were created.
pub async fn offices_from_csv<R: Read>(db: &Db, actor: Actor<'_>, reader: R) -> DbResult<usize> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(reader);
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec?;
        let line = i + 2;
        let field = |n: usize| rec.get(n).unwrap_or("").to_string();
        let level = OfficeLevel::parse(&field(1)).ok_or_else(|| {
            DbError::invalid(format!(
                "satker baris {line}: tingkat {:?} tidak dikenal",
                field(1)
            ))
        })?;
        let areas = field(4)
            .split(';')
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                AreaCode::parse(s)
                    .map_err(|e| DbError::invalid(format!("satker baris {line}: {e}")))
            })
            .collect::<DbResult<Vec<_>>>()?;
        rows.push((field(0), level, field(2), field(3), areas));
    }
    rows.sort_by_key(|r| r.1);
    let mut tx = db.begin().await?;
    let mut created = 0;
    for (code, level, name, parent_code, areas) in rows {
        let exists = sqlx::query("SELECT id FROM offices WHERE code = $1")
            .bind(&code)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if exists {
            continue;
        }
        let parent = if parent_code.is_empty() {
            None
        } else {
            let r = sqlx::query("SELECT id, path FROM offices WHERE code = $1")
                .bind(&parent_code)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| {
                    DbError::invalid(format!("satker {code}: induk {parent_code} tidak ada"))
                })?;
            Some((r.get::<i64, _>("id"), r.get::<String, _>("path")))
        };
        let id: i64 = sqlx::query(
            "INSERT INTO offices (code, level, name, parent_id, path, active, updated_at) \
             VALUES ($1, $2, $3, $4, '', $5, $6) RETURNING id",
        )
        .bind(&code)
        .bind(level.as_str())
        .bind(&name)
        .bind(parent.as_ref().map(|p| p.0))
        .bind(true)
        .bind(now_rfc3339())
        .fetch_one(&mut *tx)
        .await?
        .get("id");
        let path = match &parent {
            Some((_, p)) => OfficePath::parse(p)
                .ok_or_else(|| DbError::invalid(format!("jalur satker {p:?} rusak")))?
                .child(id),
            None => OfficePath::root(id),
        };
        sqlx::query("UPDATE offices SET path = $1 WHERE id = $2")
            .bind(path.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for a in &areas {
            sqlx::query("INSERT INTO office_areas (office_id, area_code) VALUES ($1, $2)")
                .bind(id)
                .bind(a.as_str())
                .execute(&mut *tx)
                .await?;
        }
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "satker",
                entity_id: id.to_string(),
                office_path: Some(&path),
                before: None,
                after: Some(json!({"code": code, "level": level.as_str(), "name": name,
                    "areas": areas.iter().map(|a| a.as_str()).collect::<Vec<_>>()})),
            },
        )
        .await?;
        created += 1;
    }
    tx.commit().await?;
    Ok(created)
}

/// Password shared by every demo account; printed by `pantau demo`.
pub const DEMO_PASSWORD: &str = "Pantau-Demo-2026";

/// One demo account per role, on offices a newcomer will recognise.
pub const DEMO_USERS: &[(&str, &str, Role, &str)] = &[
    (
        "admin.pusat",
        "Admin Direktorat PLRKM",
        Role::NationalAdmin,
        "BNN",
    ),
    (
        "analis.pusat",
        "Analis Data PLRKM",
        Role::NationalAnalyst,
        "BNN",
    ),
    (
        "pimpinan.pusat",
        "Deputi Bidang Rehabilitasi",
        Role::Leadership,
        "BNN",
    ),
    (
        "bnnp.jabar",
        "Petugas Rehabilitasi BNNP Jawa Barat",
        Role::BnnpOfficer,
        "BNNP-32",
    ),
    (
        "bnnk.bandung",
        "Petugas Rehabilitasi BNNK Kota Bandung",
        Role::BnnkOfficer,
        "BNNK-32.73",
    ),
    (
        "bnnk.bogor",
        "Petugas Rehabilitasi BNNK Kota Bogor",
        Role::BnnkOfficer,
        "BNNK-32.71",
    ),
    (
        "bnnp.jatim",
        "Petugas Rehabilitasi BNNP Jawa Timur",
        Role::BnnpOfficer,
        "BNNP-35",
    ),
    (
        "operator.lembaga",
        "Operator Lembaga Rehabilitasi (Bandung)",
        Role::InstitutionOperator,
        "BNNK-32.73",
    ),
    (
        "fasilitator.ikai",
        "Fasilitator IKAI Jawa Barat",
        Role::IkaiFacilitator,
        "BNNP-32",
    ),
    (
        "pelapor.unit",
        "Pelapor Unit IBM (Bandung)",
        Role::UnitReporter,
        "BNNK-32.73",
    ),
];

/// Creates the demo accounts that do not exist yet; returns those created.
pub async fn demo_users(db: &Db) -> DbResult<Vec<(&'static str, Role, String)>> {
    let mut created = Vec::new();
    for (username, full_name, role, office_code) in DEMO_USERS {
        // The institution operator and the unit reporter are created with the demo institution
        // and unit they work for.
        if matches!(role, Role::InstitutionOperator | Role::UnitReporter)
            || users::by_username(db, username).await.is_ok()
        {
            continue;
        }
        let office = offices::by_code(db, office_code).await?;
        users::create(
            db,
            Actor::System("demo"),
            NewUser {
                username: username.to_string(),
                full_name: full_name.to_string(),
                email: String::new(),
                password: DEMO_PASSWORD.to_string(),
                grants: vec![(*role, office.id)],
                institution_id: None,
                unit_id: None,
            },
        )
        .await?;
        created.push((*username, *role, office.name));
    }
    Ok(created)
}

/// Whether the database holds no offices yet (a fresh install).
pub async fn is_empty(db: &Db) -> DbResult<bool> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM offices")
        .fetch_one(db.pool())
        .await?
        .get::<i64, _>("n")
        == 0)
}
