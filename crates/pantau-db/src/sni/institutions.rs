//! The registry of rehabilitation institutions and their legal documents.

use super::authorize_institution;
use crate::audit::{self, Actor, Change};
use crate::error::{DbError, DbResult};
use crate::ibm::{check_date, check_text};
use crate::sql::Sql;
use crate::{Db, now_rfc3339};
use pantau_core::access::{Permission, Principal};
use pantau_core::org::AreaCode;
use pantau_core::sni::{Modality, Ownership, ServiceKind};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{AnyConnection, FromRow, Row};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Institution {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub ownership: String,
    pub service_kind: String,
    pub modality: String,
    #[sqlx(try_from = "crate::sql::Flag")]
    pub ipwl: bool,
    #[sqlx(try_from = "crate::sql::Flag")]
    pub bnn_partner: bool,
    pub address: String,
    pub area_code: String,
    pub area_name: String,
    pub office_id: i64,
    pub office_name: String,
    pub office_path: String,
}

const SELECT: &str = "SELECT i.*, o.name AS office_name, o.path AS office_path, COALESCE(a.name, '') AS area_name \
     FROM institutions i JOIN offices o ON o.id = i.office_id \
     LEFT JOIN areas a ON a.code = i.area_code AND a.valid_to IS NULL";

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
pub struct InstitutionInput {
    #[schemars(schema_with = "pantau_core::schema::record_code")]
    pub code: String,
    #[schemars(schema_with = "pantau_core::schema::required_text")]
    pub name: String,
    #[schemars(schema_with = "pantau_core::sni::Ownership::schema")]
    pub ownership: String,
    #[schemars(schema_with = "pantau_core::sni::ServiceKind::schema")]
    pub service_kind: String,
    #[schemars(schema_with = "pantau_core::sni::Modality::schema")]
    pub modality: String,
    #[serde(default)]
    pub ipwl: bool,
    #[serde(default)]
    pub bnn_partner: bool,
    #[serde(default)]
    pub address: String,
    #[schemars(schema_with = "pantau_core::schema::area_code")]
    pub area_code: String,
    pub office_id: i64,
}

async fn check(conn: &mut AnyConnection, i: &InstitutionInput) -> DbResult<()> {
    if !crate::ibm::is_code(&i.code, 3..=40) {
        return Err(DbError::field("err-code-format", "code"));
    }
    check_text("name", &i.name, 200, true)?;
    check_text("address", &i.address, 500, false)?;
    Ownership::parse(&i.ownership).ok_or_else(|| {
        DbError::unknown_value(
            "ownership",
            &i.ownership,
            Ownership::ALL.iter().map(|v| v.as_str()),
        )
    })?;
    ServiceKind::parse(&i.service_kind).ok_or_else(|| {
        DbError::unknown_value(
            "service_kind",
            &i.service_kind,
            ServiceKind::ALL.iter().map(|v| v.as_str()),
        )
    })?;
    Modality::parse(&i.modality).ok_or_else(|| {
        DbError::unknown_value(
            "modality",
            &i.modality,
            Modality::ALL.iter().map(|v| v.as_str()),
        )
    })?;
    let area = AreaCode::parse(&i.area_code).map_err(|e| DbError::area_code("area_code", e))?;
    sqlx::query("SELECT 1 FROM areas WHERE code = $1 AND valid_to IS NULL")
        .bind(area.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| DbError::unknown_record("area_code", &area))?;
    let office = crate::offices::load(conn, i.office_id).await?;
    if office.level == "pusat" && i.ownership != Ownership::Bnn.as_str() {
        // BNN RI coaches its own institutions; others are coached by a BNNP or BNNK.
        return Err(DbError::field("err-institution-office", "office_id"));
    }
    Ok(())
}

pub async fn create(db: &Db, actor: Actor<'_>, input: &InstitutionInput) -> DbResult<Institution> {
    let mut tx = db.begin().await?;
    let id = create_in(&mut tx, actor, input).await?;
    tx.commit().await?;
    load(db, id).await
}

