//! The web layer end to end, through the real router (sessions, CSRF, access, audit, rendering),
//! on every configured database backend.

mod access;
mod api_errors;
mod audit;
mod daily;
mod dashboard;
mod exchange;
mod field;
mod harness;
mod ibm;
mod idempotency;
mod lists;
mod openapi;
mod org;
mod programme;
mod reference;
mod reminders;
mod security;
mod servers;
mod session;
mod sni;
