//! The Prometheus HTTP API response (`/api/v1/query_range`, and the
//! instant `/api/v1/query`):
//!
//! ```json
//! {"status": "success", "data": {"resultType": "matrix", "result": [
//!     {"metric": {"__name__": "http_errors", "track": "canary"},
//!      "values": [[1733479200, "0.01"], [1733479215, "NaN"]]}]},
//!  "warnings": ["…"]}
//! ```
//!
//! Values are strings (`"NaN"`, `"+Inf"`, `"-Inf"`, decimals); a gap is a
//! missing point. `resultType` `matrix` (values per series) and `vector`
//! (one `value` per series) are read; `scalar` and `string` carry no labels
//! to select by and are refused. `status: "error"` (with `errorType` and
//! `error`) is the provider's error, not a malformed response. A series
//! with only native `histograms` and no `values` has no float samples.

use super::{kind, point_time, read_series, response_object, Parsed, Series};
use crate::error::Problem;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Reads a response at `base` (`responses.latency`): its series, or the
/// problems found (every one, each at its path).
pub(crate) fn parse(v: &Value, base: &str) -> Result<Parsed, Vec<Problem>> {
    let mut problems = Vec::new();
    let obj = response_object(v, base, "Prometheus", "`status` and `data`")?;
    let status_path = format!("{base}.status");
    match obj.get("status") {
        Some(Value::String(s)) if s == "success" => {}
        Some(Value::String(s)) if s == "error" => {
            let text = |k: &str| obj.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let (error_type, error) = (text("errorType"), text("error"));
            let message = match (error_type.is_empty(), error.is_empty()) {
                (true, true) => "status error (no message)".to_string(),
                (true, false) => error,
                (false, true) => error_type,
                (false, false) => format!("{error_type}: {error}"),
            };
            return Ok(Parsed::Failed(message));
        }
        Some(other) => {
            return Err(vec![Problem::new(
                status_path,
                format!("must be \"success\" or \"error\", got {other}"),
            )])
        }
        None => {
            return Err(vec![Problem::new(
                status_path,
                "missing (a Prometheus response has `status`: \"success\" or \"error\")",
            )])
        }
    }
    let warnings = strings(obj, "warnings", base, &mut problems);
    let data_path = format!("{base}.data");
    let Some(data) = obj.get("data").and_then(Value::as_object) else {
        let got = obj.get("data").map(kind).unwrap_or("missing");
        return Err(vec![Problem::new(
            data_path,
            format!("must be an object with `resultType` and `result`, got {got}"),
        )]);
    };
    let rt_path = format!("{data_path}.resultType");
    let vector = match data.get("resultType") {
        Some(Value::String(s)) if s == "matrix" => false,
        Some(Value::String(s)) if s == "vector" => true,
        Some(Value::String(s)) if s == "scalar" || s == "string" => {
            return Err(vec![Problem::new(
                rt_path,
                format!("a {s} result has no labels to select the baseline and the canary by: query a range vector (query_range, resultType matrix)"),
            )])
        }
        Some(other) => {
            return Err(vec![Problem::new(
                rt_path,
                format!("must be \"matrix\" or \"vector\", got {other}"),
            )])
        }
        None => return Err(vec![Problem::new(rt_path, "missing")]),
    };
    read_series(
        data.get("result"),
        &format!("{data_path}.result"),
        warnings,
        problems,
        |item, path, problems| one_series(item, path, vector, problems),
    )
}

/// A list of strings at `obj[key]` (absent: none).
fn strings(
    obj: &Map<String, Value>,
    key: &str,
    base: &str,
    problems: &mut Vec<Problem>,
) -> Vec<String> {
    match obj.get(key) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, w)| match w {
                Value::String(s) => Some(s.clone()),
                other => {
                    problems.push(Problem::new(
                        format!("{base}.{key}[{i}]"),
                        format!("must be a string, not {}", kind(other)),
                    ));
                    None
                }
            })
            .collect(),
        Some(other) => {
            problems.push(Problem::new(
                format!("{base}.{key}"),
                format!("must be a list of strings, not {}", kind(other)),
            ));
            Vec::new()
        }
    }
}

