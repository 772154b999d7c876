//! JSON Schemas of text fields whose rules live in this crate (codes, dates, periods, area
//! codes), for the API reference: a client that keeps to them is not refused for their form.

use schemars::{Schema, SchemaGenerator, json_schema};

/// Text holding one of `codes`.
pub fn one_of<'a>(codes: impl IntoIterator<Item = &'a str>) -> Schema {
    let codes: Vec<&str> = codes.into_iter().collect();
    json_schema!({ "type": "string", "enum": codes })
}

/// A calendar date, `YYYY-MM-DD`.
pub fn date(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "format": "date", "examples": ["2026-06-15"] })
}

/// A date or nothing.
pub fn optional_date(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": ["string", "null"], "format": "date", "examples": ["2026-06-15"] })
}

/// A monitoring year.
pub fn year(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer", "minimum": crate::ibm::FIRST_YEAR, "maximum": crate::ibm::LAST_YEAR })
}

/// A reporting month, `YYYY-MM`.
pub fn period(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "pattern": "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$", "examples": ["2026-05"] })
}

/// A Kemendagri area code: `32`, `32.73`, `32.73.01` or `32.73.01.1001`.
pub fn area_code(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string",
        "pattern": "^[0-9]{2}(\\.[0-9]{2}(\\.[0-9]{2}(\\.[0-9]{4})?)?)?$", "examples": ["32.73.01.1001"] })
}

/// Text that must not be blank.
pub fn required_text(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "minLength": 1, "pattern": "\\S" })
}

/// A record's code: 3–40 letters, digits, `-`, `.` or `_`.
pub fn record_code(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "pattern": "^[A-Za-z0-9._-]{3,40}$", "examples": ["IBM-32.73-001"] })
}

/// The year a unit was formed or an agent joined: 2000 up to this year.
pub fn past_year(_: &mut SchemaGenerator) -> Schema {
    let this_year = chrono::Datelike::year(&chrono::Utc::now());
    json_schema!({ "type": "integer", "minimum": 2000, "maximum": this_year })
}

/// One of `codes`, or nothing (the empty text).
pub fn one_of_or_empty<'a>(codes: impl IntoIterator<Item = &'a str>) -> Schema {
    one_of(std::iter::once("").chain(codes))
}

/// A report line's kind.
pub fn line_kind(_: &mut SchemaGenerator) -> Schema {
    one_of(["activity", "service"])
}

/// A report line's sex: `l`, `p`, or empty on an activity line.
pub fn line_sex(_: &mut SchemaGenerator) -> Schema {
    one_of_or_empty(crate::ibm::Sex::ALL.iter().map(|s| s.as_str()))
}

/// A count in a report line.
pub fn line_count(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer", "minimum": 0, "maximum": crate::limits::LINE_COUNT_MAX })
}

/// The year a roll-over starts from: the new year must be a monitoring year.
pub fn rollover_from_year(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer", "minimum": crate::ibm::FIRST_YEAR - 1, "maximum": crate::ibm::LAST_YEAR - 1 })
}

/// An e-mail address, or empty.
pub fn optional_email(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "maxLength": 200, "pattern": "^$|@" })
}

/// Text of at most 200 characters.
pub fn short_text(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "maxLength": 200 })
}

/// A stage's place in the order, 1–20.
pub fn stage_ordinal(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer", "minimum": 1, "maximum": 20 })
}

/// A requirement's code: letters, digits, `.`, `_`, `-`, at most 20.
pub fn requirement_code(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "pattern": "^[A-Za-z0-9._-]{1,20}$" })
}

/// A requirement's weight, above 0 and at most 100.
pub fn weight(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "number", "exclusiveMinimum": 0, "maximum": 100 })
}
