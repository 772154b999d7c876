//! IBM storage: units and their years, agents, stage assessments, reports, visits, evaluations
//! and the target-versus-achievement tables. Every function takes the acting principal and
//! checks it against the unit's coaching office before reading or writing.

pub mod agents;
pub mod assessments;
pub mod evaluations;
pub mod follow_ups;
pub mod photos;
pub mod reports;
pub mod rollup;
pub mod stages;
pub mod targets;
pub mod units;
pub mod visits;

use crate::audit::Actor;
use crate::error::{DbError, DbResult};
use pantau_core::access::Permission;
use pantau_core::message::Message;
use pantau_core::org::OfficePath;
use sqlx::{AnyConnection, Row};

/// The coaching office path of a unit, after checking `permission` on it (office-wide, or for
/// a unit reporter on its own unit).
pub(crate) async fn authorize_unit(
    conn: &mut AnyConnection,
    actor: Actor<'_>,
    permission: Permission,
    unit_id: i64,
) -> DbResult<OfficePath> {
    let row = sqlx::query(
        "SELECT o.path FROM ibm_units u JOIN offices o ON o.id = u.office_id WHERE u.id = $1",
    )
    .bind(unit_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| DbError::not_found(format!("unit IBM {unit_id}")))?;
    let path = OfficePath::parse(&row.get::<String, _>("path"))
        .ok_or_else(|| DbError::invalid("jalur satker rusak"))?;
    actor.authorize_unit(permission, &path, unit_id)?;
    Ok(path)
}

/// Whether `code` is a record code: `lengths` bytes of letters, digits, `-`, `.` and `_`.
pub(crate) fn is_code(code: &str, lengths: std::ops::RangeInclusive<usize>) -> bool {
    lengths.contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
}

/// Refuses a text that is required but blank, or longer than `max` characters. `field` is the
/// input's name as the API spells it; the message names it in the reader's language.
pub(crate) fn check_text(
    field: &'static str,
    value: &str,
    max: usize,
    required: bool,
) -> DbResult<()> {
    if required && value.trim().is_empty() {
        return Err(DbError::field("err-required", field));
    }
    if value.chars().count() > max {
        return Err(DbError::Invalid(
            Message::new("err-too-long")
                .with("field", field)
                .with("max", max),
        ));
    }
    Ok(())
}

/// Refuses a submitted list longer than its cap (see `pantau_core::limits`).
pub(crate) fn check_count(field: &'static str, count: usize, max: usize) -> DbResult<()> {
    if count > max {
        return Err(DbError::Invalid(
            Message::new("err-too-many")
                .with("field", field)
                .with("max", max)
                .with("count", count),
        ));
    }
    Ok(())
}

pub(crate) fn check_date(field: &'static str, value: &str) -> DbResult<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| {
        DbError::Invalid(
            Message::new("err-date")
                .with("field", field)
                .with("value", value),
        )
    })
}

pub(crate) fn check_year(year: i64) -> DbResult<i32> {
    use pantau_core::ibm::{FIRST_YEAR, LAST_YEAR};
    if (FIRST_YEAR..=LAST_YEAR).contains(&year) {
        Ok(year as i32)
    } else {
        Err(DbError::Invalid(
            Message::new("err-year")
                .with("field", "year")
                .with("year", year)
                .with("first", FIRST_YEAR)
                .with("last", LAST_YEAR),
        ))
    }
}
