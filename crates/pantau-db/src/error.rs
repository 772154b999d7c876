use pantau_core::access::Denied;
use pantau_core::message::Message;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("tidak ditemukan: {0}")]
    NotFound(String),
    #[error(transparent)]
    Forbidden(#[from] Denied),
    /// Input refused by a rule, with the message to show (see [`DbError::rule`]).
    #[error("{0}")]
    Invalid(Message),
    #[error("sudah ada: {0}")]
    Conflict(String),
    /// A record the input names does not exist (an area, a stage, a reference code): answered
    /// like a missing record, with what was missing.
    #[error("{0}")]
    Missing(Message),
    /// The record's state does not allow the change now (a workflow step out of order, a
    /// closed assessment): the input is fine, the moment is not.
    #[error("{0}")]
    State(Message),
    #[error("basis data: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("berkas impor: {0}")]
    Csv(#[from] csv::Error),
}

pub type DbResult<T> = Result<T, DbError>;

impl DbError {
    /// Input refused, worded where it is refused (in Bahasa Indonesia): shown as it is in
    /// either language. Rules with a message key of their own use [`DbError::rule`].
    pub fn invalid(msg: impl Into<String>) -> Self {
        DbError::Invalid(Message::new("err-text").with("text", msg.into()))
    }

    /// A record the input names does not exist (see [`DbError::Missing`]).
    pub fn missing(msg: impl Into<String>) -> Self {
        DbError::Missing(Message::new("err-text").with("text", msg.into()))
    }

    /// The record's state does not allow the change (see [`DbError::State`]).
    pub fn state(msg: impl Into<String>) -> Self {
        DbError::State(Message::new("err-text").with("text", msg.into()))
    }

    /// The input `field` (as the API spells it) refused with the catalogue message `key`, which
    /// names the field through `{ $label }`.
    pub fn field(key: &'static str, field: &str) -> Self {
        DbError::Invalid(Message::new(key).with("field", field))
    }

    /// `field` holds `value`, which is not one of `accepted`.
    pub fn unknown_value<'a>(
        field: &str,
        value: &str,
        accepted: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        DbError::Invalid(
            Message::new("err-unknown-value")
                .with("field", field)
                .with("value", value)
                .with_list("accepted", accepted),
        )
    }

    /// `field` names a record (`value`) that does not exist.
    pub fn unknown_record(field: &str, value: impl ToString) -> Self {
        DbError::Missing(
            Message::new("err-unknown-record")
                .with("field", field)
                .with("value", value),
        )
    }

    /// `field` names the same record (`value`) twice.
    pub fn twice(field: &str, value: impl ToString) -> Self {
        DbError::Invalid(
            Message::new("err-twice")
                .with("field", field)
                .with("value", value),
        )
    }

    /// `field` lies outside `min`–`max`.
    pub fn out_of_range(field: &str, min: impl ToString, max: impl ToString) -> Self {
        DbError::Invalid(
            Message::new("err-range")
                .with("field", field)
                .with("min", min)
                .with("max", max),
        )
    }

    /// `field` is not an area code.
    pub fn area_code(field: &str, e: pantau_core::org::InvalidAreaCode) -> Self {
        DbError::Invalid(
            Message::new("err-area-code")
                .with("field", field)
                .with("value", e.0),
        )
    }

    /// The record was saved by someone else (at `at`) after the editor opened it: saving would
    /// overwrite their change unseen.
    pub fn edited_meanwhile(at: impl ToString) -> Self {
        DbError::State(Message::new("err-edited-meanwhile").with("at", at))
    }

    /// Whether this is [`DbError::edited_meanwhile`].
    pub fn is_edited_meanwhile(&self) -> bool {
        matches!(self, DbError::State(m) if m.key == "err-edited-meanwhile")
    }

    /// Input refused by a rule whose message is a catalogue key.
    pub fn rule(message: Message) -> Self {
        DbError::Invalid(message)
    }

    /// What a person is told about this error.
    pub fn message(&self) -> Message {
        match self {
            DbError::Invalid(m) | DbError::Missing(m) | DbError::State(m) => m.clone(),
            DbError::NotFound(_) => Message::new("err-not-found"),
            DbError::Forbidden(d) if d.unseen => Message::new("err-not-found"),
            DbError::Forbidden(_) => Message::new("err-forbidden"),
            DbError::Conflict(what) => Message::new("err-conflict").with("what", what),
            DbError::Sqlx(_) | DbError::Csv(_) => Message::new("err-internal"),
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        DbError::NotFound(what.into())
    }

    /// Turns a unique-constraint violation into a `Conflict` with a readable message.
    pub(crate) fn conflict_on_unique(e: sqlx::Error, what: impl Into<String>) -> Self {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => DbError::Conflict(what.into()),
            _ => DbError::Sqlx(e),
        }
    }
}

/// Workflow steps out of order are state conflicts; the rest is invalid input.
impl From<pantau_core::ibm::IbmError> for DbError {
    fn from(e: pantau_core::ibm::IbmError) -> Self {
        use pantau_core::ibm::IbmError::*;
        match e {
            InvalidStatusChange { .. }
            | InvalidAssessmentAction { .. }
            | SameAsSubmitter(_)
            | DecreeRequired => DbError::State(e.message()),
            _ => DbError::Invalid(e.message()),
        }
    }
}
