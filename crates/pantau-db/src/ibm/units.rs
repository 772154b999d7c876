//! The IBM unit registry, status changes, and the per-year category and target stage.

use super::{authorize_unit, check_date, check_text, check_year};
use crate::audit::{self, Actor, Change};
use crate::error::{DbError, DbResult};
use crate::sql::Sql;
use crate::{Db, now_rfc3339, offices, today};
use pantau_core::access::{Permission, Principal};
use pantau_core::ibm::{Category, FundingSource, UnitStatus};
use pantau_core::org::{AreaCode, AreaLevel};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{AnyConnection, FromRow, Row};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Unit {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub village_code: String,
    pub village_name: String,
    pub office_id: i64,
    pub office_name: String,
    pub office_path: String,
    pub year_formed: i64,
    pub decree_number: String,
    pub funding_source: String,
    #[sqlx(try_from = "crate::sql::Flag")]
    pub desa_bersinar: bool,
    #[sqlx(try_from = "crate::sql::Flag")]
    pub priority_area: bool,
    pub status: String,
    pub status_date: String,
    pub status_reason: String,
    pub updated_at: String,
}

const SELECT_UNIT: &str = "SELECT u.*, o.name AS office_name, o.path AS office_path, \
     COALESCE(a.name, '') AS village_name FROM ibm_units u JOIN offices o ON o.id = u.office_id \
     LEFT JOIN areas a ON a.code = u.village_code AND a.valid_to IS NULL";

impl Unit {
    pub fn status(&self) -> Option<UnitStatus> {
        UnitStatus::parse(&self.status)
    }

    fn audit_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// What a user enters to register or edit a unit.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
pub struct UnitInput {
    #[schemars(schema_with = "pantau_core::schema::record_code")]
    pub code: String,
    #[schemars(schema_with = "pantau_core::schema::required_text")]
    pub name: String,
    #[schemars(schema_with = "pantau_core::schema::area_code")]
    pub village_code: String,
    pub office_id: i64,
    #[schemars(schema_with = "pantau_core::schema::past_year")]
    pub year_formed: i64,
    #[serde(default)]
    pub decree_number: String,
    #[schemars(schema_with = "pantau_core::ibm::FundingSource::schema")]
    pub funding_source: String,
    #[serde(default)]
    pub desa_bersinar: bool,
    #[serde(default)]
    pub priority_area: bool,
}

async fn load(conn: &mut AnyConnection, id: i64) -> DbResult<Unit> {
    let mut sql = Sql::new(SELECT_UNIT);
    sql.push(" WHERE u.id = ").bind(id);
    sql.query()
        .fetch_optional(conn)
        .await?
        .map(|r| Unit::from_row(&r))
        .transpose()?
        .ok_or_else(|| DbError::not_found(format!("unit IBM {id}")))
}

pub async fn get(db: &Db, who: &Principal, id: i64) -> DbResult<Unit> {
    let mut conn = db.pool().acquire().await?;
    authorize_unit(&mut conn, Actor::User(who), Permission::ReadData, id).await?;
    load(&mut conn, id).await
}

pub async fn by_code(db: &Db, code: &str) -> DbResult<Unit> {
    let mut sql = Sql::new(SELECT_UNIT);
    sql.push(" WHERE u.code = ").bind(code.to_string());
    sql.query()
        .fetch_optional(db.pool())
        .await?
        .map(|r| Unit::from_row(&r))
        .transpose()?
        .ok_or_else(|| DbError::not_found(format!("unit IBM {code}")))
}

#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    pub office_id: Option<i64>,
    pub status: Option<String>,
    /// Words matched against the unit's code and name, its office's name and the names of the
    /// areas it lies in (village, kecamatan, kabupaten/kota, province).
    pub query: Option<String>,
    /// A province code (`32`): units whose village lies in it.
    pub province: Option<String>,
    /// With `category`: units of that category in this year (this year when not given).
    pub year: Option<i64>,
    pub category: Option<String>,
    pub funding: Option<String>,
    pub sort: UnitSort,
    pub descending: bool,
    pub limit: i64,
    pub offset: i64,
}

/// The column a unit list is sorted by (then by code).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitSort {
    #[default]
    Code,
    Name,
    Village,
    Office,
    Status,
    YearFormed,
}

