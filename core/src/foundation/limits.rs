//! Limits on hostile input: every size, count, depth and length relman
//! accepts before it spends real work, in one place.
//!
//! [`Limits`] holds the limits that apply while a document is read (its
//! size in bytes as text, JSON nesting depth, items in any one list, CIs and
//! relationships of a CMDB, the length of any one string);
//! [`LimitsPolicy`], the `limits` section of a policy, those an operation
//! applies (CMDB traversal depth, canary samples per metric). Each
//! has a documented default admitting far more than real release data
//! needs; one past a limit is [`Error::LimitExceeded`] (code
//! `limit_exceeded`) naming the path, what was limited, the limit and what
//! was found. `docs/limits.md` lists every limit, including the fixed ones
//! of calendar expansion, slot search and iCalendar export.
//!
//! [`parse`](crate::parse) and [`from_value`](crate::from_value) apply the
//! defaults; [`parse_with_limits`](crate::validate::parse_with_limits) and
//! [`from_value_with_limits`](crate::validate::from_value_with_limits) take
//! custom limits. The operation-time limits come from the `limits` section
//! of the policy in force (a context's, a schedule's or the `policy`
//! parameter).
//!
//! ```
//! use relman::limits::Limits;
//!
//! let limits = Limits { max_string_bytes: 8, ..Limits::default() };
//! let err = relman::validate::parse_with_limits::<relman::Release>(
//!     r#"{"id": "R", "title": "A rather long title", "kind": "minor", "state": "planning"}"#,
//!     &limits,
//! )
//! .unwrap_err();
//! assert_eq!(err.code().as_str(), "limit_exceeded");
//! assert_eq!(err.path(), Some("title"));
//! ```

use super::Extra;
use crate::error::{Error, Problem, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Default of [`Limits::max_document_bytes`]: 256 MiB of JSON text.
pub const DEFAULT_MAX_DOCUMENT_BYTES: u64 = 256 * 1024 * 1024;
/// Default (and most) of [`Limits::max_json_depth`]: serde_json's own
/// recursion limit, [`MAX_JSON_DEPTH`].
pub const DEFAULT_MAX_JSON_DEPTH: u64 = MAX_JSON_DEPTH;

/// The deepest nesting of arrays and objects relman reads (the default and
/// the most of [`Limits::max_json_depth`]): deeper input is
/// `limit_exceeded`.
pub const MAX_JSON_DEPTH: u64 = 128;
/// Default of [`Limits::max_items`]: items in any one list.
pub const DEFAULT_MAX_ITEMS: u64 = 1_000_000;
/// Default of [`Limits::max_cis`].
pub const DEFAULT_MAX_CIS: u64 = 1_000_000;
/// Default of [`Limits::max_relationships`].
pub const DEFAULT_MAX_RELATIONSHIPS: u64 = 5_000_000;
/// Default of [`Limits::max_string_bytes`]: 1 MiB.
pub const DEFAULT_MAX_STRING_BYTES: u64 = 1024 * 1024;
/// Default of [`LimitsPolicy::max_cmdb_depth`].
pub const DEFAULT_MAX_CMDB_DEPTH: u32 = 16;
/// The most [`LimitsPolicy::max_cmdb_depth`] may be raised to.
pub const MAX_CMDB_DEPTH: u32 = 1024;
/// Default of [`LimitsPolicy::max_canary_samples`].
pub const DEFAULT_MAX_CANARY_SAMPLES: u64 = 1_000_000;

/// The read-time limits, applied while a document is read from JSON text
/// ([`crate::parse`]) or a JSON value ([`crate::from_value`]) and so before
/// any policy is known. [`Limits::default`] holds the `DEFAULT_*`
/// constants of this module; [`crate::validate::parse_with_limits`] and
/// [`crate::validate::from_value_with_limits`] take others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Limits {
    /// Most bytes of JSON text in one document (default 256 MiB; does not
    /// apply to values).
    pub max_document_bytes: u64,
    /// Deepest nesting of arrays and objects (default 128; larger values
    /// count as 128).
    pub max_json_depth: u64,
    /// Most items in any one list of a document, other than the CIs and
    /// relationships of a CMDB (default 1 000 000).
    pub max_items: u64,
    /// Most CIs in a list `cis` (a CMDB's; default 1 000 000).
    pub max_cis: u64,
    /// Most relationships in a list `relationships` (default 5 000 000).
    pub max_relationships: u64,
    /// Longest string or object key, in bytes as written in the JSON text
    /// (escapes included) or as held in a value (default 1 MiB). This also
    /// bounds every text the release notes and the .ics export copy from a
    /// document.
    pub max_string_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_document_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
            max_json_depth: DEFAULT_MAX_JSON_DEPTH,
            max_items: DEFAULT_MAX_ITEMS,
            max_cis: DEFAULT_MAX_CIS,
            max_relationships: DEFAULT_MAX_RELATIONSHIPS,
            max_string_bytes: DEFAULT_MAX_STRING_BYTES,
        }
    }
}

