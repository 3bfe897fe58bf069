//! The generated files of the Swift binding (`bindings/swift/src/`):
//!
//! * `remote.rs`: relman's core types as UniFFI remote types, read from
//!   the core's source ([`remote`]);
//! * `ops.rs`: one `#[uniffi::export]` function per operation of the
//!   catalog, taking the core types remote.rs declares where a parameter
//!   has one and JSON text otherwise, returning the operation's result
//!   type; optional parameters default to `None` (docs/swift.md).

pub mod remote;

use relman::api::{Catalog, OperationInfo, ParamInfo};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Every generated file of the Swift binding: its path from the workspace
/// root and its text.
pub fn generate(catalog: &Catalog) -> Vec<(PathBuf, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../core/src");
    // A core type the generator cannot declare stops the library's build
    // with the reason, where the declarations would be.
    let remote = remote::generate(&src)
        .unwrap_or_else(|e| format!("compile_error!({:?});\n", format!("relman-codegen: {e}")));
    vec![
        (PathBuf::from("bindings/swift/src/remote.rs"), remote),
        (PathBuf::from("bindings/swift/src/ops.rs"), ops(catalog)),
        (
            PathBuf::from("bindings/swift/tests/python/typed_operations.py"),
            typed_operations(catalog),
        ),
        (
            PathBuf::from("bindings/swift/Tests/RelmanTests/GeneratedSignatures.swift"),
            signatures(catalog),
        ),
    ]
}

/// One of the Swift functions of an operation exported as several.
struct Split {
    /// The operation.
    operation: &'static str,
    /// The function's name.
    function: &'static str,
    /// The operation's parameters it takes, all of them required.
    params: &'static [&'static str],
    /// Its documentation.
    doc: &'static str,
}

/// Operations exported as several Swift functions: `validate` takes JSON
/// text (`validate`, with line and column) or a document
/// (`validate_document`).
const SPLIT: &[Split] = &[
    Split {
        operation: "validate",
        function: "validate",
        params: &["kind", "text"],
        doc: "Validates JSON text as a document of `kind`: every structural and\n\
              semantic problem (with line and column) in the error, warnings in\n\
              the report.",
    },
    Split {
        operation: "validate",
        function: "validate_document",
        params: &["kind", "document"],
        doc: "Validates a document of `kind` given as JSON text, reporting paths\n\
              without line and column (the document as a value, like the other\n\
              front ends' `validate(kind, document)`).",
    },
];

/// Parameters whose Swift type is not the one their core type gives:
/// (operation, parameter, type). `validate`'s `kind` is read as a string by
/// the core and is the `DocumentKind` enum in Swift; `assess_risk_many`
/// takes each release as JSON text (a host's raw records: one that is not
/// a valid release fills its slot with an error instead of failing the
/// batch, which a typed `Release` could not even hold).
const OVERRIDES: &[(&str, &str, Swift)] = &[
    ("validate", "kind", Swift::Typed("DocumentKind")),
    ("validate", "text", Swift::Typed("String")),
    ("assess_risk_many", "releases", Swift::TextList),
];

/// How a parameter crosses the FFI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Swift {
    /// A UniFFI type (a core record or enum, a scalar, `Timestamp`),
    /// serialised into the call's parameters.
    Typed(&'static str),
    /// JSON text (`String`), parsed with the parameter's name as the error
    /// path.
    Text,
    /// A list of JSON texts, each parsed with its index in the path.
    TextList,
    /// A timestamp parameter, taken as RFC 3339 text (`String`) and read by
    /// the core with the parameter's name as the error path. Typed as
    /// `Timestamp`, UniFFI would lift it before the call and report a bad
    /// one without saying which argument it was (its lift error drops the
    /// argument name when the error is relman's). Timestamps inside
    /// records stay `Timestamp`.
    Stamp,
}

/// The Swift form of a core parameter type.
fn swift_type(rust_type: &str) -> Swift {
    match rust_type {
        "String" => Swift::Typed("String"),
        "bool" => Swift::Typed("bool"),
        "u32" => Swift::Typed("u32"),
        "u64" | "usize" => Swift::Typed("u64"),
        "Timestamp" => Swift::Stamp,
        other => match other.strip_prefix("Vec<").and_then(|t| t.strip_suffix('>')) {
            Some(item) => match remote::swift_name(item).filter(|n| remote::is_typed(n)) {
                Some(name) => Swift::Typed(leak(format!("Vec<{name}>"))),
                None => Swift::Text,
            },
            None => match remote::swift_name(other).filter(|n| remote::is_typed(n)) {
                Some(name) => Swift::Typed(name),
                None => Swift::Text,
            },
        },
    }
}

