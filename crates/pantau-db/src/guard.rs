//! The check a request gets before its body is read: does the principal hold a permission on
//! the office (or, for coaching records, the institution) behind the record a route names? Every
//! storage function checks again inside its transaction; this one only makes sure that a caller
//! outside the record's scope is refused as such (403/404) whatever it sent, rather than being
//! told first what was wrong with the form.

use crate::audit::Actor;
use crate::error::{DbError, DbResult};
use crate::{Db, ibm, sni};
use pantau_core::access::{Permission, Principal};
use pantau_core::org::OfficePath;
use sqlx::Row;

/// A record named by the id in a route's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Unit(i64),
    Agent(i64),
    Institution(i64),
    Participant(i64),
    Assessment(i64),
    Action(i64),
    Certification(i64),
    Cohort(i64),
    Office(i64),
}

async fn institution_of(
    conn: &mut sqlx::AnyConnection,
    sql: &'static str,
    id: i64,
    what: &str,
) -> DbResult<i64> {
    Ok(sqlx::query(sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| DbError::not_found(format!("{what} {id}")))?
        .get("institution_id"))
}

/// Checks `permission` on the target for `who` (see the module).
pub async fn authorize(
    db: &Db,
    who: &Principal,
    permission: Permission,
    target: Target,
) -> DbResult<()> {
    let mut conn = db.pool().acquire().await?;
    let actor = Actor::User(who);
    let institution = match target {
        Target::Unit(id) => {
            ibm::authorize_unit(&mut conn, actor, permission, id).await?;
            return Ok(());
        }
        Target::Agent(id) => {
            let unit: i64 = sqlx::query("SELECT unit_id FROM ibm_agents WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| DbError::not_found(format!("agen {id}")))?
                .get("unit_id");
            ibm::authorize_unit(&mut conn, actor, permission, unit).await?;
            return Ok(());
        }
        Target::Office(id) => {
            let office = crate::offices::load(&mut conn, id).await?;
            actor.authorize(permission, &office.office_path())?;
            return Ok(());
        }
        Target::Cohort(id) => {
            let path: String = sqlx::query(
                "SELECT o.path FROM sni_cohorts c JOIN offices o ON o.id = c.office_id WHERE c.id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| DbError::not_found(format!("kohort {id}")))?
            .get("path");
            let path = OfficePath::parse(&path).ok_or_else(|| DbError::invalid("jalur satker rusak"))?;
            actor.authorize(permission, &path)?;
            return Ok(());
        }
        Target::Institution(id) => id,
        Target::Participant(id) => sni::participant_institution(&mut conn, id).await?.0,
        Target::Assessment(id) => {
            institution_of(
                &mut conn,
                "SELECT p.institution_id FROM sni_assessments a JOIN sni_participants p ON p.id = a.participant_id WHERE a.id = $1",
                id,
                "penilaian",
            )
            .await?
        }
        Target::Action(id) => {
            institution_of(
                &mut conn,
                "SELECT p.institution_id FROM sni_actions a JOIN sni_participants p ON p.id = a.participant_id WHERE a.id = $1",
                id,
                "tindak lanjut",
            )
            .await?
        }
        Target::Certification(id) => {
            institution_of(
                &mut conn,
                "SELECT institution_id FROM sni_certifications WHERE id = $1",
                id,
                "sertifikasi",
            )
            .await?
        }
    };
    sni::authorize_institution(&mut conn, actor, permission, institution).await?;
    Ok(())
}