/// The `limits` section of a policy: the limits an operation applies with
/// the policy in force (a context's, a schedule's or the `policy`
/// parameter). Every field is optional in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
#[serde(default)]
pub struct LimitsPolicy {
    /// Deepest CMDB walk the policy may ask for: `conflicts.related_ci_depth`
    /// and `risk.blast_radius_depth` (default 16, at most 1024).
    pub max_cmdb_depth: u32,
    /// Most samples per metric and side that `judge_canary` ranks (default
    /// 1 000 000).
    pub max_canary_samples: u64,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for LimitsPolicy {
    fn default() -> Self {
        LimitsPolicy {
            max_cmdb_depth: DEFAULT_MAX_CMDB_DEPTH,
            max_canary_samples: DEFAULT_MAX_CANARY_SAMPLES,
            extra: Extra::new(),
        }
    }
}

impl LimitsPolicy {
    /// True when every limit is the default and nothing else is set.
    pub fn is_default(&self) -> bool {
        *self == LimitsPolicy::default()
    }

    /// Appends every problem of the section (paths `limits.…` through
    /// `at`): the CMDB depth 1 to [`MAX_CMDB_DEPTH`], at least one sample.
    pub(crate) fn check(&self, at: &dyn Fn(&str) -> String, problems: &mut Vec<Problem>) {
        if !(1..=MAX_CMDB_DEPTH).contains(&self.max_cmdb_depth) {
            problems.push(Problem::new(
                at("limits.max_cmdb_depth"),
                format!(
                    "must be between 1 and {MAX_CMDB_DEPTH}, got {}",
                    self.max_cmdb_depth
                ),
            ));
        }
        if self.max_canary_samples == 0 {
            problems.push(Problem::new(
                at("limits.max_canary_samples"),
                "must be at least 1",
            ));
        }
    }

    /// A CMDB walk depth asked for at `path` (e.g.
    /// `policy.conflicts.related_ci_depth`) within
    /// [`max_cmdb_depth`](LimitsPolicy::max_cmdb_depth).
    pub fn check_cmdb_depth(&self, path: &str, depth: u32) -> Result<()> {
        if depth > self.max_cmdb_depth {
            return Err(exceeded(
                path,
                "CMDB traversal depth",
                u64::from(self.max_cmdb_depth),
                u64::from(depth),
            ));
        }
        Ok(())
    }

    /// A number of canary samples at `path` within
    /// [`max_canary_samples`](LimitsPolicy::max_canary_samples).
    pub fn check_canary_samples(&self, path: &str, count: usize) -> Result<()> {
        let count = count as u64;
        if count > self.max_canary_samples {
            return Err(exceeded(
                path,
                "canary samples per metric",
                self.max_canary_samples,
                count,
            ));
        }
        Ok(())
    }
}

/// The `limit_exceeded` error at `path`.
pub fn exceeded(path: impl Into<String>, what: &str, limit: u64, found: u64) -> Error {
    Error::LimitExceeded {
        path: path.into(),
        what: what.to_string(),
        limit,
        found,
    }
}

/// The path `path` (relative to a value) as seen from the parameter or
/// table `base` holding that value: `base` for the value itself,
/// `base[2]` for an item, `base.result[3].short_description` for a member.
pub fn path_under(base: &str, path: &str) -> String {
    if base.is_empty() {
        path.to_string()
    } else if path.is_empty() {
        base.to_string()
    } else if path.starts_with('[') {
        format!("{base}{path}")
    } else {
        format!("{base}.{path}")
    }
}

/// A `limit_exceeded` error found in a value held by `base` (a parameter
/// or a table), with its path put under `base` ([`path_under`]); any other
/// error unchanged.
pub fn under(err: Error, base: &str) -> Error {
    match err {
        Error::LimitExceeded {
            path,
            what,
            limit,
            found,
        } => Error::LimitExceeded {
            path: path_under(base, &path),
            what,
            limit,
            found,
        },
        other => other,
    }
}

/// What limits a list: its key in the enclosing object.
#[derive(Clone, Copy)]
enum ListKind {
    Items,
    Cis,
    Relationships,
}

impl ListKind {
    fn of(key: Option<&str>) -> ListKind {
        match key {
            Some("cis") => ListKind::Cis,
            Some("relationships") => ListKind::Relationships,
            _ => ListKind::Items,
        }
    }
}

impl Limits {
    fn max_depth(&self) -> u64 {
        self.max_json_depth.min(MAX_JSON_DEPTH)
    }