/// A generated type name that lives as long as the generator.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The Swift form of parameter `p` of `op`.
fn param_form(op: &str, p: &ParamInfo) -> Swift {
    OVERRIDES
        .iter()
        .find(|(o, name, _)| *o == op && *name == p.name)
        .map_or_else(|| swift_type(&p.rust_type), |(_, _, s)| *s)
}

/// The Rust type of a parameter in the exported signature.
fn signature_type(form: Swift, required: bool) -> String {
    let base = match form {
        Swift::Typed(t) => t.to_string(),
        Swift::Text => "String".to_string(),
        Swift::TextList => "Vec<String>".to_string(),
        Swift::Stamp => "String".to_string(),
    };
    if required {
        base
    } else {
        format!("Option<{base}>")
    }
}

/// The `Params` builder call that adds a parameter.
fn builder_call(name: &str, form: Swift, required: bool) -> String {
    match (form, required) {
        (Swift::Typed(_) | Swift::Stamp, true) => format!(".typed(\"{name}\", Some(&{name}))?"),
        (Swift::Typed(_) | Swift::Stamp, false) => format!(".typed(\"{name}\", {name}.as_ref())?"),
        (Swift::Text, true) => format!(".text(\"{name}\", Some(&{name}))?"),
        (Swift::Text, false) => format!(".text(\"{name}\", {name}.as_deref())?"),
        (Swift::TextList, true) => format!(".texts(\"{name}\", Some(&{name}))?"),
        (Swift::TextList, false) => format!(".texts(\"{name}\", {name}.as_deref())?"),
    }
}

/// `text` as `///` lines.
fn doc_lines(out: &mut String, text: &str) {
    for line in text.lines() {
        if line.is_empty() {
            out.push_str("///\n");
        } else {
            let _ = writeln!(out, "/// {line}");
        }
    }
}

/// The text of ops.rs.
fn ops(catalog: &Catalog) -> String {
    let mut out = String::from(
        "// @generated by relman-codegen (bindings/codegen/src/swift.rs) from\n\
         // relman::api::catalog(); run scripts/gen-swift, do not edit.\n\
         //! One exported function per operation of the data contract: it builds\n\
         //! the `{param: value}` object of `relman::api::call`, calls it and\n\
         //! reads the result back into its core type.\n\n\
         use crate::json::JsonValue;\n\
         use crate::remote::*;\n\
         use crate::{guard, Params, RelmanError};\n",
    );
    for op in &catalog.operations {
        let splits: Vec<&Split> = SPLIT.iter().filter(|s| s.operation == op.name).collect();
        if splits.is_empty() {
            let params: Vec<(&ParamInfo, bool)> =
                op.params.iter().map(|p| (p, p.required)).collect();
            function_text(&mut out, op, &op.name, &op.doc, &params);
        }
        for split in splits {
            let params: Vec<(&ParamInfo, bool)> = op
                .params
                .iter()
                .filter(|p| split.params.contains(&p.name.as_str()))
                .map(|p| (p, true))
                .collect();
            function_text(&mut out, op, split.function, split.doc, &params);
        }
    }
    out
}

