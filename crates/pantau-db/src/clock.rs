//! Timestamps are stored as RFC 3339 UTC text and dates as `YYYY-MM-DD`, which sort correctly as
//! text and decode the same way on both backends.

use chrono::{SecondsFormat, Utc};

pub fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn rfc3339_in(seconds: i64) -> String {
    (Utc::now() + chrono::Duration::seconds(seconds)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The one clock for dates: every "today" in Pantau (due dates, defaults, caches) reads it.
pub fn today() -> chrono::NaiveDate {
    Utc::now().date_naive()
}
