//! The roles that may issue each lifecycle command (docs/lifecycle.md,
//! "States and commands").

use crate::document::{Extra, Role};
use schemars::JsonSchema;
use serde::Serialize;

/// The roles that may issue each lifecycle command (any one suffices).
/// `approve` and `reject` need the role the vote is cast in.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
#[serde(default)]
pub struct CommandRoles {
    /// `advance` (default release_manager).
    pub advance: Vec<Role>,
    /// `send_back` (default release_manager, cab, ecab, qa).
    pub send_back: Vec<Role>,
    /// `record_tests` (default qa, release_team, release_manager).
    pub record_tests: Vec<Role>,
    /// `start_deployment` (default release_manager).
    pub start_deployment: Vec<Role>,
    /// `complete_deployment` (default release_manager, release_team).
    pub complete_deployment: Vec<Role>,
    /// `roll_back` (default release_manager, release_team).
    pub roll_back: Vec<Role>,
    /// `complete_review` (default release_manager).
    pub complete_review: Vec<Role>,
    /// `close` (default release_manager).
    pub close: Vec<Role>,
    /// `cancel` (default release_manager).
    pub cancel: Vec<Role>,
    /// `amend`: edit sealed fields after the log started (default
    /// release_manager).
    pub amend: Vec<Role>,
    /// `import`: vouch for facts from another system (default
    /// release_manager).
    pub import: Vec<Role>,
    /// `override`: an ECAB override of a rule with a recorded
    /// justification (default ecab). Not serialized when it is the
    /// default, so existing policy fingerprints stay as they were.
    #[serde(
        rename = "override",
        skip_serializing_if = "CommandRoles::is_default_override"
    )]
    pub override_: Vec<Role>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for CommandRoles {
    fn default() -> Self {
        use Role::*;
        CommandRoles {
            advance: vec![ReleaseManager],
            send_back: vec![ReleaseManager, Cab, Ecab, Qa],
            record_tests: vec![Qa, ReleaseTeam, ReleaseManager],
            start_deployment: vec![ReleaseManager],
            complete_deployment: vec![ReleaseManager, ReleaseTeam],
            roll_back: vec![ReleaseManager, ReleaseTeam],
            complete_review: vec![ReleaseManager],
            close: vec![ReleaseManager],
            cancel: vec![ReleaseManager],
            amend: vec![ReleaseManager],
            import: vec![ReleaseManager],
            override_: vec![Ecab],
            extra: Extra::new(),
        }
    }
}

impl CommandRoles {
    /// True when `roles` is the default of `override` (`[ecab]`).
    fn is_default_override(roles: &[Role]) -> bool {
        roles == [Role::Ecab]
    }
}
