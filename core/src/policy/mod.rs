//! The policy: every rule an organisation would tune, as data.
//!
//! One section per area (`lifecycle`, `risk`, `conflicts`, `rollout`, `kpi`,
//! `notes`, `limits`, `versions`, `servicenow`); every field is optional and [`Policy::default`] is a sound
//! ITIL-style policy. [`Policy::check`] rejects inconsistent values with the
//! path of each problem.
//!
//! A policy is **strict**: a key no section knows, at any depth, is
//! `invalid_policy` at its path with a "did you mean" suggestion, so a typo
//! (`quorom`, `forbid_team_aproval`) cannot leave a default silently in
//! force. Keys of the host organisation start with `u_` or `x_`
//! ([`is_host_field`]); they are allowed at every level and kept and written
//! back unchanged in the `extra` maps. The known keys come from the policy's
//! own JSON Schema ([`strict_schema`]), which says the same with
//! `additionalProperties: false` and `patternProperties` for `^[ux]_`.
//! Vacuous rules (an empty quorum, a notification rule with no recipient, a
//! promotion order of one environment) are refused too (`docs/policy.md`).
//! Other documents keep unknown fields of any name.
//!
//! Layout: this module holds the [`Policy`] document, its checks and its
//! strictness (the strict schema, host fields); one file per section holds
//! that section's types, their defaults and their checks: `lifecycle`
//! (with `gates`, `approval`, `roles`, `separation`, `notifications`),
//! `risk`, `conflicts`, `rollout`, `kpi`, `notes`, `versions`; `limits` is
//! [`crate::limits::LimitsPolicy`]. The policy layer imports only from the
//! foundation and the documents.

use crate::document::Extra;
use crate::error::{Problem, Result};
use crate::limits::LimitsPolicy;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// A schema-only name for a type a policy shares with other documents:
/// the same schema under a def name of its own, so the policy's copy can
/// be strict while the other documents keep unknown fields.
macro_rules! policy_copy {
    ($(#[$doc:meta])* $vis:vis $alias:ident of $ty:ty) => {
        $(#[$doc])*
        $vis struct $alias;

        impl ::schemars::JsonSchema for $alias {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($alias).into()
            }

            fn json_schema(generator: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                <$ty as ::schemars::JsonSchema>::json_schema(generator)
            }
        }
    };
}

mod approval;
mod conflicts;
mod emergency;
mod gates;
mod kpi;
mod lifecycle;
mod notes;
mod notifications;
mod readiness;
mod risk;
mod roles;
mod rollout;
mod routing;
mod separation;
mod servicenow;
mod unknown;
mod versions;

pub use approval::QuorumRule;
pub use conflicts::{CapacityLimit, ConflictPolicy, ConflictSeverities, DEFAULT_MAX_OCCURRENCES};
pub use emergency::{DEFAULT_RETROSPECTIVE_APPROVAL_SECS, MAX_RETROSPECTIVE_APPROVAL_SECS};
pub use gates::{Gates, KindRules};
pub use kpi::{IncidentAttribution, KpiGroupBy, KpiPolicy, SeriesInterval};
pub use lifecycle::LifecyclePolicy;
pub use notes::NotesPolicy;
pub use readiness::{ContextPart, ReadinessPolicy};
pub(crate) use risk::parse_hhmm;
pub use risk::{
    PeakHours, RiskAggregation, RiskBands, RiskCondition, RiskConditionThen, RiskConditionWhen,
    RiskModel, RiskNeutral, RiskPolicy, RiskScales, RiskWeights, TrackRecordPrior, RISK_FACTORS,
};
pub use roles::CommandRoles;
pub use rollout::{AnalysisDefaults, BlueGreenDefaults, JudgeDefaults, RolloutPolicy};
pub use routing::{
    GroupQuorum, GroupQuorumRule, GroupRequirement, QuorumMode, RoutingMatch, RoutingPolicy,
    RoutingRule, RoutingWhen,
};
pub use separation::SeparationOfDuties;
pub use servicenow::{ServiceNowMapping, ServiceNowPolicy, APPROVAL_STATES};
pub(crate) use unknown::unknown_field;
pub use versions::{BumpRule, BumpRules, VersionScheme, VersionsPolicy};

/// The policy document.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema,
)]
#[serde(default)]
pub struct Policy {
    /// Document schema version (current: 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    /// Lifecycle gates, approvals and separation of duties.
    pub lifecycle: LifecyclePolicy,
    /// Risk weights and level bands.
    pub risk: RiskPolicy,
    /// Conflict detection options.
    pub conflicts: ConflictPolicy,
    /// Rollout (blue-green, canary) defaults.
    pub rollout: RolloutPolicy,
    /// KPI options.
    pub kpi: KpiPolicy,
    /// Release notes options.
    pub notes: NotesPolicy,
    /// Limits on input: sizes, counts, depths and lengths (see
    /// [`crate::limits`] and `docs/limits.md`). Not written when it is the
    /// default, so the policy fingerprints of earlier audit events hold.
    #[serde(skip_serializing_if = "LimitsPolicy::is_default")]
    pub limits: LimitsPolicy,
    /// Release versions: their scheme and the bump each kind must make
    /// (`docs/policy.md`, "Versions"). Not written when it is the default,
    /// so the policy fingerprints of earlier audit events hold.
    #[serde(skip_serializing_if = "VersionsPolicy::is_default")]
    pub versions: VersionsPolicy,
    /// How ServiceNow's codes, labels and groups map onto relman, merged
    /// over the out-of-box values (docs/integrations.md, "Mapping"). Not
    /// written when it is the default, so the policy fingerprints of
    /// earlier audit events hold.
    #[serde(skip_serializing_if = "ServiceNowPolicy::is_default")]
    pub servicenow: ServiceNowPolicy,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The largest CMDB walk depth a policy may ask for by default
/// ([`crate::limits::DEFAULT_MAX_CMDB_DEPTH`]; the policy's
/// `limits.max_cmdb_depth` changes it).
pub const MAX_GRAPH_DEPTH: u32 = crate::limits::DEFAULT_MAX_CMDB_DEPTH;

impl Policy {
    /// Every inconsistency of the policy, with paths relative to `base`
    /// (empty for a policy document on its own, `policy` inside a context):
    /// first every unknown key ([`Policy::unknown_fields`]), then every
    /// value out of range or vacuous rule.
    pub fn check(&self, base: &str) -> Vec<Problem> {
        let mut problems = self.unknown_fields(base);
        let at = |field: &str| crate::foundation::path::join(base, field);

        self.lifecycle.check(&at, &mut problems);
        self.risk.check(&at, &mut problems);
        self.rollout.check(&at, &mut problems);
        self.conflicts.check(&at, &mut problems);
        self.kpi.check(&at, &mut problems);
        self.limits.check(&at, &mut problems);
        self.servicenow.check(&at, &mut problems);
        problems
    }

