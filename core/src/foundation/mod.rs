//! The foundation layer: errors, timestamps, JSON paths, read limits,
//! hex and actor-id canonicalisation. Nothing here imports from another
//! layer (docs/architecture.md).

pub(crate) mod canonical;
pub mod error;
pub(crate) mod hex;
pub mod identity;
pub mod limits;
pub mod path;
pub(crate) mod timestamp;

/// Fields a document does not know, kept in order of their names and written
/// back unchanged.
pub type Extra = serde_json::Map<String, serde_json::Value>;
