//! Pantau's domain: the org hierarchy, access rules and (later) the IBM and SNI workflows.
//! Nothing here performs I/O; storage and HTTP live in `pantau-db` and `pantau-web`.

pub mod access;
pub mod aggregate;
pub mod ibm;
pub mod limits;
pub mod message;
pub mod org;
pub mod schema;
pub mod sni;
pub mod user;
