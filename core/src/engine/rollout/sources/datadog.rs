//! The Datadog metrics API v1 `query` response (`GET /api/v1/query`):
//!
//! ```json
//! {"status": "ok", "res_type": "time_series", "from_date": 1733479200000,
//!  "to_date": 1733482800000, "query": "avg:http.errors{*} by {track}",
//!  "series": [{"metric": "http.errors", "scope": "track:canary",
//!              "tag_set": ["track:canary"], "aggr": "avg",
//!              "pointlist": [[1733479200000.0, 0.01], [1733479260000.0, null]]}]}
//! ```
//!
//! Timestamps are Unix milliseconds; a `null` value is a gap. A series'
//! tags are its `tag_set` and the comma-separated `scope` (`*` is none),
//! each `key:value` (a tag without `:` has an empty value). `status:
//! "error"` (with `error`) and an error body `{"errors": ["…"]}` are the
//! provider's error, not a malformed response.

use super::{kind, point_time, read_series, response_object, Parsed, Series};
use crate::error::Problem;
use serde_json::Value;
use std::collections::BTreeSet;

/// Reads a response at `base` (`responses.latency`): its series, or the
/// problems found (every one, each at its path).
pub(crate) fn parse(v: &Value, base: &str) -> Result<Parsed, Vec<Problem>> {
    let obj = response_object(v, base, "Datadog", "`status` and `series`")?;
    let status_path = format!("{base}.status");
    match obj.get("status") {
        Some(Value::String(s)) if s == "ok" => {}
        Some(Value::String(s)) if s == "error" => {
            let message = obj
                .get("error")
                .and_then(Value::as_str)
                .filter(|e| !e.is_empty())
                .unwrap_or("status error (no message)");
            return Ok(Parsed::Failed(message.to_string()));
        }
        None if obj.get("errors").is_some_and(Value::is_array) => {
            let list: Vec<String> = obj
                .get("errors")
                .and_then(Value::as_array)
                .map(|errs| {
                    errs.iter()
                        .map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            return Ok(Parsed::Failed(if list.is_empty() {
                "errors (no message)".to_string()
            } else {
                list.join("; ")
            }));
        }
        Some(other) => {
            return Err(vec![Problem::new(
                status_path,
                format!("must be \"ok\" or \"error\", got {other}"),
            )])
        }
        None => {
            return Err(vec![Problem::new(
                status_path,
                "missing (a Datadog query response has `status`: \"ok\" or \"error\")",
            )])
        }
    }
    read_series(
        obj.get("series"),
        &format!("{base}.series"),
        Vec::new(),
        Vec::new(),
        one_series,
    )
}

fn tag(text: &str) -> (String, String) {
    match text.split_once(':') {
        Some((k, v)) => (k.trim().to_string(), v.trim().to_string()),
        None => (text.trim().to_string(), String::new()),
    }
}

fn one_series(item: &Value, path: &str, problems: &mut Vec<Problem>) -> Option<Series> {
    let Some(obj) = item.as_object() else {
        problems.push(Problem::new(
            path,
            format!(
                "a series must be an object with `tag_set` or `scope` and `pointlist`, not {}",
                kind(item)
            ),
        ));
        return None;
    };
    let before = problems.len();
    let mut tags = BTreeSet::new();
    match obj.get("tag_set") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (j, t) in items.iter().enumerate() {
                match t {
                    Value::String(s) => {
                        tags.insert(tag(s));
                    }
                    other => problems.push(Problem::new(
                        format!("{path}.tag_set[{j}]"),
                        format!(
                            "a tag must be a string (\"key:value\"), not {}",
                            kind(other)
                        ),
                    )),
                }
            }
        }
        Some(other) => problems.push(Problem::new(
            format!("{path}.tag_set"),
            format!("must be a list of \"key:value\" tags, not {}", kind(other)),
        )),
    }
    match obj.get("scope") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => {
            for part in s.split(',').map(str::trim) {
                if !part.is_empty() && part != "*" {
                    tags.insert(tag(part));
                }
            }
        }
        Some(other) => problems.push(Problem::new(
            format!("{path}.scope"),
            format!(
                "must be a string (\"key:value,key:value\"), not {}",
                kind(other)
            ),
        )),
    }
    let p = format!("{path}.pointlist");
    let mut points = Vec::new();
    match obj.get("pointlist") {
        Some(Value::Array(list)) => {
            points.reserve(list.len());
            for (j, v) in list.iter().enumerate() {
                let pp = format!("{p}[{j}]");
                let pair = match v.as_array() {
                    Some(pair) if pair.len() == 2 => pair,
                    _ => {
                        problems.push(Problem::new(
                            pp,
                            match v.as_array() {
                                Some(a) => format!(
                                    "must be a [milliseconds, value] pair, not a list of {}",
                                    a.len()
                                ),
                                None => {
                                    format!("must be a [milliseconds, value] pair, not {}", kind(v))
                                }
                            },
                        ));
                        continue;
                    }
                };
                let (Some(t), Some(x)) = (pair.first(), pair.get(1)) else {
                    continue;
                };
                let t = match point_time(t, &format!("{pp}[0]"), 1000.0, "milliseconds") {
                    Ok(t) => t,
                    Err(e) => {
                        problems.push(e);
                        continue;
                    }
                };
                match x {
                    Value::Null => points.push((t, None)),
                    Value::Number(n) => points.push((t, n.as_f64())),
                    other => problems.push(Problem::new(
                        format!("{pp}[1]"),
                        format!("must be a number or null (a gap), not {}", kind(other)),
                    )),
                }
            }
        }
        Some(other) => problems.push(Problem::new(
            p,
            format!(
                "must be a list of [milliseconds, value] pairs, not {}",
                kind(other)
            ),
        )),
        None => problems.push(Problem::new(p, "missing (the series' points)")),
    }
    (problems.len() == before).then(|| Series {
        path: path.to_string(),
        tags,
        points,
    })
}
