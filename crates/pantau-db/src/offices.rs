//! The BNN office tree (satker). Offices are data: a national admin creates, renames, moves and
//! retires them and sets the areas each covers; an office's own staff keep its contact profile.

use crate::audit::{self, Actor, Change};
use crate::error::{DbError, DbResult};
use crate::{Db, now_rfc3339};
use pantau_core::access::{Permission, Principal};
use pantau_core::message::Message;
use pantau_core::org::{AreaCode, OfficeLevel, OfficePath};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{AnyConnection, FromRow, Row};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Office {
    pub id: i64,
    pub code: String,
    pub level: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub path: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub head_name: String,
    #[sqlx(try_from = "crate::sql::Flag")]
    pub active: bool,
    pub updated_at: String,
}

impl Office {
    pub fn office_path(&self) -> OfficePath {
        // Paths are written only by this module, always in the valid shape.
        OfficePath::parse(&self.path).unwrap_or_else(|| OfficePath::root(self.id))
    }

    pub fn level(&self) -> Option<OfficeLevel> {
        OfficeLevel::parse(&self.level)
    }

    fn audit_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// The public directory entry: name and place in the tree, nothing more.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OfficeSummary {
    pub id: i64,
    pub code: String,
    pub level: String,
    pub name: String,
    pub parent_id: Option<i64>,
    #[sqlx(try_from = "crate::sql::Flag")]
    pub active: bool,
    pub path: String,
}

impl OfficeSummary {
    /// Whether this office is `office` or lies in its subtree.
    pub fn is_within(&self, office_path: &str) -> bool {
        match (
            OfficePath::parse(&self.path),
            OfficePath::parse(office_path),
        ) {
            (Some(mine), Some(theirs)) => mine.is_within(&theirs),
            _ => false,
        }
    }
}

/// What an office's own staff may edit.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
pub struct OfficeProfile {
    pub address: String,
    pub phone: String,
    #[schemars(schema_with = "pantau_core::schema::optional_email")]
    pub email: String,
    #[schemars(schema_with = "pantau_core::schema::short_text")]
    pub head_name: String,
}

impl OfficeProfile {
    fn check(&self) -> DbResult<()> {
        for (field, value, max) in [
            ("address", &self.address, 500),
            ("phone", &self.phone, 50),
            ("email", &self.email, 200),
            ("head_name", &self.head_name, 200),
        ] {
            crate::ibm::check_text(field, value, max, false)?;
        }
        if !self.email.is_empty() && !self.email.contains('@') {
            return Err(DbError::field("err-email", "email"));
        }
        Ok(())
    }
}

/// What only a national admin may set: identity and place in the tree.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct OfficeStructure {
    pub code: String,
    pub level: OfficeLevel,
    pub name: String,
    pub parent_id: Option<i64>,
    pub active: bool,
}

pub async fn directory(db: &Db) -> DbResult<Vec<OfficeSummary>> {
    let rows = sqlx::query(
        "SELECT id, code, level, name, parent_id, active, path FROM offices ORDER BY path",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(OfficeSummary::from_row)
        .collect::<Result<_, _>>()?)
}

/// The time zone a principal reads times in: that of the province of the office they work
/// for (the nation's offices read WIB, Jakarta's time).
pub async fn time_zone(db: &Db, who: &Principal) -> DbResult<pantau_core::org::TimeZone> {
    let Some(grant) = who.grants.first() else {
        return Ok(Default::default());
    };
    // The office one below the root is the province's BNNP (or the office itself).
    let Some(province_office) = grant.office_path.ids().get(1).copied() else {
        return Ok(Default::default());
    };
    let code: Option<String> = sqlx::query("SELECT code FROM offices WHERE id = $1")
        .bind(province_office)
        .fetch_optional(db.pool())
        .await?
        .map(|r| r.get("code"));
    // Office codes name their area: BNNP-32, BNNK-32.73.
    Ok(code
        .and_then(|c| c.split_once('-').map(|(_, area)| area.to_string()))
        .map(|area| pantau_core::org::TimeZone::of_province(&area))
        .unwrap_or_default())
}