impl UnitSort {
    pub const ALL: &'static [UnitSort] = &[
        UnitSort::Code,
        UnitSort::Name,
        UnitSort::Village,
        UnitSort::Office,
        UnitSort::Status,
        UnitSort::YearFormed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitSort::Code => "code",
            UnitSort::Name => "name",
            UnitSort::Village => "village",
            UnitSort::Office => "office",
            UnitSort::Status => "status",
            UnitSort::YearFormed => "year_formed",
        }
    }

    pub fn parse(s: &str) -> Option<UnitSort> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    fn column(self) -> &'static str {
        match self {
            UnitSort::Code => "u.code",
            UnitSort::Name => "u.name",
            UnitSort::Village => "village_name",
            UnitSort::Office => "o.name",
            UnitSort::Status => "u.status",
            UnitSort::YearFormed => "u.year_formed",
        }
    }
}

/// Areas whose name holds `words`, as code prefixes (at most 100, none inside another): units
/// lie in one of them when their village code starts with it.
pub(crate) async fn areas_named(db: &Db, words: &str) -> DbResult<Vec<String>> {
    let rows = sqlx::query(
        "SELECT code FROM areas WHERE valid_to IS NULL AND LOWER(name) LIKE $1 \
         ORDER BY LENGTH(code), code LIMIT 500",
    )
    .bind(format!("%{words}%"))
    .fetch_all(db.pool())
    .await?;
    let mut prefixes: Vec<String> = Vec::new();
    for r in rows {
        let code: String = r.get("code");
        // A village's code is whole; a wider area's code is followed by its children's.
        let prefix = if code.matches('.').count() == 3 {
            code
        } else {
            format!("{code}.")
        };
        if !prefixes.iter().any(|p| prefix.starts_with(p.as_str())) {
            prefixes.push(prefix);
        }
        if prefixes.len() == 100 {
            break;
        }
    }
    Ok(prefixes)
}

/// Units in the principal's read scope (optionally under one office) that match the filter.
pub async fn list(db: &Db, who: &Principal, filter: &UnitFilter) -> DbResult<(Vec<Unit>, i64)> {
    let under = match filter.office_id {
        Some(office_id) => Some(offices::get_unchecked(db, office_id).await?.path),
        None => None,
    };
    let words = filter
        .query
        .as_deref()
        .map(|q| q.trim().to_lowercase())
        .filter(|q| !q.is_empty());
    let places = match &words {
        Some(w) => areas_named(db, w).await?,
        None => vec![],
    };
    let year = filter
        .year
        .unwrap_or_else(|| chrono::Datelike::year(&crate::today()) as i64);
    let given = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    // The same conditions for the count and the page.
    let conditions = |sql: &mut Sql| -> bool {
        sql.push(" WHERE ");
        if !sql.scope(who, Permission::ReadData, "o.path") {
            return false;
        }
        if let Some(path) = &under {
            sql.push(" AND o.path LIKE ").bind(format!("{path}%"));
        }
        if let Some(s) = given(&filter.status) {
            sql.push(" AND u.status = ").bind(s);
        }
        if let Some(p) = given(&filter.province) {
            sql.push(" AND u.village_code LIKE ")
                .bind(format!("{}.%", p.trim()));
        }
        if let Some(f) = given(&filter.funding) {
            sql.push(" AND u.funding_source = ").bind(f);
        }
        if let Some(c) = given(&filter.category) {
            sql.push(
                " AND EXISTS (SELECT 1 FROM ibm_unit_years y WHERE y.unit_id = u.id AND y.year = ",
            )
            .bind(year)
            .push(" AND y.category = ")
            .bind(c)
            .push(")");
        }
        if let Some(w) = &words {
            let pattern = format!("%{w}%");
            sql.push(" AND (LOWER(u.name) LIKE ").bind(pattern.clone());
            sql.push(" OR LOWER(u.code) LIKE ").bind(pattern.clone());
            sql.push(" OR LOWER(o.name) LIKE ").bind(pattern);
            for p in &places {
                sql.push(" OR u.village_code LIKE ").bind(format!("{p}%"));
            }
            sql.push(")");
        }
        true
    };
    let mut count =
        Sql::new("SELECT COUNT(*) AS n FROM ibm_units u JOIN offices o ON o.id = u.office_id");
    if !conditions(&mut count) {
        return Ok((vec![], 0));
    }
    let total: i64 = count.query().fetch_one(db.pool()).await?.get("n");
    let mut page = Sql::new(SELECT_UNIT);
    conditions(&mut page);
    page.push(" ORDER BY ")
        .push(filter.sort.column())
        .push(if filter.descending { " DESC" } else { " ASC" })
        .push(", u.code LIMIT ")
        .bind(filter.limit.clamp(1, MAX_LIST));
    page.push(" OFFSET ").bind(filter.offset.max(0));
    Ok((
        page.query()
            .fetch_all(db.pool())
            .await?
            .iter()
            .map(Unit::from_row)
            .collect::<Result<_, _>>()?,
        total,
    ))
}

