//! The Node binding's generated files: `src/ops.rs` (one `#[napi]` wrapper
//! per operation, and `…Async` variants, with their TypeScript signatures
//! from the catalog, naming the types of `types.d.ts` as `T.…`: the
//! hand-written `dts-header.d.ts` that napi puts at the head of
//! `index.d.ts` imports them as `T` and re-exports them, so `index.d.ts`
//! repeats none of them).

use crate::{camel_case, header, Op, Param};
use relman::api::{Catalog, ParamForm};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Operations whose function takes one object keyed by parameter name
/// (the binding's published contract): its argument name and type.
const OBJECT_OPERATIONS: &[(&str, &str, &str)] = &[
    ("suggest_slots", "request", "T.In<T.SlotRequest>"),
    ("export_servicenow", "exported", "T.In<T.ServiceNowExport>"),
];

/// Operations that also have an `…Async` function (run on the libuv
/// thread pool, returning a Promise): the long-running ones.
const ASYNC_OPERATIONS: &[&str] = &[
    "assess_risk_many",
    "fit_risk_model",
    "detect_conflicts",
    "compute_kpis",
];

/// Every generated file of the Node binding (the names `types.d.ts`
/// exports are read from the workspace).
pub fn generate(catalog: &Catalog) -> Vec<(PathBuf, String)> {
    let ops: Vec<Op<'_>> = catalog.operations.iter().map(Op::new).collect();
    let types =
        std::fs::read_to_string(crate::root().join("bindings/node/types.d.ts")).unwrap_or_default();
    let known = exported_names(&types);
    vec![
        (
            PathBuf::from("bindings/node/src/ops.rs"),
            wrappers(&ops, &known),
        ),
        (
            PathBuf::from("bindings/node/tests/types/operations.generated.ts"),
            typed_calls(&ops, &known),
        ),
    ]
}

/// A TypeScript file calling every operation's function (and its `…Async`
/// variant) with arguments of its declared parameter types, the result
/// kept at its declared type: `tsc --noEmit --strict` checks it
/// (tests/types.test.mjs), so every generated signature is exercised.
fn typed_calls(ops: &[Op<'_>], known: &BTreeSet<String>) -> String {
    let mut out = header("//", "cargo run -p relman-codegen");
    out.push_str(
        "import * as relman from 'relman';\nimport type * as T from 'relman';\n\n/** A value of type `T` (never called: tsc only checks the types). */\n\
         declare function given<T>(): T;\n",
    );
    for op in ops {
        let name = &op.info.name;
        let function = camel_case(name);
        let result = ts_result(&op.info.result.rust_type, known);
        let args = match OBJECT_OPERATIONS.iter().find(|(n, _, _)| n == name) {
            Some((_, _, ty)) => format!("given<{ty}>()"),
            None => op
                .params
                .iter()
                .map(|p| {
                    let ty = ts_type(name, p, known);
                    if p.info.required {
                        format!("given<{ty}>()")
                    } else {
                        format!("given<{ty} | null>()")
                    }
                })
                .collect::<Vec<_>>()
                .join(", "),
        };
        let _ = writeln!(
            out,
            "\nexport const {function}Result: {result} = relman.{function}({args});"
        );
        if ASYNC_OPERATIONS.contains(&name.as_str()) {
            let _ = writeln!(
                out,
                "export const {function}AsyncResult: Promise<{result}> = relman.{function}Async({args});"
            );
        }
    }
    out
}

/// The names `types.d.ts` exports.
fn exported_names(types: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in types.lines() {
        let rest = line
            .strip_prefix("export type ")
            .or_else(|| line.strip_prefix("export interface "));
        if let Some(rest) = rest {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                names.insert(name);
            }
        }
    }
    names
}

/// The TypeScript type of a parameter's value (without null/undefined).
fn ts_type(op: &str, p: &Param<'_>, known: &BTreeSet<String>) -> String {
    match (op, p.info.name.as_str()) {
        ("validate", "kind") => return "T.DocumentKind".to_string(),
        ("validate", "document") => return "unknown".to_string(),
        ("schema", "name") => return "T.SchemaName".to_string(),
        _ => {}
    }
    if p.info.form == ParamForm::DocumentText {
        // A Buffer is read as UTF-8 text.
        return "string | Buffer".to_string();
    }
    let rust = p.info.rust_type.as_str();
    if p.info.scalar {
        return match rust {
            "String" => "string".to_string(),
            "u8" | "u16" | "u32" | "u64" | "usize" | "i32" | "i64" | "f64" => "number".to_string(),
            "bool" => "boolean".to_string(),
            "Timestamp" => "string | Date".to_string(),
            other if known.contains(other) => format!("T.{other}"),
            _ => "string".to_string(),
        };
    }
    let input = |name: &str| {
        if known.contains(name) {
            format!("T.In<T.{name}>")
        } else {
            "T.JsonInput".to_string()
        }
    };
    match rust {
        "Value" => "T.JsonInput".to_string(),
        "Map<String, Value>" => "unknown".to_string(),
        _ => match rust.strip_prefix("Vec<").and_then(|s| s.strip_suffix('>')) {
            Some(inner) => format!("{}[]", input(inner)),
            None => input(rust),
        },
    }
}