/// The national office (BNN RI), the root of the tree.
pub async fn national_root(db: &Db) -> DbResult<OfficeSummary> {
    directory(db)
        .await?
        .into_iter()
        .find(|o| o.parent_id.is_none())
        .ok_or_else(|| DbError::not_found("satker pusat"))
}

/// The subtree a report or dashboard covers: the office asked for (if the principal may read
/// it), or the whole nation.
pub async fn report_root(db: &Db, who: &Principal, office_id: Option<i64>) -> DbResult<OfficePath> {
    match office_id {
        Some(id) => Ok(get(db, who, id).await?.office_path()),
        None => Ok(OfficePath::root(national_root(db).await?.id)),
    }
}

pub async fn count_by_level(db: &Db) -> DbResult<Vec<(String, i64)>> {
    let rows =
        sqlx::query("SELECT level, COUNT(*) AS n FROM offices GROUP BY level ORDER BY level")
            .fetch_all(db.pool())
            .await?;
    Ok(rows.iter().map(|r| (r.get("level"), r.get("n"))).collect())
}

pub(crate) async fn load(conn: &mut AnyConnection, id: i64) -> DbResult<Office> {
    sqlx::query("SELECT * FROM offices WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .map(|r| Office::from_row(&r))
        .transpose()?
        .ok_or_else(|| DbError::not_found(format!("satker {id}")))
}

/// An office by id, unchecked: for callers that only need its place in the tree.
pub async fn get_unchecked(db: &Db, id: i64) -> DbResult<Office> {
    let mut conn = db.pool().acquire().await?;
    load(&mut conn, id).await
}

pub async fn by_code(db: &Db, code: &str) -> DbResult<Office> {
    sqlx::query("SELECT * FROM offices WHERE code = $1")
        .bind(code)
        .fetch_optional(db.pool())
        .await?
        .map(|r| Office::from_row(&r))
        .transpose()?
        .ok_or_else(|| DbError::not_found(format!("satker {code}")))
}

/// An office with its profile, if the principal may read data of that office.
pub async fn get(db: &Db, who: &Principal, id: i64) -> DbResult<Office> {
    let office = get_unchecked(db, id).await?;
    who.authorize(Permission::ReadData, &office.office_path())?;
    Ok(office)
}

/// Offices in the principal's read scope, in tree order.
pub async fn in_scope(db: &Db, who: &Principal) -> DbResult<Vec<Office>> {
    let mut sql = crate::sql::Sql::new("SELECT * FROM offices WHERE ");
    if !sql.scope(who, Permission::ReadData, "path") {
        return Ok(vec![]);
    }
    sql.push(" ORDER BY path");
    let q = sql.query();
    Ok(q.fetch_all(db.pool())
        .await?
        .iter()
        .map(Office::from_row)
        .collect::<Result<_, _>>()?)
}

pub async fn children(db: &Db, parent_id: i64) -> DbResult<Vec<OfficeSummary>> {
    Ok(directory(db)
        .await?
        .into_iter()
        .filter(|o| o.parent_id == Some(parent_id))
        .collect())
}

/// Area codes the office covers, with their current names.
pub async fn areas(db: &Db, office_id: i64) -> DbResult<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT oa.area_code, COALESCE(a.name, '') AS name FROM office_areas oa \
         LEFT JOIN areas a ON a.code = oa.area_code AND a.valid_to IS NULL \
         WHERE oa.office_id = $1 ORDER BY oa.area_code",
    )
    .bind(office_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get("area_code"), r.get("name")))
        .collect())
}

/// The office whose coverage contains `area` most specifically (BNNK before BNNP).
pub async fn covering(db: &Db, area: &AreaCode) -> DbResult<Option<OfficeSummary>> {
    let mut conn = db.pool().acquire().await?;
    covering_in(&mut conn, area).await
}