/// [`create`] inside the caller's transaction; the new institution's id.
pub(crate) async fn create_in(
    tx: &mut AnyConnection,
    actor: Actor<'_>,
    input: &InstitutionInput,
) -> DbResult<i64> {
    check(tx, input).await?;
    let office = crate::offices::load(tx, input.office_id).await?;
    actor.authorize(Permission::WriteData, &office.office_path())?;
    let now = now_rfc3339();
    let id: i64 = sqlx::query(
        "INSERT INTO institutions (code, name, ownership, service_kind, modality, ipwl, bnn_partner, address, area_code, office_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(input.code.trim())
    .bind(input.name.trim())
    .bind(&input.ownership)
    .bind(&input.service_kind)
    .bind(&input.modality)
    .bind(input.ipwl)
    .bind(input.bnn_partner)
    .bind(input.address.trim())
    .bind(input.area_code.trim())
    .bind(input.office_id)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| DbError::conflict_on_unique(e, format!("kode lembaga {}", input.code)))?
    .get("id");
    audit::record(
        tx,
        actor,
        Change {
            action: "create",
            entity: "lembaga",
            entity_id: id.to_string(),
            office_path: Some(&office.office_path()),
            before: None,
            after: Some(json!(input)),
        },
    )
    .await?;
    Ok(id)
}

pub async fn update(
    db: &Db,
    actor: Actor<'_>,
    id: i64,
    input: &InstitutionInput,
) -> DbResult<Institution> {
    let mut tx = db.begin().await?;
    let after = update_in(&mut tx, actor, id, input).await?;
    tx.commit().await?;
    Ok(after)
}

/// [`update`] inside the caller's transaction.
pub(crate) async fn update_in(
    tx: &mut AnyConnection,
    actor: Actor<'_>,
    id: i64,
    input: &InstitutionInput,
) -> DbResult<Institution> {
    authorize_institution(tx, actor, Permission::WriteData, id).await?;
    check(tx, input).await?;
    let target = crate::offices::load(tx, input.office_id).await?;
    // Registry data is the coaching office's to keep (operators edit documents, not the registry).
    actor.authorize(Permission::WriteData, &target.office_path())?;
    let before = load_on(tx, id).await?;
    sqlx::query(
        "UPDATE institutions SET code = $1, name = $2, ownership = $3, service_kind = $4, modality = $5, ipwl = $6, \
         bnn_partner = $7, address = $8, area_code = $9, office_id = $10, updated_at = $11 WHERE id = $12",
    )
    .bind(input.code.trim())
    .bind(input.name.trim())
    .bind(&input.ownership)
    .bind(&input.service_kind)
    .bind(&input.modality)
    .bind(input.ipwl)
    .bind(input.bnn_partner)
    .bind(input.address.trim())
    .bind(input.area_code.trim())
    .bind(input.office_id)
    .bind(now_rfc3339())
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(|e| DbError::conflict_on_unique(e, format!("kode lembaga {}", input.code)))?;
    let after = load_on(tx, id).await?;
    audit::record(
        tx,
        actor,
        Change {
            action: "update",
            entity: "lembaga",
            entity_id: id.to_string(),
            office_path: Some(&target.office_path()),
            before: Some(json!(before)),
            after: Some(json!(after)),
        },
    )
    .await?;
    Ok(after)
}

async fn load_on(conn: &mut AnyConnection, id: i64) -> DbResult<Institution> {
    let mut sql = Sql::new(SELECT);
    sql.push(" WHERE i.id = ").bind(id);
    sql.query()
        .fetch_optional(conn)
        .await?
        .map(|r| Institution::from_row(&r))
        .transpose()?
        .ok_or_else(|| DbError::not_found(format!("lembaga {id}")))
}

