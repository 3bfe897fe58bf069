//! Readiness: which parts of the context the go/no-go verdict needs per
//! release kind, so a missing part is an unmet requirement
//! (`readiness.context`) instead of a check that silently passes
//! (docs/lifecycle.md, "Readiness"; docs/policy.md, "Readiness").

use crate::document::{Extra, ReleaseKind};
use crate::error::Problem;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A part of the context readiness may need.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ContextPart {
    /// `actors`: the directory (given and not empty).
    Actors,
    /// `calendar` (or `schedule.calendar`): blackouts and maintenance
    /// windows.
    Calendar,
    /// `schedule`: the forward schedule the conflicts are checked in.
    Schedule,
    /// `cmdb` (or `schedule.cmdb`): CI classes, services, dependencies.
    Cmdb,
    /// `history`: past deployments and incidents.
    History,
    /// `now`: the caller's current time.
    Now,
}

impl ContextPart {
    /// Every part, in report order.
    pub const ALL: [ContextPart; 6] = [
        ContextPart::Actors,
        ContextPart::Calendar,
        ContextPart::Schedule,
        ContextPart::Cmdb,
        ContextPart::History,
        ContextPart::Now,
    ];

    /// The part's name as written in a policy and a context.
    pub fn as_str(self) -> &'static str {
        match self {
            ContextPart::Actors => "actors",
            ContextPart::Calendar => "calendar",
            ContextPart::Schedule => "schedule",
            ContextPart::Cmdb => "cmdb",
            ContextPart::History => "history",
            ContextPart::Now => "now",
        }
    }
}

/// The context parts readiness needs per release kind. Not written when it
/// is the default, so the policy fingerprints of earlier audit events hold.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
#[serde(default)]
pub struct ReadinessPolicy {
    /// Parts a major release needs (default calendar, schedule).
    pub major: Vec<ContextPart>,
    /// Parts a minor release needs (default none).
    pub minor: Vec<ContextPart>,
    /// Parts a patch release needs (default none).
    pub patch: Vec<ContextPart>,
    /// Parts an emergency release needs (default calendar, schedule).
    pub emergency: Vec<ContextPart>,
    /// A release of any kind needs a CMDB when its risk is assessed (no
    /// level given in the context or on the release) and the risk weights
    /// give `blast_radius` a weight above 0 (default true).
    pub cmdb_when_blast_radius: bool,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for ReadinessPolicy {
    fn default() -> Self {
        use ContextPart::{Calendar, Schedule};
        ReadinessPolicy {
            major: vec![Calendar, Schedule],
            minor: Vec::new(),
            patch: Vec::new(),
            emergency: vec![Calendar, Schedule],
            cmdb_when_blast_radius: true,
            extra: Extra::new(),
        }
    }
}

impl ReadinessPolicy {
    /// True when every field is the default (the section is then not
    /// written).
    pub fn is_default(&self) -> bool {
        *self == ReadinessPolicy::default()
    }

    /// The parts a release kind needs, as the policy lists them.
    pub fn parts(&self, kind: ReleaseKind) -> &[ContextPart] {
        match kind {
            ReleaseKind::Major => &self.major,
            ReleaseKind::Minor => &self.minor,
            ReleaseKind::Patch => &self.patch,
            ReleaseKind::Emergency => &self.emergency,
        }
    }

    /// Appends every problem of the section (paths
    /// `lifecycle.readiness.<kind>[i]` through `at`): a part listed twice
    /// for one kind. An unknown part is refused when the policy is read.
    pub(super) fn check(&self, at: &dyn Fn(&str) -> String, problems: &mut Vec<Problem>) {
        let kinds = [
            ReleaseKind::Major,
            ReleaseKind::Minor,
            ReleaseKind::Patch,
            ReleaseKind::Emergency,
        ];
        for kind in kinds {
            let parts = self.parts(kind);
            for (i, part) in parts.iter().enumerate() {
                if let Some(first) = parts.iter().position(|p| p == part).filter(|&f| f < i) {
                    problems.push(Problem::new(
                        at(&format!("lifecycle.readiness.{}[{i}]", kind.as_str())),
                        format!(
                            "`{}` is listed twice (first at {}[{first}])",
                            part.as_str(),
                            kind.as_str()
                        ),
                    ));
                }
            }
        }
    }
}
