//! Every structural problem of a JSON document at once, found by walking the
//! document against its published JSON Schema.
//!
//! serde stops at the first structural error; this walk continues, so
//! `validate` can list every wrong type, missing field and unknown enum
//! value of a document together. It understands exactly the keywords the
//! schemas of [`crate::schema`] use (`$ref`, `type`, `properties`,
//! `required`, `items`, `anyOf`, `oneOf`, `const`, `minimum`, `maximum`,
//! `format`, and `additionalProperties: false` with the host-field
//! `patternProperties` of a policy) and is stricter than JSON Schema where serde is: an integer
//! field takes no fraction (`600.0`), a `date-time` must parse as a relman
//! timestamp.

use crate::error::Problem;
use crate::foundation::json_schema::resolve;
use serde_json::{Map, Value};

/// The published JSON Schema of `T` (draft 2020-12, as schemars writes
/// it, made portable: integer bounds instead of number formats, the
/// supported `schema_version` only), with every policy in it made strict:
/// only known and `u_`/`x_` keys.
pub(crate) fn schema_for<T: schemars::JsonSchema>() -> Value {
    let schema = crate::foundation::json_schema::generator(crate::document::SCHEMA_VERSION)
        .into_root_schema_for::<T>();
    let mut value = schema.to_value();
    crate::policy::make_strict(&mut value);
    value
}

/// Walks `value` against `schema` (a root schema with `$defs`), appending a
/// problem per violation. Paths are written like serde paths
/// (`changes[1].summary`).
pub(crate) fn problems(schema: &Value, value: &Value) -> Vec<Problem> {
    let empty = Map::new();
    let defs = schema
        .get("$defs")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut out = Vec::new();
    walk(schema, defs, value, "", &mut out, 0);
    out
}

const MAX_DEPTH: usize = 64;

fn join(base: &str, field: &str) -> String {
    crate::foundation::path::join(base, field)
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => {
            let short: String = s.chars().take(40).collect();
            format!("string \"{short}\"")
        }
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

fn type_matches(name: &str, value: &Value, unsigned: bool) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "number" => value.is_number(),
        // An unsigned integer (`minimum` 0) needs a non-negative integer.
        "integer" if unsigned => value.as_u64().is_some(),
        "integer" => value.is_i64() || value.is_u64(),
        _ => true,
    }
}

fn type_word(name: &str) -> &str {
    match name {
        "array" => "a list",
        "object" => "an object",
        "string" => "a string",
        "integer" => "a whole number",
        "number" => "a number",
        "boolean" => "true or false",
        "null" => "null",
        other => other,
    }
}

/// The `const` a branch requires of a string or of the property `tag`.
fn branch_tag<'a>(
    branch: &'a Value,
    defs: &'a Map<String, Value>,
) -> Option<(Option<&'a str>, &'a Value)> {
    let b = resolve(branch, defs);
    if let Some(c) = b.get("const") {
        return Some((None, c));
    }
    let props = b.get("properties")?.as_object()?;
    props
        .iter()
        .find_map(|(k, v)| v.get("const").map(|c| (Some(k.as_str()), c)))
}