fn one_series(
    item: &Value,
    path: &str,
    vector: bool,
    problems: &mut Vec<Problem>,
) -> Option<Series> {
    let Some(obj) = item.as_object() else {
        problems.push(Problem::new(
            path,
            format!(
                "a series must be an object with `metric` and `values`, not {}",
                kind(item)
            ),
        ));
        return None;
    };
    let before = problems.len();
    let mut tags = BTreeSet::new();
    match obj.get("metric") {
        Some(Value::Object(labels)) => {
            for (k, v) in labels {
                match v {
                    Value::String(s) => {
                        tags.insert((k.clone(), s.clone()));
                    }
                    other => problems.push(Problem::new(
                        format!("{path}.metric.{k}"),
                        format!("a label value must be a string, not {}", kind(other)),
                    )),
                }
            }
        }
        Some(other) => problems.push(Problem::new(
            format!("{path}.metric"),
            format!("must be an object of labels, not {}", kind(other)),
        )),
        None => problems.push(Problem::new(
            format!("{path}.metric"),
            "missing (the series' labels; `{}` when it has none)",
        )),
    }
    let mut points = Vec::new();
    if vector {
        let p = format!("{path}.value");
        match obj.get("value") {
            Some(v) => {
                if let Some(pt) = point(v, &p, problems) {
                    points.push(pt);
                }
            }
            None => problems.push(Problem::new(p, "missing (an instant vector's sample)")),
        }
    } else {
        let p = format!("{path}.values");
        match obj.get("values") {
            Some(Value::Array(values)) => {
                points.reserve(values.len());
                for (j, v) in values.iter().enumerate() {
                    if let Some(pt) = point(v, &format!("{p}[{j}]"), problems) {
                        points.push(pt);
                    }
                }
            }
            // A series of native histograms only: no float samples.
            None if obj.contains_key("histograms") => {}
            Some(other) => problems.push(Problem::new(
                p,
                format!(
                    "must be a list of [time, \"value\"] pairs, not {}",
                    kind(other)
                ),
            )),
            None => problems.push(Problem::new(p, "missing (the series' samples)")),
        }
    }
    (problems.len() == before).then(|| Series {
        path: path.to_string(),
        tags,
        points,
    })
}

/// `[<unix seconds>, "<value>"]`.
fn point(v: &Value, path: &str, problems: &mut Vec<Problem>) -> Option<(f64, Option<f64>)> {
    let pair = match v.as_array() {
        Some(pair) if pair.len() == 2 => pair,
        _ => {
            problems.push(Problem::new(
                path,
                format!("must be a [time, \"value\"] pair, not {}", shape(v)),
            ));
            return None;
        }
    };
    let (Some(t), Some(x)) = (pair.first(), pair.get(1)) else {
        return None;
    };
    let t = match point_time(t, &format!("{path}[0]"), 1.0, "seconds") {
        Ok(t) => Some(t),
        Err(p) => {
            problems.push(p);
            None
        }
    };
    let x = match x {
        Value::String(s) => match parse_value(s) {
            Some(x) => Some(x),
            None => {
                problems.push(Problem::new(
                    format!("{path}[1]"),
                    format!("not a number string: {}", quoted(s)),
                ));
                None
            }
        },
        other => {
            problems.push(Problem::new(
                format!("{path}[1]"),
                format!(
                    "not a number string: Prometheus writes values as strings (\"0.5\", \"NaN\"), got {}",
                    kind(other)
                ),
            ));
            None
        }
    };
    Some((t?, Some(x?)))
}

/// Prometheus' value text: a decimal, `NaN`, `+Inf`, `-Inf`.
fn parse_value(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ if s
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
            && s.bytes().any(|b| b.is_ascii_digit()) =>
        {
            s.parse::<f64>().ok()
        }
        _ => None,
    }
}

fn shape(v: &Value) -> String {
    match v {
        Value::Array(a) => format!("a list of {}", a.len()),
        other => kind(other).to_string(),
    }
}

/// A string for a message, cut at 40 characters.
fn quoted(s: &str) -> String {
    let cut: String = s.chars().take(40).collect();
    if cut.len() < s.len() {
        format!("\"{cut}…\"")
    } else {
        format!("\"{cut}\"")
    }
}