/// The most units one list (or one download of it) holds.
pub const MAX_LIST: i64 = 50_000;

/// The year a unit was formed: from 2000 to this year.
pub(crate) fn check_year_formed(year: i64) -> DbResult<()> {
    let now = chrono::Datelike::year(&chrono::Utc::now()) as i64;
    if (2000..=now).contains(&year) {
        Ok(())
    } else {
        Err(DbError::rule(
            pantau_core::message::Message::new("xchg-year-range")
                .with("min", 2000)
                .with("max", now),
        ))
    }
}

/// Validates input: codes, a current village, a BNNK/BNNP office, a known funding source.
async fn check_input(conn: &mut AnyConnection, input: &UnitInput) -> DbResult<()> {
    if !super::is_code(&input.code, 3..=40) {
        return Err(DbError::field("err-code-format", "code"));
    }
    check_text("name", &input.name, 200, true)?;
    check_text("decree_number", &input.decree_number, 100, false)?;
    check_year_formed(input.year_formed)?;
    FundingSource::parse(&input.funding_source).ok_or_else(|| {
        DbError::unknown_value(
            "funding_source",
            &input.funding_source,
            FundingSource::ALL.iter().map(|v| v.as_str()),
        )
    })?;
    let village =
        AreaCode::parse(&input.village_code).map_err(|e| DbError::area_code("village_code", e))?;
    if village.level() != AreaLevel::Village {
        return Err(DbError::field("err-village-required", "village_code"));
    }
    let exists = sqlx::query("SELECT 1 FROM areas WHERE code = $1 AND valid_to IS NULL")
        .bind(village.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .is_some();
    if !exists {
        return Err(DbError::unknown_record("village_code", &village));
    }
    let office = crate::offices::load(conn, input.office_id).await?;
    if office.level == "pusat" {
        return Err(DbError::field("err-coaching-office", "office_id"));
    }
    // The coaching office covers the village: it is the office whose areas hold the village,
    // or one above it.
    if let Some(covering) = crate::offices::covering_in(conn, &village).await? {
        if !covering.is_within(&office.path) {
            return Err(DbError::rule(
                pantau_core::message::Message::new("xchg-office-not-covering")
                    .with("office", &office.code)
                    .with("village", &village)
                    .with("covering", format!("{} ({})", covering.name, covering.code)),
            ));
        }
    }
    Ok(())
}

/// Registers a unit (status: proposed) with its first year's category, on an office the
/// principal may write to.
pub async fn create(
    db: &Db,
    actor: Actor<'_>,
    input: &UnitInput,
    first_year: i64,
) -> DbResult<Unit> {
    let mut tx = db.begin().await?;
    let unit = create_in(&mut tx, actor, input, Some(first_year)).await?;
    tx.commit().await?;
    Ok(unit)
}

/// [`create`] inside the caller's transaction (imports run many in one). Without a first year
/// the unit gets no yearly category here (an import sets its years itself).
pub(crate) async fn create_in(
    mut tx: &mut AnyConnection,
    actor: Actor<'_>,
    input: &UnitInput,
    first_year: Option<i64>,
) -> DbResult<Unit> {
    if let Some(year) = first_year {
        check_year(year)?;
    }
    // Who may write there first: an outsider learns nothing about the input.
    let office = crate::offices::load(&mut tx, input.office_id).await?;
    actor.authorize(Permission::WriteData, &office.office_path())?;
    check_input(&mut tx, input).await?;
    let now = now_rfc3339();
    let id: i64 = sqlx::query(
        "INSERT INTO ibm_units (code, name, village_code, office_id, year_formed, decree_number, \
         funding_source, desa_bersinar, priority_area, status, status_date, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(input.code.trim())
    .bind(input.name.trim())
    .bind(input.village_code.trim())
    .bind(input.office_id)
    .bind(input.year_formed)
    .bind(input.decree_number.trim())
    .bind(&input.funding_source)
    .bind(input.desa_bersinar)
    .bind(input.priority_area)
    .bind(UnitStatus::Proposed.as_str())
    .bind(today().to_string())
    .bind(&now)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| DbError::conflict_on_unique(e, format!("kode unit {}", input.code)))?
    .get("id");
    let rollup = super::rollup::track(&mut tx, id).await?;
    let funding = FundingSource::parse(&input.funding_source).unwrap_or(FundingSource::Unknown);
    if let Some(year) = first_year {
        sqlx::query(
            "INSERT INTO ibm_unit_years (unit_id, year, category, confirmed) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(year)
        .bind(Category::for_new_unit(funding).as_str())
        .bind(true)
        .execute(&mut *tx)
        .await?;
    }
    let unit = load(&mut tx, id).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "create",
            entity: "unit_ibm",
            entity_id: id.to_string(),
            office_path: Some(&office.office_path()),
            before: None,
            after: Some(unit.audit_json()),
        },
    )
    .await?;
    rollup.finish(&mut tx).await?;
    Ok(unit)
}