    /// The operation-time limits of the policy on its own settings: the
    /// CMDB walks it asks for (`conflicts.related_ci_depth`,
    /// `risk.blast_radius_depth`) within `limits.max_cmdb_depth`, else
    /// `limit_exceeded` (paths relative to `base`).
    pub fn check_limits(&self, base: &str) -> Result<()> {
        let at = |field: &str| crate::foundation::path::join(base, field);
        self.limits.check_cmdb_depth(
            &at("conflicts.related_ci_depth"),
            self.conflicts.related_ci_depth,
        )?;
        self.limits
            .check_cmdb_depth(&at("risk.blast_radius_depth"), self.risk.blast_radius_depth)
    }
}

impl Policy {
    /// Every key of the policy that no section knows, at any depth, with
    /// its path under `base` and a "did you mean" suggestion. Keys starting
    /// `u_` or `x_` ([`is_host_field`]) are allowed everywhere. The known
    /// keys are the properties of [`strict_schema`] at that level; the keys
    /// found are those serde kept in the `extra` maps.
    pub fn unknown_fields(&self, base: &str) -> Vec<Problem> {
        let mut problems = Vec::new();
        // Serialising a policy cannot fail (string keys only); were it to,
        // the typed checks still run.
        if let Ok(value) = serde_json::to_value(self) {
            let schema = strict_policy_schema();
            let empty = Map::new();
            let defs = schema
                .get("$defs")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            unknown::unknown_in(schema, defs, &value, base, &mut problems, 0);
        }
        problems
    }
}

/// The `patternProperties` pattern of the keys a policy object may carry
/// beyond its known fields: host fields starting `u_` or `x_`.
pub const HOST_FIELD_PATTERN: &str = "^[ux]_";

/// True for a host field name (`u_reviewed_at`, `x_ticket`): allowed at
/// every level of a policy and kept unchanged.
pub fn is_host_field(key: &str) -> bool {
    key.starts_with("u_") || key.starts_with("x_")
}

/// The JSON Schema of the policy document, strict: every object of the
/// policy has `additionalProperties: false` and `patternProperties` for
/// [`HOST_FIELD_PATTERN`] (what `relman schema policy` prints).
pub fn strict_schema() -> Value {
    strict_policy_schema().clone()
}

/// Whether `key` may stand at the top level of a policy document: a
/// property of [`strict_schema`], `schema_version` or a host field.
pub(crate) fn is_top_level_key(key: &str) -> bool {
    key == "schema_version"
        || is_host_field(key)
        || strict_policy_schema()
            .get("properties")
            .and_then(|p| p.get(key))
            .is_some()
}

fn strict_policy_schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut schema = crate::foundation::json_schema::generator(crate::document::SCHEMA_VERSION)
            .into_root_schema_for::<Policy>()
            .to_value();
        make_strict(&mut schema);
        schema
    })
}