    fn list_limit(&self, kind: ListKind) -> (u64, &'static str) {
        match kind {
            ListKind::Items => (self.max_items, "items in a list"),
            ListKind::Cis => (self.max_cis, "CIs"),
            ListKind::Relationships => (self.max_relationships, "relationships"),
        }
    }

    /// Checks JSON text against the read-time limits in one pass over its
    /// bytes, before any parsing: size, nesting depth, items per list and
    /// string length. Malformed text is left for the parser to report.
    pub fn check_text(&self, text: &str) -> Result<()> {
        let size = text.len() as u64;
        if size > self.max_document_bytes {
            return Err(exceeded(
                "",
                "document size in bytes",
                self.max_document_bytes,
                size,
            ));
        }
        let max_depth = self.max_depth();
        let bytes = text.as_bytes();
        let mut stack: Vec<TextFrame<'_>> = Vec::new();
        // In an object, the next string is a key.
        let mut want_key = false;
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            // Indices stay within the text (a few bytes past its end at
            // most): the saturating steps below never saturate.
            if b.is_ascii_whitespace() {
                i = i.saturating_add(1);
                continue;
            }
            // The first byte of a value starts an item of the array it is in.
            if let Some(TextFrame::Array {
                count,
                pending,
                kind,
            }) = stack.last_mut()
            {
                if *pending && b != b']' {
                    *pending = false;
                    *count = count.saturating_add(1);
                    let (limit, what) = self.list_limit(*kind);
                    if *count > limit {
                        let found = *count;
                        return Err(exceeded(text_path(&stack, true), what, limit, found));
                    }
                }
            }
            match b {
                b'"' => {
                    let start = i.saturating_add(1);
                    let mut j = start;
                    while let Some(&c) = bytes.get(j) {
                        match c {
                            b'\\' => j = j.saturating_add(2),
                            b'"' => break,
                            _ => j = j.saturating_add(1),
                        }
                    }
                    let end = j.min(bytes.len());
                    let len = end.saturating_sub(start) as u64;
                    let is_key = want_key;
                    if is_key {
                        want_key = false;
                        if let Some(TextFrame::Object { key }) = stack.last_mut() {
                            *key = text.get(start..end);
                        }
                    }
                    if len > self.max_string_bytes {
                        let path = if is_key {
                            text_path(&stack, true)
                        } else {
                            text_path(&stack, false)
                        };
                        return Err(exceeded(
                            path,
                            "string length in bytes",
                            self.max_string_bytes,
                            len,
                        ));
                    }
                    i = end.saturating_add(1);
                    continue;
                }
                b'[' | b'{' => {
                    let depth = (stack.len() as u64).saturating_add(1);
                    if depth > max_depth {
                        return Err(exceeded(
                            text_path(&stack, false),
                            "JSON nesting depth",
                            max_depth,
                            depth,
                        ));
                    }
                    if b == b'[' {
                        let kind = match stack.last() {
                            Some(TextFrame::Object { key }) => ListKind::of(*key),
                            _ => ListKind::Items,
                        };
                        stack.push(TextFrame::Array {
                            count: 0,
                            pending: true,
                            kind,
                        });
                    } else {
                        stack.push(TextFrame::Object { key: None });
                        want_key = true;
                    }
                }
                b']' | b'}' => {
                    stack.pop();
                    want_key = false;
                }
                b',' => match stack.last_mut() {
                    Some(TextFrame::Array { pending, .. }) => *pending = true,
                    Some(TextFrame::Object { key }) => {
                        *key = None;
                        want_key = true;
                    }
                    None => {}
                },
                _ => {}
            }
            i = i.saturating_add(1);
        }
        Ok(())
    }

