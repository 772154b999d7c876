use pantau_core::access::Denied;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("tidak ditemukan: {0}")]
    NotFound(String),
    #[error(transparent)]
    Forbidden(#[from] Denied),
    #[error("{0}")]
    Invalid(String),
    #[error("sudah ada: {0}")]
    Conflict(String),
    #[error("basis data: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("berkas impor: {0}")]
    Csv(#[from] csv::Error),
}

pub type DbResult<T> = Result<T, DbError>;

impl DbError {
    pub fn invalid(msg: impl Into<String>) -> Self {
        DbError::Invalid(msg.into())
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
