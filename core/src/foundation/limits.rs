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
use serde::de::DeserializeOwned;
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

impl Limits {
    /// The default limits (what [`Limits::default`] returns), as a constant.
    pub const DEFAULT: Limits = Limits {
        max_document_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
        max_json_depth: DEFAULT_MAX_JSON_DEPTH,
        max_items: DEFAULT_MAX_ITEMS,
        max_cis: DEFAULT_MAX_CIS,
        max_relationships: DEFAULT_MAX_RELATIONSHIPS,
        max_string_bytes: DEFAULT_MAX_STRING_BYTES,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
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
        Error::LimitExceeded { .. } => err.map_paths(|p| path_under(base, p)),
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
                    let mut j = skip_plain(bytes, start);
                    while let Some(&c) = bytes.get(j) {
                        match c {
                            b'\\' => j = skip_plain(bytes, j.saturating_add(2)),
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

/// The index of the first `"` or `\\` at or after `from`, or a little
/// before it: the bytes of a string are skipped eight at a time while none
/// of them is a quote or a backslash (the caller then steps byte by byte).
fn skip_plain(bytes: &[u8], from: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    const BACKSLASHES: u64 = u64::from_ne_bytes([b'\\'; 8]);
    // Whether a byte of `w` is zero (exact: no false answer either way).
    let has_zero = |w: u64| w.wrapping_sub(ONES) & !w & HIGHS != 0;
    let mut j = from;
    while let Some(chunk) = bytes.get(j..j.saturating_add(8)) {
        let Ok(chunk) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let w = u64::from_ne_bytes(chunk);
        if has_zero(w ^ QUOTES) || has_zero(w ^ BACKSLASHES) {
            break;
        }
        j = j.saturating_add(8);
    }
    j
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

/// What [`Limits::deserialize_counted`] found.
pub(crate) enum Counted<T> {
    /// Deserialised, and every limit held: [`Limits::check_text`] would
    /// pass on the text.
    Within(T),
    /// Deserialised, but a string or key with escapes may be longer as
    /// written than its decoded form shows: only [`Limits::check_text`] can
    /// tell.
    Unsure(T),
    /// The text did not deserialise, had trailing characters, or a limit
    /// may be exceeded: the caller takes the path that reports errors
    /// ([`Limits::check_text`] first).
    Refused,
}

impl Limits {
    /// Deserialises `text` with serde_json, counting the read-time limits
    /// in the same pass (no pre-pass over the bytes). Sound in one
    /// direction only: [`Counted::Within`] means [`Limits::check_text`]
    /// passes on `text`; anything that might exceed a limit is
    /// [`Counted::Refused`] (or, for escaped strings, [`Counted::Unsure`]),
    /// and the caller rebuilds the exact error the slow way.
    ///
    /// Depth is counted on every array, object and enum (an enum written as
    /// a string counts one level too many: that can only refuse, never
    /// admit); items per list by the key of the list as written; string and
    /// key lengths exactly for strings without escapes (serde_json hands
    /// those over borrowed from the text) and, for escaped ones, bounded by
    /// six times their decoded length (the longest escape, `\u0000`, writes
    /// one byte in six).
    pub(crate) fn deserialize_counted<T: DeserializeOwned>(&self, text: &str) -> Counted<T> {
        if text.len() as u64 > self.max_document_bytes {
            return Counted::Refused;
        }
        let budget = counting::Budget::new(self);
        let mut de = serde_json::Deserializer::from_str(text);
        // The budget bounds the depth (to at most MAX_JSON_DEPTH) before
        // serde_json recurses deeper.
        de.disable_recursion_limit();
        let value = T::deserialize(counting::Counting {
            inner: &mut de,
            budget: &budget,
            kind: counting::Kind::Items,
        });
        match (value, de.end()) {
            (Ok(v), Ok(())) if budget.unsure() => Counted::Unsure(v),
            (Ok(v), Ok(())) => Counted::Within(v),
            _ => Counted::Refused,
        }
    }
}

/// The counting layer of [`Limits::deserialize_counted`]: a `Deserializer`
/// wrapping serde_json's, whose visitors, sequences, maps and enums are
/// wrapped in turn so every value read passes the [`counting::Budget`].
mod counting {
    use super::{Limits, ListKind};
    use serde::de::{self, DeserializeSeed, Deserializer, Visitor};
    use std::cell::Cell;
    use std::fmt;

    pub(super) use super::ListKind as Kind;

    /// The limits and what has been counted so far.
    pub(super) struct Budget {
        max_depth: u64,
        max_string: u64,
        items: u64,
        cis: u64,
        relationships: u64,
        depth: Cell<u64>,
        unsure: Cell<bool>,
    }

    const OVER: &str = "a read-time limit may be exceeded";

    impl Budget {
        pub(super) fn new(limits: &Limits) -> Budget {
            Budget {
                max_depth: limits.max_depth(),
                max_string: limits.max_string_bytes,
                items: limits.max_items,
                cis: limits.max_cis,
                relationships: limits.max_relationships,
                depth: Cell::new(0),
                unsure: Cell::new(false),
            }
        }

        pub(super) fn unsure(&self) -> bool {
            self.unsure.get()
        }

        fn list_limit(&self, kind: Kind) -> u64 {
            match kind {
                Kind::Items => self.items,
                Kind::Cis => self.cis,
                Kind::Relationships => self.relationships,
            }
        }

        /// A string (or key) as written in the text, no escapes.
        #[inline]
        fn raw<E: de::Error>(&self, len: usize) -> Result<(), E> {
            if len as u64 > self.max_string {
                return Err(E::custom(OVER));
            }
            Ok(())
        }

        /// A string decoded from escapes: as written it is at least as
        /// long and at most six times as long.
        #[inline]
        fn decoded<E: de::Error>(&self, len: usize) -> Result<(), E> {
            let len = len as u64;
            if len > self.max_string {
                return Err(E::custom(OVER));
            }
            if len.saturating_mul(6) > self.max_string {
                self.unsure.set(true);
            }
            Ok(())
        }

        #[inline]
        fn enter<E: de::Error>(&self) -> Result<(), E> {
            let depth = self.depth.get().saturating_add(1);
            if depth > self.max_depth {
                return Err(E::custom(OVER));
            }
            self.depth.set(depth);
            Ok(())
        }

        #[inline]
        fn leave(&self) {
            self.depth.set(self.depth.get().saturating_sub(1));
        }
    }

    /// A deserializer whose every value passes the budget. `kind` limits
    /// the list this value is, should it be one (from its key); `key`, when
    /// the value is an object key, receives the kind its value's list has.
    pub(super) struct Counting<'b, D> {
        pub(super) inner: D,
        pub(super) budget: &'b Budget,
        pub(super) kind: Kind,
    }

    struct Key<'b, D> {
        inner: D,
        budget: &'b Budget,
        slot: &'b Cell<Kind>,
    }

    /// The wrapped visitor.
    struct Vis<'b, V> {
        inner: V,
        budget: &'b Budget,
        kind: Kind,
        /// For a key: where the kind of its value's list goes.
        slot: Option<&'b Cell<Kind>>,
    }

    struct Seed<'b, S> {
        inner: S,
        budget: &'b Budget,
        kind: Kind,
    }

    struct KeySeed<'b, S> {
        inner: S,
        budget: &'b Budget,
        slot: &'b Cell<Kind>,
    }

