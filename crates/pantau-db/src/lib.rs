//! Pantau storage. One set of SQL serves SQLite (embedded, default) and PostgreSQL (production)
//! through sqlx's `Any` driver; only the migrations differ per backend.
//!
//! Every write that changes data goes through a function here that first asks
//! [`pantau_core::access::Principal`] for permission and then records an audit entry in the same
//! transaction, so handlers cannot forget either.

pub mod audit;
pub mod backup;
pub mod changes;
mod clock;
pub mod dashboard;
pub mod db;
/// The demo data set and synthetic national-scale data (`pantau demo`, `serve --demo`, `bench`).
#[cfg(feature = "demo")]
pub mod demo;
pub mod error;
pub mod exchange;
pub mod files;
mod group_commit;
pub mod guard;
pub mod ibm;
pub mod idempotency;
pub mod lists;
pub mod migrate;
pub mod offices;
pub mod packs;
pub mod password;
pub mod reference;
pub mod reminders;
pub mod seed;
pub mod sessions;
pub mod sni;
pub mod sql;
pub mod summary;
pub mod tasks;
/// Test databases on every configured backend, for this crate's tests and its dependents'.
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod throttle;
pub mod tokens;
pub mod users;
pub mod wilayah;

pub use audit::Actor;
pub use chrono;
pub use clock::{now_rfc3339, today};
pub use db::{Backend, Db};
pub use error::{DbError, DbResult};
