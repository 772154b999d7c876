//! SNI 8807 coaching storage. Access to an institution's data is decided by
//! `Principal::can_institution`: the coaching office's subtree, or an operator's own institution.

pub mod assessments;
pub mod cohorts;
pub mod evidence;
pub mod institutions;
pub mod instrument;
pub mod outcomes;
pub mod sessions;

use crate::audit::Actor;
use crate::error::{DbError, DbResult};
use pantau_core::access::Permission;
use pantau_core::org::OfficePath;
use sqlx::{AnyConnection, Row};

/// Checks `permission` on an institution; returns its coaching office path (for the audit).
pub(crate) async fn authorize_institution(
    conn: &mut AnyConnection,
    actor: Actor<'_>,
    permission: Permission,
    institution_id: i64,
) -> DbResult<OfficePath> {
    let row = sqlx::query(
        "SELECT o.path FROM institutions i JOIN offices o ON o.id = i.office_id WHERE i.id = $1",
    )
    .bind(institution_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| DbError::not_found(format!("lembaga {institution_id}")))?;
    let path = OfficePath::parse(&row.get::<String, _>("path"))
        .ok_or_else(|| DbError::invalid("jalur satker rusak"))?;
    if let Actor::User(p) = actor {
        p.authorize_institution(permission, &path, institution_id)?;
    }
    Ok(path)
}

/// Office-level `permission` on an institution's coaching office, for what only that office's
/// staff do (officers' assessments, sessions, verification). Callers have checked the
/// institution itself first, so a refusal here is of something the actor can see: a 403, never
/// the 404 of a record outside one's scope.
pub(crate) fn authorize_staff(
    actor: Actor<'_>,
    permission: Permission,
    path: &OfficePath,
) -> DbResult<()> {
    match actor.authorize(permission, path) {
        Err(DbError::Forbidden(mut d)) => {
            d.unseen = false;
            Err(DbError::Forbidden(d))
        }
        other => other,
    }
}

/// The institution a cohort participant stands for.
pub(crate) async fn participant_institution(
    conn: &mut AnyConnection,
    participant_id: i64,
) -> DbResult<(i64, i64)> {
    let r = sqlx::query("SELECT institution_id, cohort_id FROM sni_participants WHERE id = $1")
        .bind(participant_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| DbError::not_found(format!("peserta {participant_id}")))?;
    Ok((r.get("institution_id"), r.get("cohort_id")))
}

/// Checks `permission` on the institution behind a participant.
pub(crate) async fn authorize_participant(
    conn: &mut AnyConnection,
    actor: Actor<'_>,
    permission: Permission,
    participant_id: i64,
) -> DbResult<(OfficePath, i64)> {
    let (institution_id, _) = participant_institution(conn, participant_id).await?;
    Ok((
        authorize_institution(conn, actor, permission, institution_id).await?,
        institution_id,
    ))
}