/// Edits a unit's registry data. Moving it to another office needs write access to both.
pub async fn update(db: &Db, actor: Actor<'_>, id: i64, input: &UnitInput) -> DbResult<Unit> {
    let mut tx = db.begin().await?;
    let unit = update_in(&mut tx, actor, id, input).await?;
    tx.commit().await?;
    Ok(unit)
}

/// [`update`] inside the caller's transaction.
pub(crate) async fn update_in(
    mut tx: &mut AnyConnection,
    actor: Actor<'_>,
    id: i64,
    input: &UnitInput,
) -> DbResult<Unit> {
    authorize_unit(&mut tx, actor, Permission::WriteData, id).await?;
    let rollup = super::rollup::track(&mut tx, id).await?;
    let target = crate::offices::load(&mut tx, input.office_id).await?;
    actor.authorize(Permission::WriteData, &target.office_path())?;
    check_input(&mut tx, input).await?;
    let before = load(&mut tx, id).await?;
    sqlx::query(
        "UPDATE ibm_units SET code = $1, name = $2, village_code = $3, office_id = $4, year_formed = $5, \
         decree_number = $6, funding_source = $7, desa_bersinar = $8, priority_area = $9, updated_at = $10 \
         WHERE id = $11",
    )
    .bind(input.code.trim())
    .bind(input.name.trim())
    .bind(input.village_code.trim())
    .bind(input.office_id)
    .bind(input.year_formed)
    .bind(input.decree_number.trim())
    .bind(&input.funding_source)
    .bind(input.desa_bersinar)
    .bind(input.priority_area)
    .bind(now_rfc3339())
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(|e| DbError::conflict_on_unique(e, format!("kode unit {}", input.code)))?;
    let after = load(&mut tx, id).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "update",
            entity: "unit_ibm",
            entity_id: id.to_string(),
            office_path: Some(&target.office_path()),
            before: Some(before.audit_json()),
            after: Some(after.audit_json()),
        },
    )
    .await?;
    rollup.finish(&mut tx).await?;
    Ok(after)
}

/// Moves a unit along its life cycle (rules in `pantau_core::ibm::UnitStatus`), logged.
pub async fn change_status(
    db: &Db,
    actor: Actor<'_>,
    id: i64,
    to: UnitStatus,
    reason: &str,
    effective: &str,
) -> DbResult<Unit> {
    check_date("effective", effective)?;
    check_text("reason", reason, 1000, false)?;
    let mut tx = db.begin().await?;
    let path = authorize_unit(&mut tx, actor, Permission::WriteData, id).await?;
    let rollup = super::rollup::track(&mut tx, id).await?;
    let before = load(&mut tx, id).await?;
    let from = before
        .status()
        .ok_or_else(|| DbError::invalid("status unit rusak"))?;
    from.transition(to, reason, !before.decree_number.trim().is_empty())?;
    sqlx::query("UPDATE ibm_units SET status = $1, status_date = $2, status_reason = $3, updated_at = $4 WHERE id = $5")
        .bind(to.as_str())
        .bind(effective.trim())
        .bind(reason.trim())
        .bind(now_rfc3339())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let username = actor.name();
    sqlx::query(
        "INSERT INTO ibm_unit_status_log (unit_id, from_status, to_status, reason, effective_date, username, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(reason.trim())
    .bind(effective.trim())
    .bind(username)
    .bind(now_rfc3339())
    .execute(&mut *tx)
    .await?;
    let after = load(&mut tx, id).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "status",
            entity: "unit_ibm",
            entity_id: id.to_string(),
            office_path: Some(&path),
            before: Some(json!({"status": from.as_str(), "status_date": before.status_date})),
            after: Some(json!({"status": to.as_str(), "status_date": effective, "reason": reason})),
        },
    )
    .await?;
    rollup.finish(&mut tx).await?;
    tx.commit().await?;
    Ok(after)
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusChange {
    pub from_status: String,
    pub to_status: String,
    pub reason: String,
    pub effective_date: String,
    pub username: String,
}