fn walk(
    schema: &Value,
    defs: &Map<String, Value>,
    value: &Value,
    path: &str,
    out: &mut Vec<Problem>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let schema = resolve(schema, defs);
    let Some(obj) = schema.as_object() else {
        return;
    };

    if let Some(branches) = obj
        .get("anyOf")
        .or_else(|| obj.get("oneOf"))
        .and_then(Value::as_array)
    {
        let mut best: Option<Vec<Problem>> = None;
        for b in branches {
            // `null` is offered for optional values; a non-null value is
            // judged by the other branches.
            if !value.is_null() && resolve(b, defs).get("type") == Some(&Value::from("null")) {
                continue;
            }
            let mut trial = Vec::new();
            walk(b, defs, value, path, &mut trial, depth.saturating_add(1));
            if trial.is_empty() {
                best = None;
                break;
            }
            // Prefer the branch selected by a matching tag, else the closest.
            let tagged = branch_tag(b, defs).is_some_and(|(key, c)| match key {
                None => false,
                Some(k) => value.get(k) == Some(c),
            });
            if tagged || best.as_ref().is_none_or(|p| trial.len() < p.len()) {
                best = Some(trial);
                if tagged {
                    break;
                }
            }
            // Keep looking for an exact match.
        }
        if let Some(found) = best {
            // A value matching no constant: one clear message listing them.
            let consts: Vec<String> = branches
                .iter()
                .filter_map(|b| branch_tag(b, defs))
                .filter(|(k, _)| k.is_none())
                .map(|(_, c)| format!("`{}`", c.as_str().unwrap_or_default()))
                .collect();
            if !consts.is_empty() && consts.len() == branches.len() {
                out.push(Problem::new(
                    path,
                    format!(
                        "unknown variant {}, expected one of {}",
                        describe(value),
                        consts.join(", ")
                    ),
                ));
            } else if let Some((Some(key), _)) = branches.first().and_then(|b| branch_tag(b, defs))
            {
                let tags: Vec<String> = branches
                    .iter()
                    .filter_map(|b| branch_tag(b, defs))
                    .map(|(_, c)| format!("`{}`", c.as_str().unwrap_or_default()))
                    .collect();
                let matches_tag = branches.iter().any(|b| {
                    branch_tag(b, defs)
                        .is_some_and(|(k, c)| k.is_some_and(|k| value.get(k) == Some(c)))
                });
                if matches_tag || !value.is_object() {
                    out.extend(found);
                } else {
                    out.push(Problem::new(
                        join(path, key),
                        format!(
                            "unknown or missing `{key}`, expected one of {}",
                            tags.join(", ")
                        ),
                    ));
                }
            } else {
                out.extend(found);
            }
        }
    }
    if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
        for b in all {
            walk(b, defs, value, path, out, depth.saturating_add(1));
        }
    }
    if let Some(c) = obj.get("const") {
        if value != c {
            out.push(Problem::new(
                path,
                format!("expected `{c}`, got {}", describe(value)),
            ));
        }
        return;
    }
    let format = obj.get("format").and_then(Value::as_str);
    if let Some(t) = obj.get("type") {
        let names: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let unsigned = obj
            .get("minimum")
            .and_then(Value::as_f64)
            .is_some_and(|m| m >= 0.0);
        if !names.is_empty() && !names.iter().any(|n| type_matches(n, value, unsigned)) {
            let wanted: Vec<&str> = names
                .iter()
                .filter(|n| **n != "null")
                .map(|n| type_word(n))
                .collect();
            out.push(Problem::new(
                path,
                format!(
                    "invalid type: {}, expected {}",
                    describe(value),
                    wanted.join(" or ")
                ),
            ));
            return;
        }
    }
    if let Some(n) = value.as_f64() {
        if let Some(min) = obj.get("minimum").and_then(Value::as_f64) {
            if n < min {
                out.push(Problem::new(
                    path,
                    format!("must be at least {min}, got {n}"),
                ));
            }
        }
        if let Some(max) = obj.get("maximum").and_then(Value::as_f64) {
            if n > max {
                out.push(Problem::new(
                    path,
                    format!("must be at most {max}, got {n}"),
                ));
            }
        }
    }
    if format == Some("date-time") {
        if let Some(s) = value.as_str() {
            if let Err(e) = crate::Timestamp::parse(s) {
                out.push(Problem::new(path, e));
            }
        }
    }
    if let Some(map) = value.as_object() {
        let props = obj.get("properties").and_then(Value::as_object);
        if let Some(required) = obj.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if !map.contains_key(name) {
                    out.push(Problem::new(
                        join(path, name),
                        format!("missing field `{name}`"),
                    ));
                }
            }
        }
        if let Some(props) = props {
            for (k, v) in map {
                if let Some(s) = props.get(k) {
                    walk(s, defs, v, &join(path, k), out, depth.saturating_add(1));
                }
            }
        }
        // A strict object (a policy's): unknown keys other than host
        // fields (`patternProperties` `^[ux]_`) are problems.
        if obj.get("additionalProperties") == Some(&Value::Bool(false)) {
            let empty = Map::new();
            let known = props.unwrap_or(&empty);
            let host = obj
                .get("patternProperties")
                .is_some_and(|p| p.get(crate::policy::HOST_FIELD_PATTERN).is_some());
            for k in map.keys() {
                let allowed = known.contains_key(k) || host && crate::policy::is_host_field(k);
                if !allowed {
                    let names = known.keys().map(String::as_str);
                    out.push(crate::policy::unknown_field(join(path, k), k, names));
                }
            }
        }
    }
    if let (Some(items), Some(list)) = (obj.get("items"), value.as_array()) {
        for (i, v) in list.iter().enumerate() {
            walk(
                items,
                defs,
                v,
                &format!("{path}[{i}]"),
                out,
                depth.saturating_add(1),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DocumentKind;

    fn schema(kind: DocumentKind) -> Value {
        crate::schema::schema(kind.name()).unwrap()
    }

    #[test]
    fn the_samples_have_no_structural_problem() {
        let samples = [
            (
                DocumentKind::Release,
                include_str!("../../../examples/data/release-major.json"),
            ),
            (
                DocumentKind::Release,
                include_str!("../../../examples/data/release-minor.json"),
            ),
            (
                DocumentKind::Release,
                include_str!("../../../examples/data/release-emergency.json"),
            ),
            (
                DocumentKind::Cmdb,
                include_str!("../../../examples/data/cmdb.json"),
            ),
            (
                DocumentKind::Calendar,
                include_str!("../../../examples/data/calendar.json"),
            ),
            (
                DocumentKind::History,
                include_str!("../../../examples/data/history.json"),
            ),
            (
                DocumentKind::Context,
                include_str!("../../../examples/data/context.json"),
            ),
            (
                DocumentKind::Schedule,
                include_str!("../../../examples/data/schedule.json"),
            ),
            (
                DocumentKind::Policy,
                include_str!("../../../examples/data/policy.json"),
            ),
        ];
        for (kind, text) in samples {
            let value: Value = serde_json::from_str(text).unwrap();
            assert_eq!(problems(&schema(kind), &value), vec![], "{kind}");
        }
        let command = serde_json::json!({"command": "approve", "actor": "a", "at": "2026-01-01T00:00:00Z", "role": "cab"});
        assert_eq!(problems(&schema(DocumentKind::Command), &command), vec![]);
    }

    #[test]
    fn every_structural_problem_is_found() {
        let value = serde_json::json!({
            "id": "R", "kind": "huge", "state": "planning", "schema_version": 1.5,
            "planned_start": "2026-01-01 00:00:00Z",
            "changes": [{"id": "C", "kind": "normal", "summary": "s", "affected_cis": "web-1"},
                        {"id": "D", "kind": "normal"}],
            "tests": [{"kind": "unit", "passed": -1}],
            "rollback_plan": null
        });
        let found = problems(&schema(DocumentKind::Release), &value);
        let paths: Vec<&str> = found.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "title",
                "changes[0].affected_cis",
                "changes[1].summary",
                "kind",
                "planned_start",
                "schema_version",
                "tests[0].passed",
            ],
            "{found:#?}"
        );
        assert!(
            found[3]
                .message
                .contains("unknown variant string \"huge\", expected one of `major`"),
            "{}",
            found[3].message
        );
    }

    #[test]
    fn a_command_with_an_unknown_tag_names_the_tag() {
        let value =
            serde_json::json!({"command": "launch", "actor": "a", "at": "2026-01-01T00:00:00Z"});
        let found = problems(&schema(DocumentKind::Command), &value);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].path, "command");
        assert!(
            found[0].message.contains("`advance`"),
            "{}",
            found[0].message
        );
        // A known tag with a bad parameter points at the parameter.
        let value = serde_json::json!({"command": "approve", "actor": "a", "at": "2026-01-01T00:00:00Z", "role": "boss"});
        let found = problems(&schema(DocumentKind::Command), &value);
        assert_eq!(
            found.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(),
            ["role"],
            "{found:#?}"
        );
    }
}
