//! The Python binding's generated files: `relman/_operations.py` (one
//! function per operation, imported by `relman/__init__.py`) and the stub
//! `relman/__init__.pyi` with their typed signatures (types from
//! `relman.types`, which `gen_types.py` writes from the JSON Schemas).

use crate::{header, Op, Param};

/// The prepared objects of the native module (`relman._relman`), re-exported
/// by `relman` (their stubs are in `relman/_relman.pyi`).
const NATIVE_CLASSES: &[&str] = &["PreparedSchedule"];
use relman::api::{Catalog, ParamForm};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

/// The exception classes of `relman._errors`: `RelmanError` and one per
/// error code but `internal` (`invalid_input` → `InvalidInput`).
fn error_classes() -> Vec<String> {
    let mut classes = vec!["RelmanError".to_string()];
    for code in relman::ErrorCode::ALL {
        if code != relman::ErrorCode::Internal {
            let name = crate::camel_case(code.as_str());
            let mut chars = name.chars();
            let first: String = chars
                .next()
                .map(|c| c.to_uppercase().collect())
                .unwrap_or_default();
            classes.push(format!("{first}{}", chars.as_str()));
        }
    }
    classes
}

/// Every generated file of the Python binding.
pub fn generate(catalog: &Catalog) -> Vec<(PathBuf, String)> {
    let ops: Vec<Op<'_>> = catalog.operations.iter().map(Op::new).collect();
    vec![
        (
            PathBuf::from("bindings/python/relman/_operations.py"),
            runtime(&ops),
        ),
        (
            PathBuf::from("bindings/python/relman/__init__.pyi"),
            stub(&ops),
        ),
    ]
}

/// Where the positional parameters end: at the first required parameter
/// after an optional one (Python has no required parameter after a
/// defaulted one), the rest are keyword-only.
fn keyword_only_from(params: &[Param<'_>]) -> usize {
    let mut seen_optional = false;
    for (i, p) in params.iter().enumerate() {
        if !p.info.required {
            seen_optional = true;
        } else if seen_optional {
            return i;
        }
    }
    params.len()
}

/// The parameters of a `def`, each written by `write`, with `*` before
/// the keyword-only ones.
fn arguments(params: &[Param<'_>], mut write: impl FnMut(&Param<'_>) -> String) -> Vec<String> {
    let split = keyword_only_from(params);
    let mut args = Vec::new();
    for (i, p) in params.iter().enumerate() {
        if i == split {
            args.push("*".to_string());
        }
        args.push(write(p));
    }
    args
}

fn docstring(text: &str, indent: &str) -> String {
    let text = text.replace('\\', "\\\\").replace("\"\"\"", "\\\"\\\"\\\"");
    let mut lines = text.lines();
    let mut out = format!("{indent}\"\"\"{}", lines.next().unwrap_or(""));
    for line in lines {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = write!(out, "\n{indent}{line}");
        }
    }
    out.push_str("\"\"\"\n");
    out
}

fn runtime(ops: &[Op<'_>]) -> String {
    let mut out = header("#", "cargo run -p relman-codegen");
    out.push_str(
        "\"\"\"The operations of relman, one function each (re-exported by\n\
         ``relman``). Every parameter defaults to None at run time so that a\n\
         missing one is relman's InvalidInput naming it (as in every other\n\
         front end); the stub keeps the required ones required, so mypy\n\
         catches them first. ``**unknown`` likewise turns a misspelt keyword\n\
         into InvalidInput naming it.\"\"\"\n\n\
         from __future__ import annotations\n\n\
         from . import _relman\n\n\
         _call = _relman._call\n\n__all__ = [\n",
    );
    for op in ops {
        let _ = writeln!(out, "    \"{}\",", op.info.name);
    }
    out.push_str("]\n");
    for op in ops {
        let mut args = arguments(&op.params, |p| format!("{}=None", p.info.name));
        args.push("**unknown".to_string());
        let given: Vec<String> = op
            .params
            .iter()
            .map(|p| format!("{0}={0}", p.info.name))
            .collect();
        let _ = write!(
            out,
            "\n\ndef {}({}):\n{}    return _call(\"{}\", dict(unknown, {}))\n",
            op.info.name,
            args.join(", "),
            docstring(&op.info.doc, "    "),
            op.info.name,
            given.join(", ")
        );
    }
    out
}

/// The names `relman.types` defines (written by gen_types.py from the
/// published schemas); a type it lacks is typed as plain JSON.
fn known_types() -> BTreeSet<String> {
    let text = std::fs::read_to_string(crate::root().join("bindings/python/relman/types.py"))
        .unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("class ").unwrap_or(line);
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let after = rest.get(name.len()..).unwrap_or("");
            (!name.is_empty()
                && (after.starts_with('(') || after.starts_with(" =") || after.starts_with(':')))
            .then_some(name)
        })
        .collect()
}

/// The types used by the stub, and those `relman.types` has.
struct Types {
    used: BTreeSet<String>,
    known: BTreeSet<String>,
}

/// The Python type of a parameter's value (without `None`).
fn param_type(op: &str, p: &Param<'_>, used: &mut Types) -> Vec<String> {
    let base = match (op, p.info.name.as_str()) {
        ("validate", "kind") => named("DocumentKind", used, "str"),
        // Tables as an HTTP client returns them (`List[Dict[str, Any]]`
        // rows) type-check against the covariant `Mapping`; a dict literal
        // also against the TypedDict's table names.
        ("import_servicenow", "tables") => {
            let typed = named("ServiceNowTables", used, "Mapping[str, object]");
            let rows = named("JSONInput", used, "object");
            format!("Union[{typed}, Mapping[str, {rows}]]")
        }
        // relman/_ndjson.py streams a path or an iterable of lines.
        ("compute_kpis_ndjson", "text") => {
            return [
                "str",
                "bytes",
                "\"os.PathLike[str]\"",
                "Iterable[Union[str, bytes]]",
            ]
            .map(str::to_string)
            .to_vec()
        }
        _ => rust_to_python(&p.info.rust_type, used, p.info.scalar, false),
    };
    // Documents and objects may also be given as JSON text.
    let text = !p.info.scalar
        && p.info.form != ParamForm::DocumentText
        && !matches!(p.info.rust_type.as_str(), "Value" | "Map<String, Value>");
    if text {
        vec![base, "str".to_string()]
    } else {
        vec![base]
    }
}