pub async fn status_history(db: &Db, who: &Principal, id: i64) -> DbResult<Vec<StatusChange>> {
    let mut conn = db.pool().acquire().await?;
    authorize_unit(&mut conn, Actor::User(who), Permission::ReadData, id).await?;
    let rows = sqlx::query("SELECT * FROM ibm_unit_status_log WHERE unit_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .iter()
        .map(|r| StatusChange {
            from_status: r.get("from_status"),
            to_status: r.get("to_status"),
            reason: r.get("reason"),
            effective_date: r.get("effective_date"),
            username: r.get("username"),
        })
        .collect())
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitYear {
    pub year: i64,
    pub category: String,
    pub target_stage_id: Option<i64>,
    pub confirmed: bool,
}

pub async fn years(db: &Db, who: &Principal, id: i64) -> DbResult<Vec<UnitYear>> {
    let mut conn = db.pool().acquire().await?;
    authorize_unit(&mut conn, Actor::User(who), Permission::ReadData, id).await?;
    let rows = sqlx::query("SELECT * FROM ibm_unit_years WHERE unit_id = $1 ORDER BY year DESC")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .iter()
        .map(|r| UnitYear {
            year: r.get("year"),
            category: r.get("category"),
            target_stage_id: r.get("target_stage_id"),
            confirmed: crate::db::flag(r, "confirmed"),
        })
        .collect())
}

/// Sets a unit's category and target stage for a year (confirming a roll-over proposal).
pub async fn set_year(
    db: &Db,
    actor: Actor<'_>,
    id: i64,
    year: i64,
    category: Category,
    target_stage_id: Option<i64>,
) -> DbResult<()> {
    let mut tx = db.begin().await?;
    set_year_in(&mut tx, actor, id, year, category, target_stage_id).await?;
    tx.commit().await?;
    Ok(())
}

/// [`set_year`] inside the caller's transaction.
pub(crate) async fn set_year_in(
    tx: &mut AnyConnection,
    actor: Actor<'_>,
    id: i64,
    year: i64,
    category: Category,
    target_stage_id: Option<i64>,
) -> DbResult<()> {
    check_year(year)?;
    let path = authorize_unit(&mut *tx, actor, Permission::WriteData, id).await?;
    let rollup = super::rollup::track(&mut *tx, id).await?;
    if let Some(stage) = target_stage_id {
        sqlx::query("SELECT 1 FROM ibm_stages WHERE id = $1 AND active = $2")
            .bind(stage)
            .bind(true)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| DbError::unknown_record("target_stage_id", stage))?;
    }
    let before = sqlx::query("SELECT category, target_stage_id, confirmed FROM ibm_unit_years WHERE unit_id = $1 AND year = $2")
        .bind(id)
        .bind(year)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| json!({"category": r.get::<String, _>("category"), "target_stage_id": r.get::<Option<i64>, _>("target_stage_id"), "confirmed": crate::db::flag(&r, "confirmed")}));
    sqlx::query(
        "INSERT INTO ibm_unit_years (unit_id, year, category, target_stage_id, confirmed) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (unit_id, year) DO UPDATE SET category = excluded.category, \
         target_stage_id = excluded.target_stage_id, confirmed = excluded.confirmed",
    )
    .bind(id)
    .bind(year)
    .bind(category.as_str())
    .bind(target_stage_id)
    .bind(true)
    .execute(&mut *tx)
    .await?;
    audit::record(&mut *tx, actor, Change {
        action: "set_year",
        entity: "unit_ibm",
        entity_id: id.to_string(),
        office_path: Some(&path),
        before,
        after: Some(json!({"year": year, "category": category.as_str(), "target_stage_id": target_stage_id, "confirmed": true})),
    })
    .await?;
    rollup.finish(&mut *tx).await?;
    Ok(())
}

