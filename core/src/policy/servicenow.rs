//! ServiceNow section: how ServiceNow's codes, labels and groups map onto
//! relman (docs/integrations.md, "Mapping").
//!
//! Every table here is merged over ServiceNow's out-of-box values: an entry
//! given replaces the default of the same key or adds one, and every other
//! default stays in force. So a policy names only what its instance changed
//! (a custom change type, a site's CAB group), and an empty section is the
//! out-of-box mapping.

use crate::document::{ChangeKind, Extra, ReleaseKind, Role, State};
use crate::error::Problem;
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;

policy_copy! {
    /// The schema of [`ServiceNowPolicy`] under a name of its own, for the
    /// documents that carry it outside a policy (the import's
    /// `options.mapping`): the policy's copy is strict, theirs is not.
    pub ServiceNowMapping of ServiceNowPolicy
}

/// ServiceNow section.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema,
)]
#[serde(default)]
pub struct ServiceNowPolicy {
    /// `change_request.type` value → change kind (out of box: `standard`,
    /// `normal`, `emergency`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub change_types: BTreeMap<String, ChangeKind>,
    /// `change_request.state` code → the name kept on the change (out of
    /// box: -5 `new` … 4 `canceled`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub change_states: BTreeMap<String, String>,
    /// `rm_release.state` code → lifecycle state (out of box: -5 and 1
    /// `planning`, 2 `development`, 3 and 4 `closed`, 7 `cancelled`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub release_states: BTreeMap<String, State>,
    /// `change_request.risk` code → name (out of box: 1 `very_high`, 2
    /// `high`, 3 `moderate`, 4 `low`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub risks: BTreeMap<String, String>,
    /// `impact` code → name (out of box: 1 `high`, 2 `medium`, 3 `low`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub impacts: BTreeMap<String, String>,
    /// `priority` code → name (out of box: 1 `critical` … 5 `planning`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub priorities: BTreeMap<String, String>,
    /// Group name (`sys_user_group.name`) → the role its members hold and
    /// vote in (out of box: `CAB Approval` → `cab`, `ECAB Approval` →
    /// `ecab`, `Change Management` → `release_manager`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub group_roles: BTreeMap<String, Role>,
    /// The `rm_release` field that holds the release's kind (e.g.
    /// `u_release_type`); ServiceNow has none out of box. Absent: a release
    /// is `emergency` when one of its change requests is, else `minor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_kind_field: Option<String>,
    /// Values of `release_kind_field` → kind (out of box: `major`,
    /// `minor`, `patch`, `emergency`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub release_kinds: BTreeMap<String, ReleaseKind>,
    /// For rows fetched as display values only: `table.field` → choice
    /// label → stored value (out of box: the English labels of the
    /// choices above, e.g. `change_request.state` `Scheduled` → `-2`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, BTreeMap<String, String>>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `change_request.state`: the "new change model" choices (Istanbul and
/// later), with their labels.
const CHANGE_STATES: [(&str, &str, &str); 8] = [
    ("-5", "new", "New"),
    ("-4", "assess", "Assess"),
    ("-3", "authorize", "Authorize"),
    ("-2", "scheduled", "Scheduled"),
    ("-1", "implement", "Implement"),
    ("0", "review", "Review"),
    ("3", "closed", "Closed"),
    ("4", "canceled", "Canceled"),
];

/// `rm_release.state`: the `planned_task` state choices, their relman
/// state, the name kept on the release and the label.
const RELEASE_STATES: [(&str, State, &str, &str); 6] = [
    ("-5", State::Planning, "pending", "Pending"),
    ("1", State::Planning, "open", "Open"),
    (
        "2",
        State::Development,
        "work_in_progress",
        "Work in Progress",
    ),
    ("3", State::Closed, "closed_complete", "Closed Complete"),
    ("4", State::Closed, "closed_incomplete", "Closed Incomplete"),
    ("7", State::Cancelled, "closed_skipped", "Closed Skipped"),
];

/// `change_request.risk` choices.
const RISKS: [(&str, &str, &str); 4] = [
    ("1", "very_high", "Very High"),
    ("2", "high", "High"),
    ("3", "moderate", "Moderate"),
    ("4", "low", "Low"),
];

/// `task.impact` choices.
const IMPACTS: [(&str, &str, &str); 3] = [
    ("1", "high", "1 - High"),
    ("2", "medium", "2 - Medium"),
    ("3", "low", "3 - Low"),
];

/// `task.priority` choices.
const PRIORITIES: [(&str, &str, &str); 5] = [
    ("1", "critical", "1 - Critical"),
    ("2", "high", "2 - High"),
    ("3", "moderate", "3 - Moderate"),
    ("4", "low", "4 - Low"),
    ("5", "planning", "5 - Planning"),
];

/// `change_request.type` choices.
const CHANGE_TYPES: [(&str, ChangeKind, &str); 3] = [
    ("standard", ChangeKind::Standard, "Standard"),
    ("normal", ChangeKind::Normal, "Normal"),
    ("emergency", ChangeKind::Emergency, "Emergency"),
];

/// `change_request.approval` choices (the task's approval summary).
const TASK_APPROVALS: [(&str, &str); 7] = [
    ("not requested", "Not Yet Requested"),
    ("requested", "Requested"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("cancelled", "Cancelled"),
    ("not_required", "No Longer Required"),
    ("duplicate", "Duplicate"),
];

/// `sysapproval_approver.state` / `sysapproval_group.approval` choices.
pub const APPROVAL_STATES: [(&str, &str); 6] = [
    ("requested", "Requested"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("not_required", "No Longer Required"),
    ("cancelled", "Cancelled"),
    ("duplicate", "Duplicate"),
];

/// `cmdb_ci.business_criticality` choices (the leading digit is read).
const CRITICALITY: [(&str, &str); 4] = [
    ("1 - most critical", "1 - most critical"),
    ("2 - somewhat critical", "2 - somewhat critical"),
    ("3 - less critical", "3 - less critical"),
    ("4 - not critical", "4 - not critical"),
];

/// Out-of-box group roles.
const GROUP_ROLES: [(&str, Role); 3] = [
    ("CAB Approval", Role::Cab),
    ("ECAB Approval", Role::Ecab),
    ("Change Management", Role::ReleaseManager),
];

/// Out-of-box release kinds of `release_kind_field`.
const RELEASE_KINDS: [(&str, ReleaseKind); 4] = [
    ("major", ReleaseKind::Major),
    ("minor", ReleaseKind::Minor),
    ("patch", ReleaseKind::Patch),
    ("emergency", ReleaseKind::Emergency),
];

/// A value of the policy's table, else of the out-of-box one.
fn either<'a, T: Clone, D: Clone>(
    given: &'a BTreeMap<String, T>,
    key: &str,
    defaults: impl IntoIterator<Item = (&'a str, D)>,
    from_default: impl Fn(D) -> T,
) -> Option<T> {
    given.get(key).cloned().or_else(|| {
        defaults
            .into_iter()
            .find(|(k, _)| *k == key)
            .map(|(_, d)| from_default(d))
    })
}

impl ServiceNowPolicy {
    /// True when nothing is set (the out-of-box mapping).
    pub fn is_default(&self) -> bool {
        *self == ServiceNowPolicy::default()
    }

    /// The change kind of a `change_request.type` value.
    pub fn change_kind(&self, value: &str) -> Option<ChangeKind> {
        either(
            &self.change_types,
            value,
            CHANGE_TYPES.iter().map(|(k, v, _)| (*k, *v)),
            |v| v,
        )
    }

    /// The name of a `change_request.state` code.
    pub fn change_state(&self, code: &str) -> Option<String> {
        either(
            &self.change_states,
            code,
            CHANGE_STATES.iter().map(|(k, v, _)| (*k, *v)),
            String::from,
        )
    }

    /// The lifecycle state of an `rm_release.state` code, and the name of
    /// the code (out-of-box codes only; a policy's own code has none).
    pub fn release_state(&self, code: &str) -> Option<(State, Option<&'static str>)> {
        let name = RELEASE_STATES
            .iter()
            .find(|(k, ..)| *k == code)
            .map(|(_, _, n, _)| *n);
        either(
            &self.release_states,
            code,
            RELEASE_STATES.iter().map(|(k, s, ..)| (*k, *s)),
            |s| s,
        )
        .map(|s| (s, name))
    }

    /// The name of a `change_request.risk` code.
    pub fn risk(&self, code: &str) -> Option<String> {
        either(
            &self.risks,
            code,
            RISKS.iter().map(|(k, v, _)| (*k, *v)),
            String::from,
        )
    }

    /// The name of an `impact` code.
    pub fn impact(&self, code: &str) -> Option<String> {
        either(
            &self.impacts,
            code,
            IMPACTS.iter().map(|(k, v, _)| (*k, *v)),
            String::from,
        )
    }

    /// The name of a `priority` code.
    pub fn priority(&self, code: &str) -> Option<String> {
        either(
            &self.priorities,
            code,
            PRIORITIES.iter().map(|(k, v, _)| (*k, *v)),
            String::from,
        )
    }

    /// The role the members of group `name` hold.
    pub fn group_role(&self, name: &str) -> Option<Role> {
        either(&self.group_roles, name, GROUP_ROLES, |r| r)
    }

    /// The release kind of a `release_kind_field` value.
    pub fn release_kind(&self, value: &str) -> Option<ReleaseKind> {
        either(&self.release_kinds, value, RELEASE_KINDS, |k| k)
    }

    /// The stored value of choice `label` of `table.field` (display-only
    /// rows), or `None` when the label is unknown.
    pub fn label_value(&self, table: &str, field: &str, label: &str) -> Option<String> {
        let key = format!("{table}.{field}");
        if let Some(v) = self.labels.get(&key).and_then(|m| m.get(label)) {
            return Some(v.clone());
        }
        default_labels(table, field)?
            .into_iter()
            .find(|(_, l)| *l == label)
            .map(|(v, _)| v.to_string())
    }

    /// Every problem of the section, at paths made by `at`: an empty key
    /// or value in a table.
    pub(crate) fn check(&self, at: &dyn Fn(&str) -> String, problems: &mut Vec<Problem>) {
        let mut empty = |table: &str, key: &str| {
            if key.trim().is_empty() {
                problems.push(Problem::new(
                    at(&format!("servicenow.{table}")),
                    "a ServiceNow value must not be empty",
                ));
            }
        };
        for (table, keys) in [
            ("change_types", self.change_types.keys().collect::<Vec<_>>()),
            ("change_states", self.change_states.keys().collect()),
            ("release_states", self.release_states.keys().collect()),
            ("risks", self.risks.keys().collect()),
            ("impacts", self.impacts.keys().collect()),
            ("priorities", self.priorities.keys().collect()),
            ("group_roles", self.group_roles.keys().collect()),
            ("release_kinds", self.release_kinds.keys().collect()),
        ] {
            for k in keys {
                empty(table, k);
            }
        }
        if let Some(f) = &self.release_kind_field {
            empty("release_kind_field", f);
        }
    }
}

/// The out-of-box labels of a choice field, as (stored value, label).
fn default_labels(table: &str, field: &str) -> Option<Vec<(&'static str, &'static str)>> {
    let three = |t: &[(&'static str, &'static str, &'static str)]| {
        t.iter().map(|(c, _, l)| (*c, *l)).collect::<Vec<_>>()
    };
    Some(match (table, field) {
        ("change_request", "state") => three(&CHANGE_STATES),
        ("change_request", "risk") => three(&RISKS),
        (_, "impact") => three(&IMPACTS),
        (_, "priority") => three(&PRIORITIES),
        ("change_request", "type") => CHANGE_TYPES.iter().map(|(c, _, l)| (*c, *l)).collect(),
        ("change_request" | "rm_release" | "rm_release_scrum", "approval") => {
            TASK_APPROVALS.to_vec()
        }
        ("rm_release" | "rm_release_scrum", "state") => {
            RELEASE_STATES.iter().map(|(c, _, _, l)| (*c, *l)).collect()
        }
        ("sysapproval_approver", "state") | ("sysapproval_group", "approval") => {
            APPROVAL_STATES.to_vec()
        }
        ("cmdb_ci", "business_criticality") => CRITICALITY.to_vec(),
        _ => return None,
    })
}