/// `name` from `relman.types`, or `fallback` when it has no such type.
fn named(name: &str, types: &mut Types, fallback: &str) -> String {
    if types.known.contains(name) {
        types.used.insert(name.to_string());
        name.to_string()
    } else {
        if fallback.contains("JSONValue") {
            types.used.insert("JSONValue".to_string());
        }
        fallback.to_string()
    }
}

/// The Python type of a Rust type; `result` for a return type.
fn rust_to_python(rust: &str, types: &mut Types, scalar: bool, result: bool) -> String {
    if let Some(inner) = rust.strip_prefix("Vec<").and_then(|s| s.strip_suffix('>')) {
        return format!("Sequence[{}]", rust_to_python(inner, types, false, result));
    }
    let object = if result {
        "Dict[str, JSONValue]"
    } else {
        "Mapping[str, object]"
    };
    match rust {
        "String" => "str".to_string(),
        "u8" | "u16" | "u32" | "u64" | "usize" | "i32" | "i64" => "int".to_string(),
        "f64" => "float".to_string(),
        "bool" => "bool".to_string(),
        "Timestamp" => named("TimestampIn", types, "str"),
        "Map<String, Value>" => "Mapping[str, object]".to_string(),
        "Value" => named("JSONValue", types, "object").replace("JSONValue", "Dict[str, JSONValue]"),
        other if scalar => named(other, types, "str"),
        other => named(other, types, object),
    }
}

fn union(mut parts: Vec<String>, optional: bool) -> String {
    if optional {
        parts.push("None".to_string());
    }
    if parts.len() == 1 {
        parts.concat()
    } else {
        format!("Union[{}]", parts.join(", "))
    }
}

fn stub(ops: &[Op<'_>]) -> String {
    let mut used = Types {
        used: BTreeSet::new(),
        known: known_types(),
    };
    let mut defs = String::new();
    for op in ops {
        let args = arguments(&op.params, |p| {
            let ty = union(param_type(&op.info.name, p, &mut used), !p.info.required);
            let default = if p.info.required { "" } else { " = None" };
            format!("{}: {ty}{default}", p.info.name)
        });
        let result = rust_to_python(&op.info.result.rust_type, &mut used, false, true);
        let one_line = format!("def {}({}) -> {result}:", op.info.name, args.join(", "));
        if one_line.len() <= 99 {
            defs.push_str(&one_line);
            defs.push('\n');
        } else {
            let _ = writeln!(defs, "def {}(", op.info.name);
            for a in &args {
                let _ = writeln!(defs, "    {a},");
            }
            let _ = writeln!(defs, ") -> {result}:");
        }
        defs.push_str(&docstring(&format!("{}.", op.info.summary), "    "));
        defs.push('\n');
    }
    let mut out = header("#", "cargo run -p relman-codegen");
    out.push_str(
        "\"\"\"Type stub of relman (the run-time module is relman/__init__.py, its\n\
         functions relman/_operations.py).\n\n\
         Every document or object parameter also takes JSON text (``str``). A\n\
         required parameter is required here; at run time a missing one raises\n\
         InvalidInput naming it, like every relman front end.\n\"\"\"\n\n\
         import os\n\n\
         from typing import Dict, Iterable, Mapping, Sequence, Tuple, Union\n\n\
         from ._errors import (\n",
    );
    let classes = error_classes();
    let mut errors: Vec<&String> = classes.iter().collect();
    errors.sort_unstable();
    for e in errors {
        let _ = writeln!(out, "    {e} as {e},");
    }
    out.push_str(")\nfrom .types import (\n");
    for name in &used.used {
        let _ = writeln!(out, "    {name},");
    }
    out.push_str(")\nfrom ._prepared_context import PreparedContext as PreparedContext\nfrom ._risk_assessor import RiskAssessor as RiskAssessor\n");
    // Hand-written, typed in relman/_arrow.pyi: KPIs over Arrow objects.
    out.push_str("from ._arrow import KpiAccumulator as KpiAccumulator\nfrom ._arrow import compute_kpis_arrow as compute_kpis_arrow\n");
    for class in NATIVE_CLASSES {
        let _ = writeln!(out, "from ._relman import {class} as {class}");
    }
    out.push_str(
        "\n__version__: str\n\
         OPERATIONS: Tuple[Tuple[str, Tuple[Tuple[str, bool], ...], str], ...]\n\
         MAX_NESTING_DEPTH: int\n\n__all__ = [\n",
    );
    for e in &classes {
        let _ = writeln!(out, "    \"{e}\",");
    }
    out.push_str("    \"PreparedContext\",\n    \"RiskAssessor\",\n    \"KpiAccumulator\",\n    \"compute_kpis_arrow\",\n");
    for class in NATIVE_CLASSES {
        let _ = writeln!(out, "    \"{class}\",");
    }
    out.push_str("    \"OPERATIONS\",\n    \"MAX_NESTING_DEPTH\",\n");
    for op in ops {
        let _ = writeln!(out, "    \"{}\",", op.info.name);
    }
    out.push_str("]\n\n");
    out.push_str(&defs);
    // One blank line between stubs, none at the end.
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}