/// One exported function of `op` named `function`, taking `params` (each
/// with whether it is required).
fn function_text(
    out: &mut String,
    op: &OperationInfo,
    function: &str,
    doc: &str,
    params: &[(&ParamInfo, bool)],
) {
    out.push('\n');
    doc_lines(out, doc);
    let mut described = false;
    for (p, _) in params {
        let form = param_form(&op.name, p);
        if !matches!(form, Swift::Text | Swift::TextList) {
            continue;
        }
        if !described {
            out.push_str("///\n/// JSON text parameters:\n");
            described = true;
        }
        let what = match form {
            Swift::TextList => format!(
                "a list of JSON texts, each of a `{}`",
                p.rust_type.trim_start_matches("Vec<").trim_end_matches('>')
            ),
            _ if p.rust_type == "Value" => "any JSON value, as text".to_string(),
            _ if p.rust_type.starts_with("Map<") => "the JSON text of an object".to_string(),
            _ => format!("the JSON text of a `{}`", p.rust_type),
        };
        let _ = writeln!(out, "/// - `{}`: {what}.", p.name);
    }
    let stamps: Vec<String> = params
        .iter()
        .filter(|(p, _)| param_form(&op.name, p) == Swift::Stamp)
        .map(|(p, _)| format!("`{}`", p.name))
        .collect();
    if !stamps.is_empty() {
        let _ = writeln!(
            out,
            "///\n/// Timestamp parameters, RFC 3339 text (a bad one is an `invalid_input`\n\
             /// whose path is its name): {}.",
            stamps.join(", ")
        );
    }
    // Optional parameters after the last required one default to `None`
    // (a parameter with a default cannot precede one without).
    let last_required = params.iter().rposition(|(_, required)| *required);
    let defaults: Vec<String> = params
        .iter()
        .enumerate()
        .filter(|(i, (_, required))| !required && last_required.is_none_or(|last| *i > last))
        .map(|(_, (p, _))| format!("{} = None", p.name))
        .collect();
    if defaults.is_empty() {
        out.push_str("#[uniffi::export]\n");
    } else {
        let _ = writeln!(out, "#[uniffi::export(default({}))]", defaults.join(", "));
    }
    let result = remote::swift_name(&op.result.rust_type)
        .map_or_else(|| "JsonValue".to_string(), str::to_string);
    if params.len() > 7 {
        // One Swift parameter per operation parameter, as the catalog has them.
        out.push_str("#[allow(clippy::too_many_arguments)]\n");
    }
    let _ = writeln!(out, "pub fn {function}(");
    for (p, required) in params {
        let form = param_form(&op.name, p);
        let _ = writeln!(out, "    {}: {},", p.name, signature_type(form, *required));
    }
    let _ = writeln!(out, ") -> Result<{result}, RelmanError> {{");
    out.push_str("    guard(|| {\n        Params::default()\n");
    for (p, required) in params {
        let form = param_form(&op.name, p);
        let _ = writeln!(
            out,
            "            {}",
            builder_call(&p.name, form, *required)
        );
    }
    let _ = writeln!(out, "            .run(\"{}\")\n    }})\n}}", op.name);
}

/// The exported functions of `op`: (function name, its parameters with
/// whether each is required).
fn functions(op: &OperationInfo) -> Vec<(String, Vec<(&ParamInfo, bool)>)> {
    let splits: Vec<&Split> = SPLIT.iter().filter(|s| s.operation == op.name).collect();
    if splits.is_empty() {
        return vec![(
            op.name.clone(),
            op.params.iter().map(|p| (p, p.required)).collect(),
        )];
    }
    splits
        .iter()
        .map(|split| {
            let params = op
                .params
                .iter()
                .filter(|p| split.params.contains(&p.name.as_str()))
                .map(|p| (p, true))
                .collect();
            (split.function.to_string(), params)
        })
        .collect()
}

