//! Separation of duties: who may not approve, sign off or deploy what
//! they are involved in (docs/lifecycle.md, "Approvals").

use crate::document::Extra;
use schemars::JsonSchema;
use serde::Serialize;

/// Separation-of-duties rules. The first two are the floor relman always
/// keeps (docs/lifecycle.md); the others tighten it.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
#[serde(default)]
pub struct SeparationOfDuties {
    /// The release owner may not approve it (default true).
    pub forbid_owner_approval: bool,
    /// An implementer of any change may not approve the release (default
    /// true).
    pub forbid_implementer_approval: bool,
    /// Members of the release team may not approve it (default false).
    pub forbid_team_approval: bool,
    /// An implementer may not sign off UAT (default false).
    pub forbid_implementer_uat_signoff: bool,
    /// Whoever approved the release may not start, complete or roll back
    /// its deployment (default true). Relaxing it is recorded: the event
    /// of such a command names the relaxed rule in `details.sod_relaxed`.
    pub forbid_approver_deployment: bool,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for SeparationOfDuties {
    fn default() -> Self {
        SeparationOfDuties {
            forbid_owner_approval: true,
            forbid_implementer_approval: true,
            forbid_team_approval: false,
            forbid_implementer_uat_signoff: false,
            forbid_approver_deployment: true,
            extra: Extra::new(),
        }
    }
}
