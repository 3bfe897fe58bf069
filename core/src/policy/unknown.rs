//! Unknown keys of a policy: the walk of a policy value against its strict
//! schema, and the "did you mean" suggestion (docs/policy.md, "Strict: an
//! unknown key is `invalid_policy`").

use super::is_host_field;
use crate::error::Problem;
use crate::foundation::json_schema::resolve;
use serde_json::{Map, Value};

/// Walks a policy value against the strict schema, appending a problem per
/// key an object schema with `additionalProperties: false` does not know.
pub(super) fn unknown_in(
    schema: &Value,
    defs: &Map<String, Value>,
    value: &Value,
    path: &str,
    out: &mut Vec<Problem>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    let schema = resolve(schema, defs);
    // An optional value (`anyOf: [T, null]`): the first branch that fits.
    if let Some(branches) = schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
    {
        let fits = |b: &&Value| {
            let b = resolve(b, defs);
            (value.is_object() && b.get("properties").is_some())
                || (value.is_array() && b.get("items").is_some())
        };
        if let Some(branch) = branches.iter().find(fits) {
            unknown_in(branch, defs, value, path, out, depth.saturating_add(1));
        }
        return;
    }
    match value {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let extra = schema.get("additionalProperties");
            for (key, v) in map {
                let here = crate::foundation::path::join(path, key);
                if let Some(p) = props.and_then(|p| p.get(key)) {
                    unknown_in(p, defs, v, &here, out, depth.saturating_add(1));
                } else if extra == Some(&Value::Bool(false)) {
                    if !is_host_field(key) {
                        let known = props.into_iter().flat_map(|p| p.keys().map(String::as_str));
                        out.push(unknown_field(here, key, known));
                    }
                } else if let Some(s) = extra.filter(|s| s.is_object()) {
                    unknown_in(s, defs, v, &here, out, depth.saturating_add(1));
                }
            }
        }
        Value::Array(items) => {
            if let Some(s) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    unknown_in(
                        s,
                        defs,
                        v,
                        &format!("{path}[{i}]"),
                        out,
                        depth.saturating_add(1),
                    );
                }
            }
        }
        _ => {}
    }
}

/// The problem of an unknown key at `path`: the closest known key of its
/// level as a suggestion when one is near enough (Damerau–Levenshtein
/// distance ≤ 2, ≤ 1 for keys of three characters or fewer, ignoring case
/// and `-` for `_`), else the known keys.
pub(crate) fn unknown_field<'a>(
    path: String,
    key: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Problem {
    let mut known: Vec<&str> = known.into_iter().collect();
    known.sort_unstable();
    let norm = |s: &str| s.to_lowercase().replace('-', "_");
    let wanted = norm(key);
    let wanted_len = wanted.chars().count();
    let limit = if wanted_len <= 3 { 1 } else { 2 };
    // A distance within `limit` needs lengths within `limit` of each other:
    // only those are compared, so a key of any length costs no more than
    // the known keys themselves.
    let closest = known
        .iter()
        .filter(|k| norm(k).chars().count().abs_diff(wanted_len) <= limit)
        .map(|k| (edit_distance(&wanted, &norm(k)), *k))
        .filter(|(d, _)| *d <= limit)
        .min();
    const HOST: &str = "a field of your own must start with `u_` or `x_`";
    let message = match closest {
        Some((_, k)) => format!("unknown field `{key}`, did you mean `{k}`? ({HOST})"),
        None if known.is_empty() => format!("unknown field `{key}` ({HOST})"),
        None => format!(
            "unknown field `{key}`, expected one of {} ({HOST})",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Problem::new(path, message)
}

/// The optimal-string-alignment (restricted Damerau–Levenshtein) distance:
/// insertions, deletions, substitutions and swaps of adjacent characters.
// Reviewed exception to the arithmetic lint: every index is at most the
// length of one of the two strings (known policy keys, and a key within two
// characters of one), so no sum or product can overflow.
#[allow(clippy::arithmetic_side_effects)]
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d: Vec<usize> = vec![0; (a.len() + 1) * width];
    let get = |d: &[usize], i: usize, j: usize| d.get(i * width + j).copied().unwrap_or(usize::MAX);
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            let v = if i == 0 || j == 0 {
                i + j
            } else {
                let (ca, cb) = (a.get(i - 1), b.get(j - 1));
                let cost = usize::from(ca != cb);
                let mut v = (get(&d, i - 1, j).saturating_add(1))
                    .min(get(&d, i, j - 1).saturating_add(1))
                    .min(get(&d, i - 1, j - 1).saturating_add(cost));
                if i > 1 && j > 1 && ca == b.get(j - 2) && a.get(i - 2) == cb {
                    v = v.min(get(&d, i - 2, j - 2).saturating_add(1));
                }
                v
            };
            if let Some(cell) = d.get_mut(i * width + j) {
                *cell = v;
            }
        }
    }
    get(&d, a.len(), b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        assert_eq!(edit_distance("quorom", "quorum"), 1);
        assert_eq!(
            edit_distance("forbid_team_aproval", "forbid_team_approval"),
            1
        );
        assert_eq!(edit_distance("qourum", "quorum"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn the_suggestion_is_the_closest_known_key() {
        let p = unknown_field("a.quorom".into(), "quorom", ["quorum", "max_risk"]);
        assert!(
            p.message.contains("did you mean `quorum`?"),
            "{}",
            p.message
        );
        let p = unknown_field("a.Max-Risk".into(), "Max-Risk", ["quorum", "max_risk"]);
        assert!(
            p.message.contains("did you mean `max_risk`?"),
            "{}",
            p.message
        );
        let p = unknown_field("a.zzz".into(), "zzz", ["quorum", "max_risk"]);
        assert!(
            p.message.contains("expected one of `max_risk`, `quorum`"),
            "{}",
            p.message
        );
    }
}
