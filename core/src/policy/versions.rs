//! Versions section: the scheme a release's `version` must follow and the
//! bump each release kind must make over the previous release of the same
//! service (docs/policy.md, "Versions"; docs/lifecycle.md, "Versions").

use crate::document::{Extra, ReleaseKind};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The syntax a release's `version` must follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersionScheme {
    /// Semantic Versioning 2.0.0 (semver.org): `MAJOR.MINOR.PATCH`, each a
    /// number without leading zeros, with an optional pre-release
    /// (`-rc.1`) and build metadata (`+build.5`).
    #[default]
    Semver,
    /// Calendar versions `YYYY.MM` or `YYYY.MM.N`: a four-digit year, a
    /// month 1–12 (`4` or `04`) and an optional sequence number without
    /// leading zeros (absent: 0).
    Calver,
    /// Any text: the version is not checked.
    None,
}

impl VersionScheme {
    /// True for the default, `semver`.
    pub fn is_semver(&self) -> bool {
        *self == VersionScheme::Semver
    }

    /// The scheme's name as policies write it.
    pub fn name(self) -> &'static str {
        match self {
            VersionScheme::Semver => "semver",
            VersionScheme::Calver => "calver",
            VersionScheme::None => "none",
        }
    }
}

/// What a release kind's version must do over the previous release's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BumpRule {
    /// Increase the major version (semver; under `calver`: any increase).
    Major,
    /// Keep the major and increase the minor version (semver; under
    /// `calver`: any increase).
    Minor,
    /// Keep the major and minor and increase the patch version (semver;
    /// under `calver`: any increase).
    Patch,
    /// Be greater than the previous version, whatever it increases.
    Any,
    /// Not checked.
    None,
}

impl BumpRule {
    /// The rule's name as policies write it.
    pub fn name(self) -> &'static str {
        match self {
            BumpRule::Major => "major",
            BumpRule::Minor => "minor",
            BumpRule::Patch => "patch",
            BumpRule::Any => "any",
            BumpRule::None => "none",
        }
    }
}

/// The bump rule of each release kind.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
#[serde(default)]
pub struct BumpRules {
    /// Major releases (default `major`).
    pub major: BumpRule,
    /// Minor releases (default `minor`).
    pub minor: BumpRule,
    /// Patch releases (default `patch`).
    pub patch: BumpRule,
    /// Emergency releases (default `any`: an emergency fix may have to
    /// ship whatever the version line expects next; it must still go up).
    pub emergency: BumpRule,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for BumpRules {
    fn default() -> Self {
        BumpRules {
            major: BumpRule::Major,
            minor: BumpRule::Minor,
            patch: BumpRule::Patch,
            emergency: BumpRule::Any,
            extra: Extra::new(),
        }
    }
}

impl BumpRules {
    /// The rule for releases of `kind`.
    pub fn of(&self, kind: ReleaseKind) -> BumpRule {
        match kind {
            ReleaseKind::Major => self.major,
            ReleaseKind::Minor => self.minor,
            ReleaseKind::Patch => self.patch,
            ReleaseKind::Emergency => self.emergency,
        }
    }
}

/// Versions section: which versions a release may carry.
///
/// Checked by `validate` (releases, schedules, histories, contexts) and by
/// the lifecycle entry points `check` and `apply`; a release without a
/// `version` is not checked. Written only when it is not the default, so
/// that policies (and their fingerprints) written before this section
/// existed stay the same.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
#[serde(default)]
pub struct VersionsPolicy {
    /// The syntax of versions: `semver` (default), `calver` or `none`.
    pub scheme: VersionScheme,
    /// Whether a release's version is checked against the previous
    /// release of the same service (default true).
    pub check_bump: bool,
    /// What each release kind's version must do over the previous one.
    pub bump: BumpRules,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for VersionsPolicy {
    fn default() -> Self {
        VersionsPolicy {
            scheme: VersionScheme::Semver,
            check_bump: true,
            bump: BumpRules::default(),
            extra: Extra::new(),
        }
    }
}

impl VersionsPolicy {
    /// True when the section is the default one (it is then not written).
    pub fn is_default(&self) -> bool {
        *self == VersionsPolicy::default()
    }
}