async fn load(db: &Db, id: i64) -> DbResult<Institution> {
    let mut conn = db.pool().acquire().await?;
    load_on(&mut conn, id).await
}

pub async fn get(db: &Db, who: &Principal, id: i64) -> DbResult<Institution> {
    let mut conn = db.pool().acquire().await?;
    authorize_institution(&mut conn, Actor::User(who), Permission::ReadData, id).await?;
    load_on(&mut conn, id).await
}

pub async fn by_code(db: &Db, code: &str) -> DbResult<Institution> {
    let mut sql = Sql::new(SELECT);
    sql.push(" WHERE i.code = ").bind(code.to_string());
    sql.query()
        .fetch_optional(db.pool())
        .await?
        .map(|r| Institution::from_row(&r))
        .transpose()?
        .ok_or_else(|| DbError::not_found(format!("lembaga {code}")))
}

/// Institutions the principal may read: its offices' subtrees plus its own institutions.
pub async fn list(db: &Db, who: &Principal) -> DbResult<Vec<Institution>> {
    let mut sql = Sql::new(SELECT);
    sql.push(" WHERE ");
    let in_offices = sql.scope(who, Permission::ReadData, "o.path");
    let own = who.institution_grants(Permission::ReadData);
    if !own.is_empty() {
        if in_offices {
            sql.push(" OR ");
        }
        sql.push("i.id IN (")
            .bind_list(own.iter().copied())
            .push(")");
    } else if !in_offices {
        return Ok(vec![]);
    }
    sql.push(" ORDER BY i.name");
    let q = sql.query();
    Ok(q.fetch_all(db.pool())
        .await?
        .iter()
        .map(Institution::from_row)
        .collect::<Result<_, _>>()?)
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Document {
    #[serde(default)]
    pub id: i64,
    pub doc_type: String,
    #[schemars(schema_with = "pantau_core::schema::required_text")]
    pub number: String,
    #[schemars(schema_with = "pantau_core::schema::date")]
    pub issued_on: String,
    #[schemars(schema_with = "pantau_core::schema::optional_date")]
    pub valid_until: Option<String>,
    #[serde(default)]
    pub note: String,
}

pub async fn documents(db: &Db, who: &Principal, id: i64) -> DbResult<Vec<Document>> {
    let mut conn = db.pool().acquire().await?;
    authorize_institution(&mut conn, Actor::User(who), Permission::ReadData, id).await?;
    let rows = sqlx::query(
        "SELECT * FROM institution_documents WHERE institution_id = $1 ORDER BY issued_on",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| Document {
            id: r.get("id"),
            doc_type: r.get("doc_type"),
            number: r.get("number"),
            issued_on: r.get("issued_on"),
            valid_until: r.get("valid_until"),
            note: r.get("note"),
        })
        .collect())
}

pub async fn add_document(db: &Db, actor: Actor<'_>, id: i64, d: &Document) -> DbResult<()> {
    check_text("number", &d.number, 100, true)?;
    check_date("issued_on", &d.issued_on)?;
    if let Some(v) = d.valid_until.as_deref().filter(|v| !v.is_empty()) {
        check_date("valid_until", v)?;
    }
    let mut tx = db.begin().await?;
    let path = authorize_institution(&mut tx, actor, Permission::WriteData, id).await?;
    sqlx::query("SELECT 1 FROM ref_items WHERE list = 'document' AND code = $1")
        .bind(&d.doc_type)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| DbError::unknown_record("doc_type", &d.doc_type))?;
    sqlx::query("INSERT INTO institution_documents (institution_id, doc_type, number, issued_on, valid_until, note) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(&d.doc_type)
        .bind(d.number.trim())
        .bind(d.issued_on.trim())
        .bind(d.valid_until.clone().filter(|v| !v.is_empty()))
        .bind(d.note.trim())
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "document",
            entity: "lembaga",
            entity_id: id.to_string(),
            office_path: Some(&path),
            before: None,
            after: Some(json!(d)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