/// Makes the policy inside a generated root schema strict, wherever it is:
/// the root itself when it is the policy's schema, else the `Policy` def
/// (a context's or a schedule's policy); with every def the policy
/// reaches. Each object schema with `properties` gets
/// `additionalProperties: false` and `patternProperties: {"^[ux]_": {}}`.
/// A schema without a policy is left as it is.
pub fn make_strict(root: &mut Value) {
    let is_policy = root.get("title").and_then(Value::as_str) == Some("Policy");
    let mut names = Vec::new();
    if is_policy {
        collect_refs(root, &mut names);
    } else if let Some(policy) = root.pointer("/$defs/Policy") {
        names.push("Policy".to_string());
        collect_refs(policy, &mut names);
    } else {
        return;
    }
    // Every def the policy reaches, transitively.
    let mut i = 0;
    while let Some(name) = names.get(i).cloned() {
        if let Some(def) = root.get("$defs").and_then(|d| d.get(&name)) {
            let mut more = Vec::new();
            collect_refs(def, &mut more);
            for m in more {
                if !names.contains(&m) {
                    names.push(m);
                }
            }
        }
        i = i.saturating_add(1);
    }
    if is_policy {
        strict_objects(root);
    }
    if let Some(defs) = root.get_mut("$defs").and_then(Value::as_object_mut) {
        for name in &names {
            if let Some(def) = defs.get_mut(name) {
                strict_objects(def);
            }
        }
    }
}

/// The def names a schema refers to (`#/$defs/Name`), outside `$defs`.
fn collect_refs(schema: &Value, out: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$defs" {
                    continue;
                }
                if k == "$ref" {
                    if let Some(name) = v.as_str().and_then(|r| r.strip_prefix("#/$defs/")) {
                        if !out.iter().any(|n| n == name) {
                            out.push(name.to_string());
                        }
                    }
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Makes every object schema with `properties` in `schema` strict, walking
/// only schema positions (properties, items, branches), not `$defs`.
fn strict_objects(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if obj.contains_key("properties") {
        obj.insert("additionalProperties".into(), Value::Bool(false));
        let mut patterns = Map::new();
        patterns.insert(HOST_FIELD_PATTERN.into(), Value::Object(Map::new()));
        obj.insert("patternProperties".into(), Value::Object(patterns));
    }
    for (k, v) in obj.iter_mut() {
        match k.as_str() {
            "properties" => {
                if let Some(props) = v.as_object_mut() {
                    props.values_mut().for_each(strict_objects);
                }
            }
            "items" | "additionalProperties" => strict_objects(v),
            "anyOf" | "oneOf" | "allOf" | "prefixItems" => {
                if let Some(branches) = v.as_array_mut() {
                    branches.iter_mut().for_each(strict_objects);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every object the policy holds is a struct that keeps unknown keys
    /// (a flattened `extra` map), so the strict check sees every one
    /// (that every published schema carries the same policy defs is
    /// checked in `core/tests/policy_schemas.rs`).
    #[test]
    fn every_policy_object_is_strict() {
        let policy = strict_schema();
        let defs = policy["$defs"].as_object().unwrap();
        assert_eq!(policy["additionalProperties"], false);
        for (name, def) in defs {
            if def.get("properties").is_some() {
                assert_eq!(def["additionalProperties"], false, "{name}");
                assert_eq!(
                    def["patternProperties"][HOST_FIELD_PATTERN],
                    serde_json::json!({}),
                    "{name}"
                );
            }
        }
        assert!(defs.contains_key("PolicyNotifyRule"));
        assert!(!defs.contains_key("NotifyRule"));
        assert!(defs.contains_key("PolicyRiskModel"));
    }
}
