//! The foundation layer: errors, timestamps, JSON paths, read limits,
//! hex, actor-id canonicalisation, batch work on every core, and the one hasher and interner of the
//! engines' indexes. Nothing here imports from another
//! layer (docs/architecture.md).

pub(crate) mod canonical;
pub mod error;
pub(crate) mod hash;
pub(crate) mod hex;
pub mod identity;
pub(crate) mod intern;
pub(crate) mod json_schema;
pub mod limits;
pub mod parallel;
pub mod path;
pub(crate) mod timestamp;

/// Fields a document does not know, kept in order of their names and written
/// back unchanged.
pub type Extra = serde_json::Map<String, serde_json::Value>;
