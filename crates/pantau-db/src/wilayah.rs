//! Kemendagri administrative areas. Each row has validity dates, so a rename or a split closes
//! the old row and opens new ones: history stays, and "current" means `valid_to IS NULL`.

use crate::audit::{self, Actor, Change};
use crate::error::{DbError, DbResult};
use crate::{Db, today};
use pantau_core::access::Permission;
use pantau_core::message::Message;
use pantau_core::org::{AreaCode, AreaLevel};
use serde::Serialize;
use serde_json::json;
use sqlx::FromRow;
use sqlx::Row;
use std::io::Read;

/// Validity start given to areas loaded from the Kemendagri files.
pub const KEMENDAGRI_VALID_FROM: &str = "2000-01-01";

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Area {
    pub code: String,
    pub level: String,
    pub parent_code: Option<String>,
    pub name: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
}

impl Area {
    pub fn level(&self) -> Option<AreaLevel> {
        AreaLevel::parse(&self.level)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Lineage {
    pub from_code: String,
    pub to_code: String,
    pub kind: String,
    pub effective_date: String,
    pub note: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct LevelCounts {
    pub provinces: i64,
    pub regencies: i64,
    pub districts: i64,
    pub villages: i64,
}

impl LevelCounts {
    pub fn total(&self) -> i64 {
        self.provinces + self.regencies + self.districts + self.villages
    }

    fn slot(&mut self, level: AreaLevel) -> &mut i64 {
        match level {
            AreaLevel::Province => &mut self.provinces,
            AreaLevel::Regency => &mut self.regencies,
            AreaLevel::District => &mut self.districts,
            AreaLevel::Village => &mut self.villages,
        }
    }
}

/// A CSV source per level, in the `idn-area-data` layout: `code,<parent>_code,name`
/// (provinces: `code,name`).
pub struct WilayahFiles<R> {
    pub provinces: R,
    pub regencies: R,
    pub districts: R,
    pub villages: R,
}

/// Rows inserted per statement: 4 binds each keeps well under both backends' parameter limits.
const BATCH: usize = 1000;

/// Imports every level in one transaction. Codes already present are left as they are, so a
/// re-import is harmless. `progress(level, rows_done_in_level, rows_in_level)` is called per batch.
pub async fn import<R: Read>(
    db: &Db,
    files: WilayahFiles<R>,
    max_level: AreaLevel,
    progress: &(dyn Fn(AreaLevel, u64, u64) + Sync),
) -> DbResult<LevelCounts> {
    let sources = [
        (AreaLevel::Province, files.provinces),
        (AreaLevel::Regency, files.regencies),
        (AreaLevel::District, files.districts),
        (AreaLevel::Village, files.villages),
    ];
    let mut inserted = LevelCounts::default();
    let mut tx = db.begin().await?;
    for (level, reader) in sources {
        if level > max_level {
            break;
        }
        let rows = parse_level(level, reader)?;
        let total = rows.len() as u64;
        for (i, chunk) in rows.chunks(BATCH).enumerate() {
            let mut sql = crate::sql::Sql::new(
                "INSERT INTO areas (code, level, parent_code, name, valid_from, source) VALUES ",
            );
            sql.values(chunk, |row, (code, parent, name)| {
                row.bind(code.as_str().to_string())
                    .bind(level.as_str().to_string())
                    .bind(parent.as_ref().map(|p| p.as_str().to_string()))
                    .bind(name.clone())
                    .bind(KEMENDAGRI_VALID_FROM.to_string())
                    .bind("kemendagri".to_string());
            });
            sql.push(" ON CONFLICT DO NOTHING");
            let q = sql.query();
            *inserted.slot(level) += q.execute(&mut *tx).await?.rows_affected() as i64;
            progress(level, ((i * BATCH + chunk.len()) as u64).min(total), total);
        }
    }
    tx.commit().await?;
    Ok(inserted)
}

type ParsedRow = (AreaCode, Option<AreaCode>, String);

/// Parses and checks one level's file: codes must be well formed, of the right level, and
/// consistent with the parent column.
fn parse_level<R: Read>(level: AreaLevel, reader: R) -> DbResult<Vec<ParsedRow>> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(reader);
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec?;
        let line = i + 2;
        let bad = |why: String| DbError::invalid(format!("{} baris {line}: {why}", level.as_str()));
        let code = AreaCode::parse(rec.get(0).unwrap_or("")).map_err(|e| bad(e.to_string()))?;
        if code.level() != level {
            return Err(bad(format!("kode {code} bukan tingkat {}", level.as_str())));
        }
        let (parent, name) = if level == AreaLevel::Province {
            (None, rec.get(1))
        } else {
            let p = AreaCode::parse(rec.get(1).unwrap_or("")).map_err(|e| bad(e.to_string()))?;
            if code.parent().as_ref() != Some(&p) {
                return Err(bad(format!("kode {code} tidak berada di bawah {p}")));
            }
            (Some(p), rec.get(2))
        };
        let name = name.unwrap_or("").to_string();
        if name.is_empty() {
            return Err(bad("nama kosong".into()));
        }
        out.push((code, parent, name));
    }
    Ok(out)
}

pub async fn counts(db: &Db) -> DbResult<LevelCounts> {
    let rows =
        sqlx::query("SELECT level, COUNT(*) AS n FROM areas WHERE valid_to IS NULL GROUP BY level")
            .fetch_all(db.pool())
            .await?;
    let mut c = LevelCounts::default();
    for r in rows {
        if let Some(level) = AreaLevel::parse(&r.get::<String, _>("level")) {
            *c.slot(level) = r.get("n");
        }
    }
    Ok(c)
}

/// Current areas under `parent` (provinces when `None`), optionally filtered by a name fragment.
pub async fn children(
    db: &Db,
    parent: Option<&AreaCode>,
    query: Option<&str>,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<Area>, i64)> {
    let q = query
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| format!("%{}%", s.to_lowercase()));
    let conditions = |sql: &mut crate::sql::Sql| {
        sql.push(" WHERE valid_to IS NULL AND ");
        match parent {
            Some(p) => sql.push("parent_code = ").bind(p.as_str().to_string()),
            None => sql.push("parent_code IS NULL"),
        };
        if let Some(q) = &q {
            sql.push(" AND LOWER(name) LIKE ").bind(q.clone());
        }
    };
    let mut count = crate::sql::Sql::new("SELECT COUNT(*) AS n FROM areas");
    conditions(&mut count);
    let total: i64 = count.query().fetch_one(db.pool()).await?.get("n");
    let mut page = crate::sql::Sql::new("SELECT * FROM areas");
    conditions(&mut page);
    page.push(" ORDER BY code LIMIT ")
        .bind(limit.clamp(1, 1000));
    page.push(" OFFSET ").bind(offset.max(0));
    let rows = page.query().fetch_all(db.pool()).await?;
    Ok((
        rows.iter().map(Area::from_row).collect::<Result<_, _>>()?,
        total,
    ))
}