/// [`covering`] on the caller's connection.
pub(crate) async fn covering_in(
    conn: &mut AnyConnection,
    area: &AreaCode,
) -> DbResult<Option<OfficeSummary>> {
    let mut code = Some(area.clone());
    while let Some(c) = code {
        let row = sqlx::query(
            "SELECT o.id, o.code, o.level, o.name, o.parent_id, o.active, o.path FROM office_areas oa \
             JOIN offices o ON o.id = oa.office_id WHERE oa.area_code = $1 AND o.active = $2 \
             ORDER BY o.path DESC LIMIT 1",
        )
        .bind(c.as_str())
        .bind(true)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(r) = row {
            return Ok(Some(OfficeSummary::from_row(&r)?));
        }
        code = c.parent();
    }
    Ok(None)
}

/// Updates the contact profile; allowed to whoever may write data of that office.
pub async fn update_profile(
    db: &Db,
    actor: Actor<'_>,
    id: i64,
    profile: &OfficeProfile,
) -> DbResult<Office> {
    profile.check()?;
    let mut tx = db.begin().await?;
    let before = load(&mut tx, id).await?;
    actor.authorize(Permission::WriteData, &before.office_path())?;
    sqlx::query(
        "UPDATE offices SET address = $1, phone = $2, email = $3, head_name = $4, updated_at = $5 \
         WHERE id = $6",
    )
    .bind(profile.address.trim())
    .bind(profile.phone.trim())
    .bind(profile.email.trim())
    .bind(profile.head_name.trim())
    .bind(now_rfc3339())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let after = load(&mut tx, id).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "update",
            entity: "satker",
            entity_id: id.to_string(),
            office_path: Some(&after.office_path()),
            before: Some(before.audit_json()),
            after: Some(after.audit_json()),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

fn check_structure(s: &OfficeStructure) -> DbResult<()> {
    if !crate::ibm::is_code(&s.code, 2..=40) {
        return Err(DbError::field("err-office-code", "code"));
    }
    crate::ibm::check_text("name", &s.name, 200, true)?;
    Ok(())
}

/// Checks that `parent_id` may hold an office of `level` and returns the parent's path.
async fn parent_path(
    conn: &mut AnyConnection,
    level: OfficeLevel,
    parent_id: Option<i64>,
) -> DbResult<Option<OfficePath>> {
    match (level.parent_level(), parent_id) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(DbError::field("err-office-root-parent", "parent_id")),
        (Some(_), None) => Err(DbError::field("err-office-parent-required", "parent_id")),
        (Some(want), Some(pid)) => {
            let parent = load(conn, pid).await?;
            if parent.level() != Some(want) {
                return Err(DbError::Invalid(
                    Message::new("err-office-parent-level")
                        .with("field", "parent_id")
                        .with("level", level.as_str())
                        .with("parent", want.as_str()),
                ));
            }
            Ok(Some(parent.office_path()))
        }
    }
}

/// Creates an office (national admin).
pub async fn create(db: &Db, actor: Actor<'_>, s: &OfficeStructure) -> DbResult<Office> {
    actor.authorize_national(Permission::ManageReference)?;
    check_structure(s)?;
    let mut tx = db.begin().await?;
    let parent = parent_path(&mut tx, s.level, s.parent_id).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO offices (code, level, name, parent_id, path, active, updated_at) \
         VALUES ($1, $2, $3, $4, '', $5, $6) RETURNING id",
    )
    .bind(s.code.trim())
    .bind(s.level.as_str())
    .bind(s.name.trim())
    .bind(s.parent_id)
    .bind(s.active)
    .bind(now_rfc3339())
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| DbError::conflict_on_unique(e, format!("kode satker {}", s.code)))?
    .get("id");
    let path = match parent {
        Some(p) => p.child(id),
        None => OfficePath::root(id),
    };
    sqlx::query("UPDATE offices SET path = $1 WHERE id = $2")
        .bind(path.as_str())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let after = load(&mut tx, id).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "create",
            entity: "satker",
            entity_id: id.to_string(),
            office_path: Some(&path),
            before: None,
            after: Some(after.audit_json()),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Renames, moves or (de)activates an office (national admin). Moving rewrites the paths of its
