//! Users, their role grants, and authentication.

use crate::audit::{self, Actor, Change};
use crate::error::{DbError, DbResult};
use crate::offices;
use crate::password;
use crate::{Db, now_rfc3339};
use pantau_core::access::{Grant, Permission, Principal, Role};
use pantau_core::message::Message;
use pantau_core::org::OfficePath;
use pantau_core::user::{Username, check_password};
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, FromRow, Row};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub email: String,
    #[sqlx(try_from = "crate::sql::Flag")]
    pub active: bool,
    pub language: String,
    pub created_at: String,
    pub password_changed_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GrantView {
    pub role: String,
    pub office_id: i64,
    pub office_name: String,
    pub office_path: String,
    pub institution_id: Option<i64>,
    pub unit_id: Option<i64>,
}

pub struct NewUser {
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub password: String,
    pub grants: Vec<(Role, i64)>,
    /// For an institution operator: the one institution its grant reaches.
    pub institution_id: Option<i64>,
    /// For a unit reporter: the one IBM unit its grant reaches.
    pub unit_id: Option<i64>,
}

async fn grants_of(conn: &mut AnyConnection, user_id: i64) -> DbResult<Vec<GrantView>> {
    let rows = sqlx::query(
        "SELECT g.role, g.office_id, g.institution_id, g.unit_id, o.name AS office_name, o.path FROM grants g \
         JOIN offices o ON o.id = g.office_id WHERE g.user_id = $1 ORDER BY o.path, g.role",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| GrantView {
            role: r.get("role"),
            office_id: r.get("office_id"),
            office_name: r.get("office_name"),
            office_path: r.get("path"),
            institution_id: r.get("institution_id"),
            unit_id: r.get("unit_id"),
        })
        .collect())
}

/// The principal for a user id: its grants with the office paths they reach.
pub async fn principal(db: &Db, user_id: i64) -> DbResult<Principal> {
    let mut conn = db.pool().acquire().await?;
    let user = load(&mut conn, user_id).await?;
    let grants = grants_of(&mut conn, user_id)
        .await?
        .into_iter()
        .filter_map(|g| {
            Some(Grant {
                role: Role::parse(&g.role)?,
                office_id: g.office_id,
                office_path: OfficePath::parse(&g.office_path)?,
                institution_id: g.institution_id,
                unit_id: g.unit_id,
            })
        })
        .collect();
    Ok(Principal {
        user_id,
        username: user.username,
        grants,
    })
}

