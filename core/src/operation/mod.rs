//! The operations: the registry every front end calls through
//! ([`api`]), document validation and the published JSON Schemas
//! (docs/architecture.md).

pub mod api;
pub mod ndjson;
mod prepared;
pub mod prepared_context;
pub mod risk_assessor;
pub mod schema;
pub(crate) mod structure;
pub mod validate;