/// Sets a unit's status as an import gives it, without walking the life cycle step by step
/// (a list of running units is loaded at once): the log records the change and its source.
pub(crate) async fn import_status_in(
    tx: &mut AnyConnection,
    actor: Actor<'_>,
    id: i64,
    to: UnitStatus,
    effective: &str,
) -> DbResult<()> {
    check_date("effective", effective)?;
    let path = authorize_unit(&mut *tx, actor, Permission::WriteData, id).await?;
    let rollup = super::rollup::track(&mut *tx, id).await?;
    let before = load(&mut *tx, id).await?;
    if before.status == to.as_str() {
        return rollup.finish(&mut *tx).await;
    }
    sqlx::query("UPDATE ibm_units SET status = $1, status_date = $2, status_reason = $3, updated_at = $4 WHERE id = $5")
        .bind(to.as_str())
        .bind(effective)
        .bind("impor")
        .bind(now_rfc3339())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO ibm_unit_status_log (unit_id, from_status, to_status, reason, effective_date, username, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(&before.status)
    .bind(to.as_str())
    .bind("impor")
    .bind(effective)
    .bind(actor.name())
    .bind(now_rfc3339())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        Change {
            action: "import_status",
            entity: "unit_ibm",
            entity_id: id.to_string(),
            office_path: Some(&path),
            before: Some(json!({"status": before.status, "status_date": before.status_date})),
            after: Some(
                json!({"status": to.as_str(), "status_date": effective, "source": "impor"}),
            ),
        },
    )
    .await?;
    rollup.finish(&mut *tx).await
}

/// Proposes next year's category for every unit in scope that has `from_year` and is not
/// dissolved. Proposals are stored unconfirmed (officers review them); existing rows for the new
/// year are left alone. Returns how many were proposed.
pub async fn roll_over(db: &Db, actor: Actor<'_>, from_year: i64) -> DbResult<usize> {
    actor.authorize_national(pantau_core::access::ROLL_OVER)?;
    check_year(from_year + 1)?;
    let rows = sqlx::query(
        "SELECT u.id, u.funding_source, y.category, y.target_stage_id, o.path FROM ibm_units u \
         JOIN ibm_unit_years y ON y.unit_id = u.id AND y.year = $1 JOIN offices o ON o.id = u.office_id \
         WHERE u.status <> $2 AND NOT EXISTS \
         (SELECT 1 FROM ibm_unit_years n WHERE n.unit_id = u.id AND n.year = $3) ORDER BY u.id",
    )
    .bind(from_year)
    .bind(UnitStatus::Dissolved.as_str())
    .bind(from_year + 1)
    .fetch_all(db.pool())
    .await?;
    let mut tx = db.begin().await?;
    let mut proposed = 0;
    for r in rows {
        let Some(path) = pantau_core::org::OfficePath::parse(&r.get::<String, _>("path")) else {
            continue;
        };
        if actor.authorize(Permission::WriteData, &path).is_err() {
            continue;
        }
        let (Some(cat), Some(funding)) = (
            Category::parse(&r.get::<String, _>("category")),
            FundingSource::parse(&r.get::<String, _>("funding_source")),
        ) else {
            continue;
        };
        let next = cat.roll_over(funding);
        let unit_id: i64 = r.get("id");
        sqlx::query("INSERT INTO ibm_unit_years (unit_id, year, category, target_stage_id, confirmed) VALUES ($1, $2, $3, $4, $5)")
            .bind(unit_id)
            .bind(from_year + 1)
            .bind(next.as_str())
            .bind(r.get::<Option<i64>, _>("target_stage_id"))
            .bind(false)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "roll_over",
                entity: "unit_ibm",
                entity_id: unit_id.to_string(),
                office_path: Some(&path),
                before: Some(json!({"year": from_year, "category": cat.as_str()})),
                after: Some(
                    json!({"year": from_year + 1, "category": next.as_str(), "confirmed": false}),
                ),
            },
        )
        .await?;
        proposed += 1;
    }
    tx.commit().await?;
    Ok(proposed)
}