/// The TypeScript type of a result: its interface, or plain JSON when
/// `types.d.ts` has none.
fn ts_result(rust: &str, known: &BTreeSet<String>) -> String {
    if known.contains(rust) {
        format!("T.{rust}")
    } else {
        "T.JsonObject".to_string()
    }
}

/// The `ts_args_type` of a positional function: an optional parameter
/// before a required one is `T | null | undefined`, a trailing one `?`.
fn ts_args(op: &Op<'_>, known: &BTreeSet<String>) -> String {
    let last_required = op.params.iter().rposition(|p| p.info.required);
    op.params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let name = camel_case(&p.info.name);
            let ty = ts_type(&op.info.name, p, known);
            match (p.info.required, last_required.is_some_and(|r| r > i)) {
                (true, _) => format!("{name}: {ty}"),
                (false, true) => format!("{name}: {ty} | null | undefined"),
                (false, false) => format!("{name}?: {ty} | null"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn doc_comment(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                "///\n".to_string()
            } else {
                format!("/// {l}\n")
            }
        })
        .collect()
}

/// The Rust parameters (after `env`) and the `(name, value)` list.
fn rust_params(op: &Op<'_>) -> (String, String) {
    let mut params = String::new();
    let mut args = Vec::new();
    for p in &op.params {
        let name = &p.info.name;
        if p.info.required {
            let _ = write!(params, ", {name}: Unknown<'e>");
            args.push(format!("(\"{name}\", Some({name}))"));
        } else {
            let _ = write!(params, ", {name}: Option<Unknown<'e>>");
            args.push(format!("(\"{name}\", {name})"));
        }
    }
    (params, format!("vec![{}]", args.join(", ")))
}

fn wrappers(ops: &[Op<'_>], known: &BTreeSet<String>) -> String {
    let mut out = header("//", "cargo run -p relman-codegen");
    out.push_str(
        "//! One function per operation of the data contract (and `…Async`\n\
         //! variants of the long-running ones), with TypeScript signatures\n\
         //! from relman's operation catalog.\n\n\
         use crate::{run, run_object, OperationTask};\n\
         use napi::bindgen_prelude::{AsyncTask, Unknown};\n\
         use napi::Env;\n\
         use napi_derive::napi;\n\n",
    );
    out.push_str(
        "/// Operations whose function takes one object keyed by parameter name.\n\
         pub(crate) const OBJECT_OPERATIONS: &[&str] = &[",
    );
    let names: Vec<String> = OBJECT_OPERATIONS
        .iter()
        .map(|(n, _, _)| format!("\"{n}\""))
        .collect();
    out.push_str(&names.join(", "));
    out.push_str("];\n\n/// The function of each operation (its camelCase name).\npub(crate) const FUNCTIONS: &[(&str, &str)] = &[\n");
    for op in ops {
        let _ = writeln!(
            out,
            "    (\"{}\", \"{}\"),",
            op.info.name,
            camel_case(&op.info.name)
        );
    }
    out.push_str("];\n");
    for op in ops {
        let name = &op.info.name;
        let result = ts_result(&op.info.result.rust_type, known);
        let doc = doc_comment(&op.info.doc);
        if let Some((_, arg, ty)) = OBJECT_OPERATIONS.iter().find(|(n, _, _)| n == name) {
            let keys: Vec<String> = op
                .params
                .iter()
                .map(|p| format!("`{}`", p.info.name))
                .collect();
            let _ = write!(
                out,
                "\n{doc}///\n/// One object: {}.\n#[napi(ts_args_type = \"{arg}: {ty}\", ts_return_type = \"{result}\")]\n\
                 pub fn {name}<'e>(env: &'e Env, {arg}: Unknown<'e>) -> napi::Result<Unknown<'e>> {{\n    \
                 run_object(env, \"{name}\", {arg})\n}}\n",
                keys.join(", ")
            );
            continue;
        }
        let ts = ts_args(op, known);
        let (params, args) = rust_params(op);
        let _ = write!(
            out,
            "\n{doc}#[napi(ts_args_type = \"{ts}\", ts_return_type = \"{result}\")]\n\
             pub fn {name}<'e>(env: &'e Env{params}) -> napi::Result<Unknown<'e>> {{\n    \
             run(env, \"{name}\", {args})\n}}\n"
        );
        if ASYNC_OPERATIONS.contains(&name.as_str()) {
            let _ = write!(
                out,
                "\n/// `{}` on the thread pool.\n#[napi(ts_args_type = \"{ts}\", ts_return_type = \"Promise<{result}>\")]\n\
                 pub fn {name}_async<'e>(env: &'e Env{params}) -> AsyncTask<OperationTask> {{\n    \
                 AsyncTask::new(OperationTask::new(env, \"{name}\", {args}))\n}}\n",
                camel_case(name)
            );
        }
    }
    out
}