async fn load(conn: &mut AnyConnection, id: i64) -> DbResult<User> {
    sqlx::query("SELECT * FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .map(|r| User::from_row(&r))
        .transpose()?
        .ok_or_else(|| DbError::not_found(format!("pengguna {id}")))
}

pub async fn by_username(db: &Db, username: &str) -> DbResult<User> {
    sqlx::query("SELECT * FROM users WHERE username = $1")
        .bind(username.trim().to_lowercase())
        .fetch_optional(db.pool())
        .await?
        .map(|r| User::from_row(&r))
        .transpose()?
        .ok_or_else(|| DbError::not_found(format!("pengguna {username}")))
}

/// The office path an audit entry about this user is filed under: its first grant's office.
async fn audit_path(conn: &mut AnyConnection, user_id: i64) -> DbResult<Option<OfficePath>> {
    Ok(grants_of(conn, user_id)
        .await?
        .first()
        .and_then(|g| OfficePath::parse(&g.office_path)))
}

/// A user visible to `who`: national user managers see all; others see users holding a grant
/// inside their read scope.
pub async fn get(db: &Db, who: &Principal, id: i64) -> DbResult<(User, Vec<GrantView>)> {
    let mut conn = db.pool().acquire().await?;
    let user = load(&mut conn, id).await?;
    let grants = grants_of(&mut conn, id).await?;
    let visible = who.user_id == id
        || who.is_national(Permission::ManageUsers)
        || grants.iter().any(|g| {
            OfficePath::parse(&g.office_path).is_some_and(|p| who.can(Permission::ReadData, &p))
        });
    if !visible {
        return Err(pantau_core::access::Denied {
            permission: Permission::ReadData,
            target: format!("pengguna {id}"),
            unseen: true,
        }
        .into());
    }
    Ok((user, grants))
}

/// Users with a grant inside the principal's read scope.
pub async fn list(db: &Db, who: &Principal) -> DbResult<Vec<(User, Vec<GrantView>)>> {
    let roots = who.scope_roots(Permission::ReadData);
    let rows = sqlx::query("SELECT * FROM users ORDER BY username")
        .fetch_all(db.pool())
        .await?;
    let mut conn = db.pool().acquire().await?;
    let mut out = Vec::new();
    for r in rows {
        let user = User::from_row(&r)?;
        let grants = grants_of(&mut conn, user.id).await?;
        let in_scope = grants.iter().any(|g| {
            OfficePath::parse(&g.office_path)
                .is_some_and(|p| roots.iter().any(|root| p.is_within(root)))
        });
        if in_scope || who.is_national(Permission::ManageUsers) {
            out.push((user, grants));
        }
    }
    Ok(out)
}

/// The reporter accounts bound to one IBM unit, for the officers who look after them (write
/// access to the unit's office).
pub async fn unit_reporters(db: &Db, actor: Actor<'_>, unit_id: i64) -> DbResult<Vec<User>> {
    let mut conn = db.pool().acquire().await?;
    let path = crate::ibm::authorize_unit(&mut conn, actor, Permission::ReadData, unit_id).await?;
    actor.authorize(Permission::WriteData, &path)?;
    let rows = sqlx::query(
        "SELECT u.* FROM users u JOIN grants g ON g.user_id = u.id \
         WHERE g.unit_id = $1 AND g.role = $2 ORDER BY u.username",
    )
    .bind(unit_id)
    .bind(Role::UnitReporter.as_str())
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(User::from_row).collect::<Result<_, _>>()?)
}

/// Makes a reporter account for one IBM unit, on the unit's coaching office (see
/// [`check_grants`]: the unit's officers may).
pub async fn create_unit_reporter(
    db: &Db,
    actor: Actor<'_>,
    unit_id: i64,
    username: String,
    full_name: String,
    email: String,
    password: String,
) -> DbResult<User> {
    let office_id: i64 = sqlx::query("SELECT office_id FROM ibm_units WHERE id = $1")
        .bind(unit_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| DbError::not_found(format!("unit IBM {unit_id}")))?
        .get("office_id");
    create(
        db,
        actor,
        NewUser {
            username,
            full_name,
            email,
            password,
            grants: vec![(Role::UnitReporter, office_id)],
            institution_id: None,
            unit_id: Some(unit_id),
        },
    )
    .await
}

/// Checks that `actor` may hand out each grant: user management over the grant's office, and
/// national roles only on the national office. A unit reporter is the exception: the officers
/// who coach the unit (who write its data) make its account, on the unit's own office.
async fn check_grants(
    conn: &mut AnyConnection,
    actor: Actor<'_>,
    grants: &[(Role, i64)],
    institution_id: Option<i64>,
    unit_id: Option<i64>,
) -> DbResult<()> {
    if grants.is_empty() {
        return Err(DbError::field("err-grants-empty", "grants"));
    }
    for (role, office_id) in grants {
        let office = offices::load(conn, *office_id).await?;
        if *role == Role::UnitReporter {
            let Some(unit) = unit_id else {
                return Err(DbError::field("err-reporter-unit", "unit_id"));
            };
            let unit_office: i64 = sqlx::query("SELECT office_id FROM ibm_units WHERE id = $1")
                .bind(unit)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| DbError::unknown_record("unit_id", unit))?
                .get("office_id");
            actor.authorize(Permission::WriteData, &office.office_path())?;
            if unit_office != *office_id {
                return Err(DbError::field("err-reporter-office", "grants"));
            }
            continue;
        }
        actor.authorize(Permission::ManageUsers, &office.office_path())?;
        if role.is_national() && office.parent_id.is_some() {
            return Err(DbError::Invalid(
                Message::new("err-role-national")
                    .with("field", "grants")
                    .with("role", role.as_str()),
            ));
        }
        // An institution operator works for one institution, coached by the granting office.
        match (*role == Role::InstitutionOperator, institution_id) {
            (true, None) => {
                return Err(DbError::field("err-operator-institution", "institution_id"));
            }
            (true, Some(inst)) => {
                let coach: i64 = sqlx::query("SELECT office_id FROM institutions WHERE id = $1")
                    .bind(inst)
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or_else(|| DbError::unknown_record("institution_id", inst))?
                    .get("office_id");
                if coach != *office_id {
                    return Err(DbError::field("err-operator-office", "grants"));
                }
            }
            (false, _) => {}
        }
    }
    Ok(())
}

