//! The derive against its oracle, serde's own derive with
//! `#[serde(flatten)]`: for the same text, the same value or the same error
//! (message with line and column, and the path serde_path_to_error tracks).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

type Extra = Map<String, Value>;

fn one() -> u32 {
    1
}

macro_rules! pair {
    ($fast:ident, $slow:ident, { $($body:tt)* }, $(#[$cattr:meta])*) => {
        #[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra)]
        $(#[$cattr])*
        struct $fast { $($body)* }
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        $(#[$cattr])*
        struct $slow { $($body)* }
    };
}

pair!(InnerFast, InnerSlow, {
    id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(default = "one")]
    round: u32,
    #[serde(flatten)]
    extra: Extra,
},);

macro_rules! outer {
    ($name:ident, $inner:ident, $derive:path) => {
        #[derive(Debug, Clone, PartialEq, Serialize, $derive)]
        struct $name {
            #[serde(default, skip_serializing_if = "Option::is_none")]
            schema_version: Option<u32>,
            id: String,
            maybe: Option<u64>,
            #[serde(rename = "type", alias = "kind")]
            ty: String,
            #[serde(default)]
            flag: bool,
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            items: Vec<$inner>,
            #[serde(flatten)]
            extra: Extra,
        }
    };
}

outer!(OuterFast, InnerFast, relman_derive::DeserializeExtra);
outer!(OuterSlow, InnerSlow, Deserialize);

pair!(DefFast, DefSlow, {
    a: u32,
    b: Option<String>,
    #[serde(flatten)]
    extra: Extra,
}, #[serde(default)]);

impl Default for DefFast {
    fn default() -> Self {
        DefFast {
            a: 7,
            b: Some("x".into()),
            extra: Extra::new(),
        }
    }
}
impl Default for DefSlow {
    fn default() -> Self {
        DefSlow {
            a: 7,
            b: Some("x".into()),
            extra: Extra::new(),
        }
    }
}

fn outcome<T: serde::de::DeserializeOwned + Serialize>(text: &str) -> Result<Value, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => match de.end() {
            Ok(()) => Ok(serde_json::to_value(v).unwrap()),
            Err(e) => Err(format!("trailing: {e}")),
        },
        Err(e) => Err(format!("{} :: {}", e.path(), e.inner())),
    }
}

fn plain<T: serde::de::DeserializeOwned + Serialize>(text: &str) -> Result<Value, String> {
    serde_json::from_str::<T>(text)
        .map(|v| serde_json::to_value(v).unwrap())
        .map_err(|e| e.to_string())
}

fn from_value<T: serde::de::DeserializeOwned + Serialize>(
    text: &str,
) -> Option<Result<Value, String>> {
    let value: Value = serde_json::from_str(text).ok()?;
    Some(
        serde_path_to_error::deserialize::<_, T>(&value)
            .map(|v| serde_json::to_value(v).unwrap())
            .map_err(|e| format!("{} :: {}", e.path(), e.inner())),
    )
}

/// The fast struct's name in its messages is the slow one's.
fn renamed<T>(r: Option<Result<T, String>>) -> Option<Result<T, String>> {
    r.map(|r| r.map_err(|e| e.replace("Fast", "Slow")))
}

fn same(text: &str) {
    fn check<F, S>(text: &str, what: &str)
    where
        F: serde::de::DeserializeOwned + Serialize,
        S: serde::de::DeserializeOwned + Serialize,
    {
        assert_eq!(
            renamed(Some(outcome::<F>(text))),
            Some(outcome::<S>(text)),
            "{what}, tracked: {text}"
        );
        assert_eq!(
            renamed(Some(plain::<F>(text))),
            Some(plain::<S>(text)),
            "{what}, plain: {text}"
        );
        assert_eq!(
            renamed(from_value::<F>(text)),
            from_value::<S>(text),
            "{what}, value: {text}"
        );
    }
    check::<InnerFast, InnerSlow>(text, "inner");
    check::<DefFast, DefSlow>(text, "container default");
    check::<OuterFast, OuterSlow>(text, "outer");
}

const TABLE: &[&str] = &[
    r#"{"id": "a"}"#,
    r#"{"id": "a", "note": null, "round": 3, "zz": [1, {"b": 2.5}], "aa": -1}"#,
    r#"{"id": "a", "id": "b"}"#,
    r#"{"id": "a", "x": 1, "x": 2}"#,
    r#"{"note": "n"}"#,
    r#"{"id": 5}"#,
    r#"{"id": "a", "round": "x"}"#,
    r#"{"id": "a", "round": -1}"#,
    r#"["a", "n", 1]"#,
    r#""text""#,
    r#"null"#,
    r#"{"id": "a",}"#,
    r#"{"id": "a" "note": 1}"#,
    r#"{"id": "a"} trailing"#,
    r#"{"id": "\u00e9\n", "k\u00e9y": "v"}"#,
    r#"{"a": 1}"#,
    r#"{}"#,
    r#"{"a": 1, "a": 2}"#,
    r#"{"b": null, "c": true}"#,
    r#"{"id": "a", "type": "t"}"#,
    r#"{"id": "a", "kind": "t"}"#,
    r#"{"id": "a", "type": "t", "kind": "u"}"#,
    r#"{"id": "a", "type": "t", "maybe": 3, "flag": true, "items": [{"id": "i", "q": 1}]}"#,
    r#"{"id": "a", "type": "t", "items": [{"id": "i"}, {"round": 2}]}"#,
    r#"{"id": "a", "type": "t", "items": [{"id": "i", "id": "j"}]}"#,
    r#"{"id": "a", "type": "t", "items": {"id": "i"}}"#,
    r#"{"id": "a", "type": "t", "flag": "yes"}"#,
    r#"{"schema_version": 2, "id": "a", "type": "t"}"#,
    r#"{"id": "a", "type": "t", "maybe": null}"#,
    "{\n  \"id\": \"a\",\n  \"type\": 1\n}",
    "{\n  \"id\": \"a\",\n  \"type\": \"t\",\n  \"id\": \"b\"\n}",
];

#[test]
fn table() {
    for text in TABLE {
        same(text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn mutated_text(
        pick in 0..TABLE.len(),
        cut in 0usize..200,
        at in 0usize..200,
        insert in prop::sample::select(vec!["", "\"", ",", "}", "{", "]", "1", "null", "\"id\": \"z\",", "\"x\": [", ":"]),
    ) {
        let base = TABLE[pick];
        let len = base.len();
        let cut = cut % (len + 1);
        let at = at % (len + 1);
        let (lo, hi) = if cut < at { (cut, at) } else { (at, cut) };
        if !(base.is_char_boundary(lo) && base.is_char_boundary(hi)) {
            return Ok(());
        }
        let text = format!("{}{}{}", &base[..lo], insert, &base[hi..]);
        same(&text);
    }
}
