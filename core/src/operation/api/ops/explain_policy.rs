//! `explain_policy`: the effective policy, every value with its source.

use crate::api::read::ParamForm;
use crate::error::{Result, Warning};
use crate::foundation::path::join;
use crate::limits::Limits;
use crate::Policy;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

operation! {
    /// The policy in force: `policy` (default: the default policy) with
    /// every default filled in, and every leaf value of it — a string,
    /// number, boolean, null or list — with its JSON path and its source:
    /// `given` when the input policy sets it, `default` when relman fills
    /// it in. A policy relman refuses is `invalid_policy`, as everywhere.
    name: explain_policy,
    position: 19,
    summary: "The effective policy with every default filled in, and where each value comes from",
    params ExplainPolicyParams {
        /// The policy to explain (default: the default policy, `{}`).
        policy: opt GivenPolicy as DocAndInput,
    }
    result: PolicyExplanation,
    run(p) {
        let (policy, input, warnings) = match p.policy {
            Some(given) => (given.policy, given.input, given.warnings),
            None => (Policy::default(), Value::Object(Default::default()), Vec::new()),
        };
        let mut effective = crate::api::out(&policy)?;
        // The versions section, the risk aggregation, the risk
        // conditions and the routing table are not written when they are the default (so policy
        // fingerprints hold); their defaults are listed all the same.
        if let Value::Object(map) = &mut effective {
            if !map.contains_key("versions") {
                map.insert("versions".into(), crate::api::out(&policy.versions)?);
            }
            // The approval routing table likewise (docs/lifecycle.md,
            // "Approval routing"): no rule, every matching rule applies.
            if let Some(Value::Object(lifecycle)) = map.get_mut("lifecycle") {
                let routing = lifecycle
                    .entry("routing")
                    .or_insert_with(|| Value::Object(Default::default()));
                if let Value::Object(routing) = routing {
                    if !routing.contains_key("match") {
                        routing.insert("match".into(), crate::api::out(policy.lifecycle.routing.mode)?);
                    }
                    if !routing.contains_key("rules") {
                        routing.insert("rules".into(), Value::Array(Vec::new()));
                    }
                }
            }
            if let Some(Value::Object(risk)) = map.get_mut("risk") {
                if !risk.contains_key("aggregation") {
                    risk.insert(
                        "aggregation".into(),
                        crate::api::out(policy.risk.aggregation)?,
                    );
                }
                if !risk.contains_key("conditions") {
                    risk.insert("conditions".into(), Value::Array(Vec::new()));
                }
            }
        }
        let mut values = Vec::new();
        explain(&effective, Some(&input), "", &mut values);
        Ok(PolicyExplanation {
            policy,
            values,
            warnings,
        })
    }
}

/// A policy as read, with the JSON it was read from.
pub struct GivenPolicy {
    policy: Policy,
    input: Value,
    warnings: Vec<Warning>,
}

/// Reads a policy document (as every `policy` parameter is read) and keeps
/// its JSON, to tell given values from defaults.
#[derive(Debug)]
pub enum DocAndInput {}

impl Read<GivenPolicy> for DocAndInput {
    type Schema = Policy;
    const FORM: ParamForm = ParamForm::Document;
    fn read(_name: &str, value: Value, limits: &Limits) -> Result<GivenPolicy> {
        let input = value.clone();
        let parsed = crate::validate::from_value_with_limits::<Policy>(value, limits)?;
        Ok(GivenPolicy {
            policy: parsed.document,
            input,
            warnings: parsed.warnings,
        })
    }
}

/// The result of `explain_policy`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PolicyExplanation {
    /// The effective policy: every default filled in.
    pub policy: Policy,
    /// Every leaf value of `policy`, in key order.
    pub values: Vec<PolicyValue>,
    /// What was odd but acceptable in the input policy.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// One leaf value of the effective policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PolicyValue {
    /// Its JSON path (`risk.weights.change_size`).
    pub path: String,
    /// The value in force.
    pub value: Value,
    /// Whether the input policy set it or relman filled it in.
    pub source: ValueSource,
}

/// Where a value of the effective policy comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValueSource {
    /// The input policy sets it.
    Given,
    /// relman's default.
    Default,
}

/// Lists every leaf (anything but a non-empty object) under `value`, in
/// key order, with its path; `input` is the same place in the input
/// policy, if it is there.
fn explain(value: &Value, input: Option<&Value>, path: &str, out: &mut Vec<PolicyValue>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, child) in map {
                let given = input.and_then(|i| i.get(key));
                explain(child, given, &join(path, key), out);
            }
        }
        leaf => out.push(PolicyValue {
            path: path.to_string(),
            value: leaf.clone(),
            source: if input.is_some() {
                ValueSource::Given
            } else {
                ValueSource::Default
            },
        }),
    }
}