pub async fn create(db: &Db, actor: Actor<'_>, new: NewUser) -> DbResult<User> {
    let username = Username::parse(&new.username).map_err(|e| DbError::Invalid(e.message()))?;
    check_password(&username, &new.password).map_err(|e| DbError::Invalid(e.message()))?;
    let full_name = new.full_name.trim();
    crate::ibm::check_text("full_name", full_name, 200, true)?;
    let hash = password::hash(new.password).await;
    let mut tx = db.begin().await?;
    check_grants(&mut tx, actor, &new.grants, new.institution_id, new.unit_id).await?;
    let now = now_rfc3339();
    let id: i64 = sqlx::query(
        "INSERT INTO users (username, full_name, email, password_hash, active, language, created_at, \
         password_changed_at) VALUES ($1, $2, $3, $4, $5, 'id', $6, $6) RETURNING id",
    )
    .bind(username.as_str())
    .bind(full_name)
    .bind(new.email.trim())
    .bind(hash)
    .bind(true)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| DbError::conflict_on_unique(e, format!("nama pengguna {}", username.as_str())))?
    .get("id");
    for (role, office_id) in &new.grants {
        let institution = (*role == Role::InstitutionOperator)
            .then_some(new.institution_id)
            .flatten();
        let unit = (*role == Role::UnitReporter)
            .then_some(new.unit_id)
            .flatten();
        insert_grant(&mut tx, id, *role, *office_id, institution, unit).await?;
    }
    let user = load(&mut tx, id).await?;
    let grants = grants_of(&mut tx, id).await?;
    let path = audit_path(&mut tx, id).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "create",
            entity: "pengguna",
            entity_id: id.to_string(),
            office_path: path.as_ref(),
            before: None,
            after: Some(json!({ "user": user, "grants": grants })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

async fn insert_grant(
    conn: &mut AnyConnection,
    user_id: i64,
    role: Role,
    office_id: i64,
    institution_id: Option<i64>,
    unit_id: Option<i64>,
) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO grants (user_id, role, office_id, institution_id, unit_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(user_id)
    .bind(role.as_str())
    .bind(office_id)
    .bind(institution_id)
    .bind(unit_id)
    .bind(now_rfc3339())
    .execute(conn)
    .await
    .map_err(|e| DbError::conflict_on_unique(e, format!("peran {}", role.as_str())))?;
    Ok(())
}

/// Managing a user needs ManageUsers over every office it holds a role on (nationally for a
/// user without any); a unit reporter's account, WriteData over its unit's office.
pub(crate) async fn authorize_manage(
    conn: &mut AnyConnection,
    actor: Actor<'_>,
    user_id: i64,
) -> DbResult<()> {
    let grants = grants_of(conn, user_id).await?;
    for g in &grants {
        let office = offices::load(conn, g.office_id).await?;
        // Unit reporters are looked after by the officers who made them (see `check_grants`).
        let needs = if g.role == Role::UnitReporter.as_str() {
            Permission::WriteData
        } else {
            Permission::ManageUsers
        };
        actor.authorize(needs, &office.office_path())?;
    }
    if grants.is_empty() {
        actor.authorize_national(Permission::ManageUsers)?;
    }
    Ok(())
}

/// Ends every way a user is signed in: its sessions, and its API tokens (revoked).
async fn end_access(conn: &mut AnyConnection, user_id: i64) -> DbResult<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(now_rfc3339())
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Disables an account (every session and token ends at once) or enables it again; user
/// managers only, never on one's own account.
pub async fn set_active(db: &Db, actor: Actor<'_>, user_id: i64, active: bool) -> DbResult<User> {
    if matches!(actor, Actor::User(p) if p.user_id == user_id) {
        return Err(DbError::Invalid(Message::new("err-disable-self")));
    }
    let mut tx = db.begin().await?;
    let before = load(&mut tx, user_id).await?;
    authorize_manage(&mut tx, actor, user_id).await?;
    sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
        .bind(active)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    if !active {
        end_access(&mut tx, user_id).await?;
    }
    let path = audit_path(&mut tx, user_id).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: if active { "enable" } else { "disable" },
            entity: "pengguna",
            entity_id: user_id.to_string(),
            office_path: path.as_ref(),
            before: Some(json!({ "active": before.active })),
            after: Some(json!({ "active": active })),
        },
    )
    .await?;
    let after = load(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(after)
}

