//! Release notes section (docs/integrations.md).

use crate::document::Extra;
use schemars::JsonSchema;
use serde::Serialize;

/// Release notes section. `release_notes` has no tunable setting yet (its
/// sections are fixed, see `docs/integrations.md`); settings given here are
/// kept unchanged.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema,
)]
#[serde(default)]
pub struct NotesPolicy {
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}