/// whole subtree so scope checks follow at once.
pub async fn update_structure(
    db: &Db,
    actor: Actor<'_>,
    id: i64,
    s: &OfficeStructure,
) -> DbResult<Office> {
    actor.authorize_national(Permission::ManageReference)?;
    check_structure(s)?;
    let mut tx = db.begin().await?;
    let before = load(&mut tx, id).await?;
    if before.level() != Some(s.level) {
        return Err(DbError::field("err-office-level-fixed", "level"));
    }
    let parent = parent_path(&mut tx, s.level, s.parent_id).await?;
    let old_path = before.office_path();
    let new_path = match parent {
        Some(p) => p.child(id),
        None => OfficePath::root(id),
    };
    sqlx::query(
        "UPDATE offices SET code = $1, name = $2, parent_id = $3, active = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(s.code.trim())
    .bind(s.name.trim())
    .bind(s.parent_id)
    .bind(s.active)
    .bind(now_rfc3339())
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(|e| DbError::conflict_on_unique(e, format!("kode satker {}", s.code)))?;
    if new_path != old_path {
        sqlx::query(
            "UPDATE offices SET path = $1 || SUBSTR(path, CAST($2 AS INTEGER)) WHERE path LIKE $3",
        )
        .bind(new_path.as_str())
        .bind(old_path.as_str().len() as i64 + 1)
        .bind(format!("{}%", old_path.as_str()))
        .execute(&mut *tx)
        .await?;
    }
    let after = load(&mut tx, id).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "update",
            entity: "satker",
            entity_id: id.to_string(),
            office_path: Some(&new_path),
            before: Some(before.audit_json()),
            after: Some(after.audit_json()),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Replaces the set of areas an office covers (national admin). Each code must be a current
/// area of the level the office covers.
pub async fn set_areas(db: &Db, actor: Actor<'_>, id: i64, codes: &[AreaCode]) -> DbResult<()> {
    actor.authorize_national(Permission::ManageReference)?;
    let mut tx = db.begin().await?;
    let office = load(&mut tx, id).await?;
    let want = office.level().and_then(OfficeLevel::covers);
    for c in codes {
        if Some(c.level()) != want {
            return Err(DbError::Invalid(
                Message::new("err-office-area-level")
                    .with("field", "areas")
                    .with("office", &office.name)
                    .with("value", c),
            ));
        }
        let exists = sqlx::query("SELECT 1 FROM areas WHERE code = $1 AND valid_to IS NULL")
            .bind(c.as_str())
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if !exists {
            return Err(DbError::unknown_record("areas", c));
        }
    }
    let before: Vec<String> =
        sqlx::query("SELECT area_code FROM office_areas WHERE office_id = $1 ORDER BY area_code")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.get("area_code"))
            .collect();
    sqlx::query("DELETE FROM office_areas WHERE office_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let mut after: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
    after.sort();
    after.dedup();
    for c in &after {
        sqlx::query("INSERT INTO office_areas (office_id, area_code) VALUES ($1, $2)")
            .bind(id)
            .bind(c)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "update",
            entity: "satker_wilayah",
            entity_id: id.to_string(),
            office_path: Some(&office.office_path()),
            before: Some(json!({ "areas": before })),
            after: Some(json!({ "areas": after })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The office's staff (users granted a role on exactly this office), if readable.
pub async fn staff(db: &Db, who: &Principal, id: i64) -> DbResult<Vec<(String, String, String)>> {
    let office = get(db, who, id).await?;
    let rows = sqlx::query(
        "SELECT u.username, u.full_name, g.role FROM grants g JOIN users u ON u.id = g.user_id \
         WHERE g.office_id = $1 AND u.active = $2 ORDER BY u.username, g.role",
    )
    .bind(office.id)
    .bind(true)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get("username"), r.get("full_name"), r.get("role")))
        .collect())
}