/// Sets a new password (by a user manager, or by the user for itself) and ends its sessions and
/// API tokens: whoever held the old password may have made them.
pub async fn set_password(
    db: &Db,
    actor: Actor<'_>,
    user_id: i64,
    new_password: &str,
) -> DbResult<()> {
    let mut conn = db.pool().acquire().await?;
    let user = load(&mut conn, user_id).await?;
    let is_self = matches!(actor, Actor::User(p) if p.user_id == user_id);
    if !is_self {
        authorize_manage(&mut conn, actor, user_id).await?;
    }
    drop(conn);
    let username = Username::parse(&user.username).map_err(|e| DbError::Invalid(e.message()))?;
    check_password(&username, new_password).map_err(|e| DbError::Invalid(e.message()))?;
    let hash = password::hash(new_password.to_string()).await;
    let mut tx = db.begin().await?;
    let now = now_rfc3339();
    sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(&now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    end_access(&mut tx, user_id).await?;
    let path = audit_path(&mut tx, user_id).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "set_password",
            entity: "pengguna",
            entity_id: user_id.to_string(),
            office_path: path.as_ref(),
            // Never the hash itself: only the fact and the time.
            before: Some(json!({ "password_changed_at": user.password_changed_at })),
            after: Some(json!({ "password_changed_at": now })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Checks a username and password; `None` on any mismatch or for an inactive user.
pub async fn authenticate(db: &Db, username: &str, password: &str) -> DbResult<Option<User>> {
    let row = sqlx::query("SELECT * FROM users WHERE username = $1")
        .bind(username.trim().to_lowercase())
        .fetch_optional(db.pool())
        .await?;
    let (user, stored) = match row {
        Some(r) => (
            Some(User::from_row(&r)?),
            r.get::<String, _>("password_hash"),
        ),
        None => (None, password::DUMMY_HASH.to_string()),
    };
    let ok = password::verify(password.to_string(), stored).await;
    Ok(user.filter(|u| ok && u.active))
}

pub async fn set_language(db: &Db, user_id: i64, language: &str) -> DbResult<()> {
    sqlx::query("UPDATE users SET language = $1 WHERE id = $2")
        .bind(language)
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

pub async fn count(db: &Db) -> DbResult<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM users")
        .fetch_one(db.pool())
        .await?
        .get("n"))
}

/// Records a sign-in or sign-out in the audit trail (filed under the user's first office).
pub async fn record_sign_in(db: &Db, who: &Principal, action: &str) -> DbResult<()> {
    let mut conn = db.pool().acquire().await?;
    let path = who.grants.first().map(|g| g.office_path.clone());
    audit::record(
        &mut conn,
        Actor::User(who),
        Change {
            action,
            entity: "sesi",
            entity_id: who.user_id.to_string(),
            office_path: path.as_ref(),
            before: None,
            after: None,
        },
    )
    .await
}
