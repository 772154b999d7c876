//! The audit trail: every change records who, when, which entity, and the values before and after,
//! in the same transaction as the change itself.

use crate::error::DbResult;
use crate::sql::Sql;
use crate::{Db, now_rfc3339};
use pantau_core::access::{Permission, Principal};
use pantau_core::org::OfficePath;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// Who makes a change: a signed-in user, or the system itself (CLI, demo loader, migrations).
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    User(&'a Principal),
    System(&'a str),
}

/// How the system's own changes are signed (`sistem:demo`, `sistem:cli`).
pub const SYSTEM_PREFIX: &str = "sistem:";

impl Actor<'_> {
    fn user_id(&self) -> Option<i64> {
        match self {
            Actor::User(p) => Some(p.user_id),
            Actor::System(_) => None,
        }
    }

    /// How the actor is named in records: the username, or `sistem:<what>`.
    pub fn name(&self) -> String {
        match self {
            Actor::User(p) => p.username.clone(),
            Actor::System(what) => format!("{SYSTEM_PREFIX}{what}"),
        }
    }

    /// Enforces `permission` on `target` for users; the system may do anything.
    pub fn authorize(&self, permission: Permission, target: &OfficePath) -> DbResult<()> {
        match self {
            Actor::User(p) => Ok(p.authorize(permission, target)?),
            Actor::System(_) => Ok(()),
        }
    }

    /// Enforces `permission` on one IBM unit coached by the office at `office` (see
    /// [`Principal::authorize_unit`]).
    pub fn authorize_unit(
        &self,
        permission: Permission,
        office: &OfficePath,
        unit_id: i64,
    ) -> DbResult<()> {
        match self {
            Actor::User(p) => Ok(p.authorize_unit(permission, office, unit_id)?),
            Actor::System(_) => Ok(()),
        }
    }

    /// Enforces a permission that only national grants carry (reference data).
    pub fn authorize_national(&self, permission: Permission) -> DbResult<()> {
        match self {
            Actor::User(p) if !p.is_national(permission) => {
                Err(pantau_core::access::Denied::visible(permission, "nasional").into())
            }
            _ => Ok(()),
        }
    }
}

/// One change to record.
pub struct Change<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: String,
    pub office_path: Option<&'a OfficePath>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// The audit log's columns, in the order both writers below give their values.
macro_rules! insert_into_audit_log {
    () => {
        "INSERT INTO audit_log (at, user_id, username, action, entity, entity_id, office_path, \
         before_json, after_json)"
    };
}

