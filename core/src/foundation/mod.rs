//! The foundation layer: errors, timestamps, JSON paths, read limits,
//! hex and actor-id canonicalisation. Nothing here imports from another
//! layer (docs/architecture.md).

pub mod error;
pub(crate) mod hex;
pub mod identity;
pub mod limits;
pub mod path;
pub(crate) mod timestamp;