/// The current row for `code`.
pub async fn get(db: &Db, code: &AreaCode) -> DbResult<Area> {
    sqlx::query("SELECT * FROM areas WHERE code = $1 AND valid_to IS NULL")
        .bind(code.as_str())
        .fetch_optional(db.pool())
        .await?
        .map(|r| Area::from_row(&r))
        .transpose()?
        .ok_or_else(|| DbError::not_found(format!("wilayah {code}")))
}

/// Every row `code` has had, oldest first, plus lineage links from and to it.
pub async fn history(db: &Db, code: &AreaCode) -> DbResult<(Vec<Area>, Vec<Lineage>)> {
    let rows = sqlx::query("SELECT * FROM areas WHERE code = $1 ORDER BY valid_from, id")
        .bind(code.as_str())
        .fetch_all(db.pool())
        .await?;
    let links = sqlx::query(
        "SELECT * FROM area_lineage WHERE from_code = $1 OR to_code = $1 ORDER BY effective_date, id",
    )
    .bind(code.as_str())
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Lineage {
        from_code: r.get("from_code"),
        to_code: r.get("to_code"),
        kind: r.get("kind"),
        effective_date: r.get("effective_date"),
        note: r.get("note"),
    })
    .collect();
    Ok((
        rows.iter().map(Area::from_row).collect::<Result<_, _>>()?,
        links,
    ))
}

/// The chain from the province down to `code` (inclusive), for breadcrumbs.
pub async fn ancestry(db: &Db, code: &AreaCode) -> DbResult<Vec<Area>> {
    let mut codes = vec![code.clone()];
    while let Some(p) = codes.last().and_then(AreaCode::parent) {
        codes.push(p);
    }
    let mut out = Vec::new();
    for c in codes.iter().rev() {
        out.push(get(db, c).await?);
    }
    Ok(out)
}

fn check_date(date: &str) -> DbResult<()> {
    crate::ibm::check_date("effective", date).map(|_| ())
}