/// `snake_case` as Swift's `lowerCamelCase` (UniFFI's naming).
fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for ch in name.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// The Python table the UniFFI-Python tests call the typed functions
/// through: per operation exported as one function, its parameters' forms
/// and its result type, as the exports take and return them.
fn typed_operations(catalog: &Catalog) -> String {
    let mut out = String::from(
        "# @generated by relman-codegen (bindings/codegen/src/swift.rs) from\n\
         # relman::api::catalog(); run scripts/gen-swift, do not edit.\n\
         \"\"\"How the UniFFI exports take each operation's parameters and return its\n\
         result, as bindings/swift/src/ops.rs declares them: operation ->\n\
         (function, ((parameter, form, Swift type), ...), result type or None for\n\
         JSON text). Forms: record, enum, scalar, text (JSON text), text_list,\n\
         record_list. An operation exported as several functions is None.\"\"\"\n\n\
         OPERATIONS = {\n",
    );
    for op in &catalog.operations {
        let mut exported = functions(op);
        if exported.len() != 1 {
            // Exported as several functions: the tests call them by hand.
            let _ = writeln!(out, "    {:?}: None,", op.name);
            continue;
        }
        let Some((function, params)) = exported.pop() else {
            continue;
        };
        let _ = writeln!(out, "    {:?}: (", op.name);
        let _ = writeln!(out, "        {function:?},");
        out.push_str("        (\n");
        for (p, _) in params {
            let (form, ty) = match param_form(&op.name, p) {
                Swift::Text => ("text", None),
                Swift::TextList => ("text_list", None),
                Swift::Stamp => ("scalar", Some("String")),
                Swift::Typed(t) => match t.strip_prefix("Vec<").and_then(|t| t.strip_suffix('>')) {
                    Some(item) => ("record_list", Some(item)),
                    None if remote::is_enum(t) => ("enum", Some(t)),
                    None if remote::is_typed(t) => ("record", Some(t)),
                    None => ("scalar", Some(t)),
                },
            };
            let ty = ty.map_or_else(|| "None".to_string(), |t| format!("{t:?}"));
            let _ = writeln!(out, "            ({:?}, {form:?}, {ty}),", p.name);
        }
        out.push_str("        ),\n");
        let result = remote::swift_name(&op.result.rust_type)
            .filter(|n| remote::is_typed(n))
            .map_or_else(|| "None".to_string(), |n| format!("{n:?}"));
        let _ = writeln!(out, "        {result},\n    ),");
    }
    out.push_str("}\n");
    out
}

/// An XCTest source naming every exported operation function by its full
/// Swift name (`explainPolicy(policy:)`): when a generated name or label
/// changes, the test target stops compiling, as a hand-written test would.
fn signatures(catalog: &Catalog) -> String {
    let mut out = String::from(
        "// @generated by relman-codegen (bindings/codegen/src/swift.rs) from\n\
         // relman::api::catalog(); run scripts/gen-swift, do not edit.\n\
         //\n\
         // Every exported operation function by its full Swift name: a renamed\n\
         // function or parameter label stops this file, and so the test target,\n\
         // from compiling. What each function does is tested by the other test\n\
         // files and, through UniFFI's Python bindings, by every conformance\n\
         // vector (scripts/test-swift).\n\n\
         import XCTest\n\n\
         import Relman\n\n\
         final class GeneratedSignatureTests: XCTestCase {\n\
         \x20   func testEveryOperationFunctionIsExported() {\n\
         \x20       let functions: [Any] = [\n",
    );
    let mut count = 0usize;
    for op in &catalog.operations {
        for (function, params) in functions(op) {
            let labels: String = params
                .iter()
                .map(|(p, _)| format!("{}:", camel(&p.name)))
                .collect();
            let _ = writeln!(out, "            Relman.{}({labels}),", camel(&function));
            count = count.saturating_add(1);
        }
    }
    let _ = write!(
        out,
        "        ]\n        XCTAssertEqual(functions.count, {count})\n    }}\n}}\n"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_an_export_and_every_core_type_a_declaration() {
        let files = generate(&relman::api::catalog());
        let text = |name: &str| {
            files
                .iter()
                .find(|(path, _)| path.ends_with(name))
                .map(|(_, text)| text.clone())
                .unwrap_or_default()
        };
        let remote = text("remote.rs");
        assert!(!remote.contains("compile_error!"), "{remote}");
        assert!(remote.contains("#[uniffi::remote(Record)]\npub struct Release {"));
        let ops = text("ops.rs");
        for op in relman::api::catalog().operations {
            assert!(
                ops.contains(&format!(".run(\"{}\")", op.name)),
                "{}",
                op.name
            );
        }
        assert!(ops.contains("pub fn validate_document("));
        assert!(ops.contains("    releases: Vec<String>,\n    context: Option<Context>,"));
    }

    #[test]
    fn parameter_types_follow_the_remote_declarations() {
        assert_eq!(swift_type("Release"), Swift::Typed("Release"));
        assert_eq!(swift_type("State"), Swift::Typed("ReleaseState"));
        assert_eq!(
            swift_type("Vec<GateReport>"),
            Swift::Typed("Vec<GateReport>")
        );
        assert_eq!(swift_type("usize"), Swift::Typed("u64"));
        assert_eq!(swift_type("Timestamp"), Swift::Stamp);
        assert_eq!(swift_type("Schedule"), Swift::Text);
        assert_eq!(swift_type("KeyringSpec"), Swift::Text);
    }
}