    struct Seq<'b, A> {
        inner: A,
        budget: &'b Budget,
        kind: Kind,
        count: u64,
    }

    struct Map<'b, A> {
        inner: A,
        budget: &'b Budget,
        next: Cell<Kind>,
    }

    struct Enum<'b, A> {
        inner: A,
        budget: &'b Budget,
    }

    struct Variant<'b, A> {
        inner: A,
        budget: &'b Budget,
    }

    impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<'_, S> {
        type Value = S::Value;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
            self.inner.deserialize(Counting {
                inner: d,
                budget: self.budget,
                kind: self.kind,
            })
        }
    }

    impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySeed<'_, S> {
        type Value = S::Value;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
            self.inner.deserialize(Key {
                inner: d,
                budget: self.budget,
                slot: self.slot,
            })
        }
    }

    impl<'de, A: de::SeqAccess<'de>> de::SeqAccess<'de> for Seq<'_, A> {
        type Error = A::Error;
        fn next_element_seed<S: DeserializeSeed<'de>>(
            &mut self,
            seed: S,
        ) -> Result<Option<S::Value>, A::Error> {
            let item = self.inner.next_element_seed(Seed {
                inner: seed,
                budget: self.budget,
                kind: Kind::Items,
            })?;
            if item.is_some() {
                self.count = self.count.saturating_add(1);
                if self.count > self.budget.list_limit(self.kind) {
                    return Err(de::Error::custom(OVER));
                }
            }
            Ok(item)
        }
        fn size_hint(&self) -> Option<usize> {
            self.inner.size_hint()
        }
    }

    impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for Map<'_, A> {
        type Error = A::Error;
        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, A::Error> {
            self.next.set(Kind::Items);
            self.inner.next_key_seed(KeySeed {
                inner: seed,
                budget: self.budget,
                slot: &self.next,
            })
        }
        fn next_value_seed<S: DeserializeSeed<'de>>(
            &mut self,
            seed: S,
        ) -> Result<S::Value, A::Error> {
            self.inner.next_value_seed(Seed {
                inner: seed,
                budget: self.budget,
                kind: self.next.get(),
            })
        }
        fn size_hint(&self) -> Option<usize> {
            self.inner.size_hint()
        }
    }

    impl<'de, 'b, A: de::EnumAccess<'de>> de::EnumAccess<'de> for Enum<'b, A> {
        type Error = A::Error;
        type Variant = Variant<'b, A::Variant>;
        fn variant_seed<S: DeserializeSeed<'de>>(
            self,
            seed: S,
        ) -> Result<(S::Value, Self::Variant), A::Error> {
            let (value, variant) = self.inner.variant_seed(Seed {
                inner: seed,
                budget: self.budget,
                kind: Kind::Items,
            })?;
            Ok((
                value,
                Variant {
                    inner: variant,
                    budget: self.budget,
                },
            ))
        }
    }

    impl<'de, A: de::VariantAccess<'de>> de::VariantAccess<'de> for Variant<'_, A> {
        type Error = A::Error;
        fn unit_variant(self) -> Result<(), A::Error> {
            self.inner.unit_variant()
        }
        fn newtype_variant_seed<S: DeserializeSeed<'de>>(
            self,
            seed: S,
        ) -> Result<S::Value, A::Error> {
            self.inner.newtype_variant_seed(Seed {
                inner: seed,
                budget: self.budget,
                kind: Kind::Items,
            })
        }
        fn tuple_variant<V: Visitor<'de>>(self, len: usize, v: V) -> Result<V::Value, A::Error> {
            self.inner
                .tuple_variant(len, Vis::new(v, self.budget, Kind::Items))
        }
        fn struct_variant<V: Visitor<'de>>(
            self,
            fields: &'static [&'static str],
            v: V,
        ) -> Result<V::Value, A::Error> {
            self.inner
                .struct_variant(fields, Vis::new(v, self.budget, Kind::Items))
        }
    }

    impl<'b, V> Vis<'b, V> {
        fn new(inner: V, budget: &'b Budget, kind: Kind) -> Self {
            Vis {
                inner,
                budget,
                kind,
                slot: None,
            }
        }

        /// For a key: the kind of list its value may be, by the key as
        /// written (`raw`) or decoded from escapes (then only
        /// [`Limits::check_text`] knows which limit applies, unless the key
        /// names no special list either way… it is decided there).
        #[inline]
        fn key(&self, key: &str, raw: bool) {
            if let Some(slot) = self.slot {
                let kind = ListKind::of(Some(key));
                if !raw && !matches!(kind, Kind::Items) {
                    self.budget.unsure.set(true);
                }
                slot.set(kind);
            }
        }
    }

    macro_rules! forward_visit {
        ($($method:ident($ty:ty);)*) => {$(
            #[inline]
            fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
                self.inner.$method(v)
            }
        )*};
    }

    impl<'de, V: Visitor<'de>> Visitor<'de> for Vis<'_, V> {
        type Value = V::Value;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.inner.expecting(f)
        }

        forward_visit! {
            visit_bool(bool);
            visit_i8(i8);
            visit_i16(i16);
            visit_i32(i32);
            visit_i64(i64);
            visit_i128(i128);
            visit_u8(u8);
            visit_u16(u16);
            visit_u32(u32);
            visit_u64(u64);
            visit_u128(u128);
            visit_f32(f32);
            visit_f64(f64);
            visit_char(char);
        }

        #[inline]
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
            self.budget.raw(v.len())?;
            self.key(v, true);
            self.inner.visit_borrowed_str(v)
        }

        #[inline]
        fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
            self.budget.decoded(v.len())?;
            self.key(v, false);
            self.inner.visit_str(v)
        }

        #[inline]
        fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
            self.budget.decoded(v.len())?;
            self.key(&v, false);
            self.inner.visit_string(v)
        }

        fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<V::Value, E> {
            self.budget.raw(v.len())?;
            if self.slot.is_some() {
                self.budget.unsure.set(true);
            }
            self.inner.visit_borrowed_bytes(v)
        }

        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<V::Value, E> {
            self.budget.decoded(v.len())?;
            if self.slot.is_some() {
                self.budget.unsure.set(true);
            }
            self.inner.visit_bytes(v)
        }

        fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<V::Value, E> {
            self.budget.decoded(v.len())?;
            if self.slot.is_some() {
                self.budget.unsure.set(true);
            }
            self.inner.visit_byte_buf(v)
        }

        #[inline]
        fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
            self.inner.visit_none()
        }

        #[inline]
        fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
            self.inner.visit_unit()
        }

        #[inline]
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
            self.inner.visit_some(Counting {
                inner: d,
                budget: self.budget,
                kind: self.kind,
            })
        }

        #[inline]
        fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
            self.inner.visit_newtype_struct(Counting {
                inner: d,
                budget: self.budget,
                kind: self.kind,
            })
        }

        #[inline]
        fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
            self.budget.enter()?;
            let value = self.inner.visit_seq(Seq {
                inner: seq,
                budget: self.budget,
                kind: self.kind,
                count: 0,
            });
            self.budget.leave();
            value
        }

        #[inline]
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
            self.budget.enter()?;
            let value = self.inner.visit_map(Map {
                inner: map,
                budget: self.budget,
                next: Cell::new(Kind::Items),
            });
            self.budget.leave();
            value
        }

        #[inline]
        fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
            // `{"variant": …}` is an object to the limits; a bare
            // `"variant"` is not, but counting it too can only refuse.
            self.budget.enter()?;
            let value = self.inner.visit_enum(Enum {
                inner: data,
                budget: self.budget,
            });
            self.budget.leave();
            value
        }
    }

    macro_rules! forward_deserialize {
        ($wrap:ident; $($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
            #[inline]
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
                let v = self.$wrap(visitor);
                self.inner.$method($($arg,)* v)
            }
        )*};
    }

    macro_rules! deserializer_body {
        ($wrap:ident) => {
            type Error = D::Error;

            forward_deserialize! { $wrap;
                deserialize_any();
                deserialize_bool();
                deserialize_i8();
                deserialize_i16();
                deserialize_i32();
                deserialize_i64();
                deserialize_i128();
                deserialize_u8();
                deserialize_u16();
                deserialize_u32();
                deserialize_u64();
                deserialize_u128();
                deserialize_f32();
                deserialize_f64();
                deserialize_char();
                deserialize_str();
                deserialize_string();
                deserialize_bytes();
                deserialize_byte_buf();
                deserialize_option();
                deserialize_unit();
                deserialize_unit_struct(name: &'static str);
                deserialize_newtype_struct(name: &'static str);
                deserialize_seq();
                deserialize_tuple(len: usize);
                deserialize_tuple_struct(name: &'static str, len: usize);
                deserialize_map();
                deserialize_struct(name: &'static str, fields: &'static [&'static str]);
                deserialize_enum(name: &'static str, variants: &'static [&'static str]);
                deserialize_identifier();
            }

            /// Skipped values are read in full, so they are counted too.
            #[inline]
            fn deserialize_ignored_any<V: Visitor<'de>>(
                self,
                visitor: V,
            ) -> Result<V::Value, D::Error> {
                let v = self.$wrap(visitor);
                self.inner.deserialize_any(v)
            }

            fn is_human_readable(&self) -> bool {
                self.inner.is_human_readable()
            }
        };
    }

    impl<'b, D> Counting<'b, D> {
        #[inline]
        fn wrap<V>(&self, visitor: V) -> Vis<'b, V> {
            Vis::new(visitor, self.budget, self.kind)
        }
    }

    impl<'b, D> Key<'b, D> {
        #[inline]
        fn wrap<V>(&self, visitor: V) -> Vis<'b, V> {
            Vis {
                inner: visitor,
                budget: self.budget,
                kind: Kind::Items,
                slot: Some(self.slot),
            }
        }
    }

    impl<'de, D: Deserializer<'de>> Deserializer<'de> for Counting<'_, D> {
        deserializer_body!(wrap);
    }

    impl<'de, D: Deserializer<'de>> Deserializer<'de> for Key<'_, D> {
        deserializer_body!(wrap);
    }
}