/// Renames an area from `effective` on: the old row is closed, a new row opened.
pub async fn rename(
    db: &Db,
    actor: Actor<'_>,
    code: &AreaCode,
    new_name: &str,
    effective: &str,
) -> DbResult<Area> {
    actor.authorize_national(Permission::ManageReference)?;
    let new_name = new_name.trim();
    crate::ibm::check_text("name", new_name, 200, true)?;
    check_date(effective)?;
    let current = get(db, code).await?;
    if effective <= current.valid_from.as_str() {
        return Err(DbError::Invalid(
            Message::new("err-effective-after")
                .with("field", "effective")
                .with("date", &current.valid_from),
        ));
    }
    let mut tx = db.begin().await?;
    close_current(&mut tx, code, effective).await?;
    insert_area(
        &mut tx,
        code,
        current.parent_code.as_deref(),
        new_name,
        effective,
    )
    .await?;
    sqlx::query(
        "INSERT INTO area_lineage (from_code, to_code, kind, effective_date, note) \
         VALUES ($1, $1, 'rename', $2, $3)",
    )
    .bind(code.as_str())
    .bind(effective)
    .bind(format!("{} → {new_name}", current.name))
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "rename",
            entity: "wilayah",
            entity_id: code.to_string(),
            office_path: None,
            before: Some(json!({"name": current.name, "valid_from": current.valid_from})),
            after: Some(json!({"name": new_name, "valid_from": effective})),
        },
    )
    .await?;
    tx.commit().await?;
    get(db, code).await
}

/// Splits an area into new areas from `effective` on. The old code is closed (or kept, when it
/// appears among `parts` — the usual "part keeps the old code" case); its children stay with it
/// unless moved later. Every new part gets a lineage link from the old code.
pub async fn split(
    db: &Db,
    actor: Actor<'_>,
    code: &AreaCode,
    parts: &[(AreaCode, String)],
    effective: &str,
) -> DbResult<Vec<Area>> {
    actor.authorize_national(Permission::ManageReference)?;
    check_date(effective)?;
    if parts.len() < 2 {
        return Err(DbError::field("err-split-parts", "parts"));
    }
    let current = get(db, code).await?;
    let mut tx = db.begin().await?;
    let keeps_code = parts.iter().any(|(c, _)| c == code);
    if !keeps_code {
        close_current(&mut tx, code, effective).await?;
    }
    for (part, name) in parts {
        if part.level() != code.level() || part.parent() != code.parent() {
            return Err(DbError::Invalid(
                Message::new("err-split-sibling")
                    .with("field", "parts")
                    .with("value", part)
                    .with("code", code),
            ));
        }
        let name = name.trim();
        if name.is_empty() {
            return Err(DbError::Invalid(
                Message::new("err-split-name")
                    .with("field", "parts")
                    .with("value", part),
            ));
        }
        if part == code {
            if name != current.name {
                close_current(&mut tx, code, effective).await?;
                insert_area(
                    &mut tx,
                    part,
                    current.parent_code.as_deref(),
                    name,
                    effective,
                )
                .await?;
            }
        } else {
            insert_area(
                &mut tx,
                part,
                current.parent_code.as_deref(),
                name,
                effective,
            )
            .await
            .map_err(|e| match e {
                DbError::Sqlx(e) => DbError::conflict_on_unique(e, format!("kode {part}")),
                e => e,
            })?;
        }
        sqlx::query(
            "INSERT INTO area_lineage (from_code, to_code, kind, effective_date, note) \
             VALUES ($1, $2, 'split', $3, '')",
        )
        .bind(code.as_str())
        .bind(part.as_str())
        .bind(effective)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "split",
            entity: "wilayah",
            entity_id: code.to_string(),
            office_path: None,
            before: Some(json!({"code": code.as_str(), "name": current.name})),
            after: Some(json!({"parts": parts.iter().map(|(c, n)| json!({"code": c.as_str(), "name": n})).collect::<Vec<_>>(), "valid_from": effective})),
        },
    )
    .await?;
    tx.commit().await?;
    let mut out = Vec::new();
    for (part, _) in parts {
        out.push(get(db, part).await?);
    }
    Ok(out)
}

async fn close_current(
    conn: &mut sqlx::AnyConnection,
    code: &AreaCode,
    effective: &str,
) -> DbResult<()> {
    sqlx::query("UPDATE areas SET valid_to = $1 WHERE code = $2 AND valid_to IS NULL")
        .bind(effective)
        .bind(code.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

async fn insert_area(
    conn: &mut sqlx::AnyConnection,
    code: &AreaCode,
    parent: Option<&str>,
    name: &str,
    valid_from: &str,
) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO areas (code, level, parent_code, name, valid_from, source) \
         VALUES ($1, $2, $3, $4, $5, 'admin')",
    )
    .bind(code.as_str())
    .bind(code.level().as_str())
    .bind(parent)
    .bind(name)
    .bind(valid_from)
    .execute(conn)
    .await?;
    Ok(())
}

/// Today's date, for forms that default the effective date.
pub fn default_effective_date() -> String {
    today().to_string()
}