    /// Checks a JSON value against the read-time limits (all but the size
    /// in bytes), without recursion: depth, items per list and string
    /// length.
    pub fn check_value(&self, value: &Value) -> Result<()> {
        let max_depth = self.max_depth();
        let mut stack: Vec<ValueFrame<'_>> = Vec::new();
        let mut next: Option<(&Value, Option<&str>)> = Some((value, None));
        loop {
            if let Some((v, key)) = next.take() {
                match v {
                    Value::String(s) if s.len() as u64 > self.max_string_bytes => {
                        return Err(exceeded(
                            value_path(&stack),
                            "string length in bytes",
                            self.max_string_bytes,
                            s.len() as u64,
                        ));
                    }
                    Value::Array(_) | Value::Object(_) => {
                        let depth = (stack.len() as u64).saturating_add(1);
                        if depth > max_depth {
                            return Err(exceeded(
                                value_path(&stack),
                                "JSON nesting depth",
                                max_depth,
                                depth,
                            ));
                        }
                        match v {
                            Value::Array(items) => {
                                let (limit, what) = self.list_limit(ListKind::of(key));
                                if items.len() as u64 > limit {
                                    return Err(exceeded(
                                        value_path(&stack),
                                        what,
                                        limit,
                                        items.len() as u64,
                                    ));
                                }
                                stack.push(ValueFrame::Array(items.iter(), None));
                            }
                            Value::Object(map) => {
                                stack.push(ValueFrame::Object(map.iter(), None));
                            }
                            _ => {}
                        }
                    }
                    _ => {}
                }
            }
            let Some(top) = stack.last_mut() else {
                return Ok(());
            };
            match top {
                ValueFrame::Array(iter, index) => match iter.next() {
                    Some(item) => {
                        *index = Some(index.map_or(0, |i| i.saturating_add(1)));
                        next = Some((item, None));
                    }
                    None => {
                        stack.pop();
                    }
                },
                ValueFrame::Object(iter, key) => match iter.next() {
                    Some((k, item)) => {
                        if k.len() as u64 > self.max_string_bytes {
                            *key = None;
                            return Err(exceeded(
                                value_path(&stack),
                                "string length in bytes",
                                self.max_string_bytes,
                                k.len() as u64,
                            ));
                        }
                        *key = Some(k.as_str());
                        next = Some((item, Some(k.as_str())));
                    }
                    None => {
                        stack.pop();
                    }
                },
            }
        }
    }
}

enum TextFrame<'a> {
    Array {
        /// Items started so far.
        count: u64,
        /// A `[` or `,` was read and the next item has not started.
        pending: bool,
        kind: ListKind,
    },
    Object {
        /// The key of the member being read (as written, escapes kept).
        key: Option<&'a str>,
    },
}

/// The path of the value being read: `releases[2].changes`. With
/// `container`, the innermost array or object itself rather than its
/// current member.
fn text_path(stack: &[TextFrame<'_>], container: bool) -> String {
    let frames = if container {
        stack.split_last().map_or(stack, |(_, rest)| rest)
    } else {
        stack
    };
    let mut path = String::new();
    for f in frames {
        match f {
            TextFrame::Array { count, .. } => {
                path.push_str(&format!("[{}]", count.saturating_sub(1)));
            }
            TextFrame::Object { key: Some(k) } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
            }
            TextFrame::Object { key: None } => {}
        }
    }
    path
}

enum ValueFrame<'a> {
    Array(std::slice::Iter<'a, Value>, Option<usize>),
    Object(serde_json::map::Iter<'a>, Option<&'a str>),
}

/// The path of the value about to be visited (the current member of every
/// frame).
fn value_path(stack: &[ValueFrame<'_>]) -> String {
    let mut path = String::new();
    for f in stack {
        match f {
            ValueFrame::Array(_, Some(i)) => path.push_str(&format!("[{i}]")),
            ValueFrame::Object(_, Some(k)) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
            }
            _ => {}
        }
    }
    path
}

/// The nesting depth of `value` (0 for a scalar, 1 for `[]`), counted
/// without recursion and without looking deeper than `max + 1`.
pub fn depth(value: &Value, max: u64) -> u64 {
    let mut deepest = 0;
    let mut stack: Vec<(&Value, u64)> = vec![(value, 0)];
    while let Some((v, d)) = stack.pop() {
        if !(v.is_array() || v.is_object()) {
            continue;
        }
        let d = d.saturating_add(1);
        deepest = deepest.max(d);
        if d > max {
            return d;
        }
        match v {
            Value::Array(items) => stack.extend(items.iter().map(|c| (c, d))),
            Value::Object(map) => stack.extend(map.values().map(|c| (c, d))),
            _ => {}
        }
    }
    deepest
}

/// Drops a value of any depth without recursion (dropping a deeply nested
/// [`Value`] the ordinary way recurses once per level and can overflow the
/// stack).
pub fn dismantle(value: Value) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}