/// Writes the audit entry on the caller's connection (normally inside its transaction).
pub async fn record(
    conn: &mut AnyConnection,
    actor: Actor<'_>,
    change: Change<'_>,
) -> DbResult<()> {
    sqlx::query(concat!(
        insert_into_audit_log!(),
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(now_rfc3339())
    .bind(actor.user_id())
    .bind(actor.name())
    .bind(change.action)
    .bind(change.entity)
    .bind(change.entity_id)
    .bind(change.office_path.map(|p| p.as_str().to_string()))
    .bind(change.before.map(|v| v.to_string()))
    .bind(change.after.map(|v| v.to_string()))
    .execute(conn)
    .await?;
    Ok(())
}

/// The entry for a record inserted by the same PostgreSQL statement, as a CTE named `audit`:
/// its id is read from the statement's CTE `r` (and no entry is written when `r` is empty).
/// `change.entity_id` is ignored.
pub(crate) fn push_entry_for_new(sql: &mut Sql, actor: Actor<'_>, change: Change<'_>) {
    sql.push(concat!("audit AS (", insert_into_audit_log!(), " SELECT "))
        .bind(now_rfc3339())
        .push(", ")
        .bind(actor.user_id())
        .push(", ")
        .bind(actor.name())
        .push(", ")
        .bind(change.action.to_string())
        .push(", ")
        .bind(change.entity.to_string())
        .push(", CAST(r.id AS TEXT), ")
        .bind(change.office_path.map(|p| p.as_str().to_string()))
        .push(", ")
        .bind(change.before.map(|v| v.to_string()))
        .push(", ")
        .bind(change.after.map(|v| v.to_string()))
        .push(" FROM r)");
}

/// Records that personal data left the system: who exported how many rows of what. Filed under
/// the exporter's first office, where that office's audit readers see it.
pub async fn record_export(db: &Db, actor: Actor<'_>, entity: &str, rows: usize) -> DbResult<()> {
    let mut conn = db.pool().acquire().await?;
    let office = match actor {
        Actor::User(p) => p.grants.first().map(|g| g.office_path.clone()),
        Actor::System(_) => None,
    };
    record(
        &mut conn,
        actor,
        Change {
            action: "export",
            entity,
            entity_id: "*".into(),
            office_path: office.as_ref(),
            before: None,
            after: Some(serde_json::json!({ "rows": rows })),
        },
    )
    .await
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub user_id: Option<i64>,
    pub username: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub office_path: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl AuditEntry {
    fn from_row(r: &AnyRow) -> Self {
        let json = |col: &str| {
            r.get::<Option<String>, _>(col)
                .and_then(|s| serde_json::from_str(&s).ok())
        };
        AuditEntry {
            id: r.get("id"),
            at: r.get("at"),
            user_id: r.get("user_id"),
            username: r.get("username"),
            action: r.get("action"),
            entity: r.get("entity"),
            entity_id: r.get("entity_id"),
            office_path: r.get("office_path"),
            before: json("before_json"),
            after: json("after_json"),
        }
    }

    /// Field names whose values differ between before and after, for a compact list view.
    pub fn changed_fields(&self) -> Vec<String> {
        let empty = serde_json::Map::new();
        let before = self
            .before
            .as_ref()
            .and_then(|v| v.as_object())
            .unwrap_or(&empty);
        let after = self
            .after
            .as_ref()
            .and_then(|v| v.as_object())
            .unwrap_or(&empty);
        let mut keys: Vec<String> = before
            .keys()
            .chain(after.keys())
            .filter(|k| before.get(*k) != after.get(*k))
            .cloned()
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }
}

/// The most entries one read (or one download of the trail) holds.
pub const MAX_LIST: i64 = 50_000;

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub username: Option<String>,
    pub action: Option<String>,
    /// Inclusive lower bound on the date (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Inclusive upper bound on the date (`YYYY-MM-DD`).
    pub to: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// Entries the principal may read, newest first. National readers see everything; others see the
/// entries tied to offices in their subtree.
pub async fn list(
    db: &Db,
    who: &Principal,
    filter: &AuditFilter,
) -> DbResult<(Vec<AuditEntry>, i64)> {
    let filtered = |select: &'static str| -> Option<Sql> {
        let mut sql = Sql::new(select);
        sql.push(" WHERE 1 = 1");
        if !who.is_national(Permission::ReadAudit) {
            sql.push(" AND ");
            if !sql.scope(who, Permission::ReadAudit, "office_path") {
                return None;
            }
        }
        let given = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
        for (clause, value) in [
            (" AND entity = ", given(&filter.entity)),
            (" AND entity_id = ", given(&filter.entity_id)),
            (" AND username = ", given(&filter.username)),
            (" AND action = ", given(&filter.action)),
            (" AND at >= ", given(&filter.from)),
            // Dates compare as text; anything on that day sorts below the next character.
            (" AND at < ", given(&filter.to).map(|v| format!("{v}~"))),
        ] {
            if let Some(v) = value {
                sql.push(clause).bind(v);
            }
        }
        Some(sql)
    };
    let (Some(count), Some(mut list)) = (
        filtered("SELECT COUNT(*) AS n FROM audit_log"),
        filtered("SELECT * FROM audit_log"),
    ) else {
        return Ok((vec![], 0));
    };
    let total: i64 = count.query().fetch_one(db.pool()).await?.get("n");
    list.push(" ORDER BY id DESC LIMIT ")
        .bind(filter.limit.clamp(1, MAX_LIST))
        .push(" OFFSET ")
        .bind(filter.offset.max(0));
    let rows = list.query().fetch_all(db.pool()).await?;
    Ok((rows.iter().map(AuditEntry::from_row).collect(), total))
}

/// Total number of audit entries; tests compare it before and after writes.
pub async fn count(db: &Db) -> DbResult<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM audit_log")
        .fetch_one(db.pool())
        .await?
        .get("n"))
}
