//! `bindings/swift/src/remote.rs`: the UniFFI remote declarations of
//! relman's core types, read from the core's own source.
//!
//! UniFFI cannot derive its traits on a type of another crate (relman stays
//! free of uniffi), so a remote declaration restates the type's fields or
//! variants; the compiler then checks the declaration against the core type
//! (a missing, extra or retyped field does not build). This module reads
//! the structs and enums with `syn` and writes those declarations, so the
//! restatement is never hand-written:
//!
//! * [`RECORDS`] and [`ENUMS`] become `#[uniffi::remote(Record)]` /
//!   `#[uniffi::remote(Enum)]` (with the core's doc comments, and defaults
//!   for the fields serde defaults);
//! * [`JSON`] types travel as JSON text (`String` in Swift): documents with
//!   open or recursive parts the Swift API does not type (docs/swift.md).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use syn::{Attribute, Fields, GenericArgument, Item, PathArguments, Type};

/// Core types that become UniFFI records: (public path, name in Swift).
const RECORDS: &[(&str, &str)] = &[
    ("relman::Release", "Release"),
    ("relman::Change", "Change"),
    ("relman::Links", "Links"),
    ("relman::RollbackPlan", "RollbackPlan"),
    ("relman::TestRun", "TestRun"),
    ("relman::Approval", "Approval"),
    ("relman::Communication", "Communication"),
    ("relman::NotifyRule", "NotifyRule"),
    ("relman::AttachedRisk", "AttachedRisk"),
    ("relman::Review", "Review"),
    ("relman::Feedback", "Feedback"),
    ("relman::document::Event", "Event"),
    ("relman::EventAuth", "EventAuth"),
    ("relman::Command", "Command"),
    ("relman::Amendment", "Amendment"),
    ("relman::Context", "Context"),
    ("relman::Actor", "ActorRecord"),
    ("relman::Warning", "Warning"),
    ("relman::Problem", "Problem"),
    ("relman::Violation", "Violation"),
    ("relman::ValidationReport", "ValidationReport"),
    ("relman::GateReport", "GateReport"),
    ("relman::Requirement", "Requirement"),
    ("relman::Applied", "Applied"),
    ("relman::Notification", "ReleaseNotification"),
    ("relman::LogVerdict", "LogVerdict"),
    ("relman::Tamper", "Tamper"),
    ("relman::Difference", "Difference"),
    ("relman::RiskAssessment", "RiskAssessment"),
    ("relman::Factor", "Factor"),
    ("relman::risk::ConditionMatch", "RiskConditionMatch"),
    ("relman::risk::ConditionMatched", "RiskConditionMatched"),
    ("relman::risk::MatchedCi", "RiskMatchedCi"),
    ("relman::risk::MatchedChange", "RiskMatchedChange"),
    ("relman::ConflictReport", "ConflictReport"),
    ("relman::Conflict", "Conflict"),
    ("relman::SlotSuggestion", "SlotSuggestion"),
    ("relman::DeploymentOrder", "DeploymentOrder"),
    ("relman::schedule::Wave", "DeploymentWave"),
    ("relman::schedule::CriticalPath", "CriticalPath"),
    ("relman::schedule::SkippedRelease", "SkippedRelease"),
    ("relman::UnauthorizedReport", "UnauthorizedReport"),
    (
        "relman::unauthorized::UnauthorizedDeployment",
        "UnauthorizedDeployment",
    ),
    (
        "relman::unauthorized::UnauthorizedReason",
        "UnauthorizedReason",
    ),
    ("relman::OverdueReport", "OverdueReport"),
    ("relman::overdue::OverdueRelease", "OverdueRelease"),
    ("relman::overdue::OverdueQuorum", "OverdueQuorum"),
    ("relman::conflict::Window", "TimeWindow"),
    ("relman::ReleaseNotes", "ReleaseNotes"),
    ("relman::api::RiskBatch", "RiskBatch"),
    ("relman::api::BatchError", "BatchError"),
    ("relman::FittedRiskModel", "FittedRiskModel"),
    ("relman::rollout::RolloutStep", "RolloutStep"),
    ("relman::rollout::Reason", "Reason"),
    ("relman::rollout::CanaryJudgement", "CanaryJudgement"),
    ("relman::KpiReport", "KpiReport"),
    ("relman::IcsExport", "CalendarExport"),
    ("relman::Report", "HtmlReport"),
    ("relman::ServiceNowImport", "ServiceNowImport"),
    ("relman::ServiceNowPatches", "ServiceNowPatches"),
];

/// Core enums that become UniFFI enums: (public path, name in Swift).
const ENUMS: &[(&str, &str)] = &[
    ("relman::State", "ReleaseState"),
    ("relman::ReleaseKind", "ReleaseKind"),
    ("relman::ChangeKind", "ChangeKind"),
    ("relman::TestKind", "TestKind"),
    ("relman::Role", "Role"),
    ("relman::Decision", "Decision"),
    ("relman::Trigger", "Trigger"),
    ("relman::Outcome", "Outcome"),
    ("relman::RiskLevel", "RiskLevel"),
    ("relman::policy::RiskAggregation", "RiskAggregation"),
    ("relman::Criticality", "Criticality"),
    ("relman::KeyAlgorithm", "KeyAlgorithm"),
    ("relman::Action", "Action"),
    ("relman::TamperKind", "TamperKind"),
    ("relman::DifferenceKind", "DifferenceKind"),
    ("relman::ConflictKind", "ConflictKind"),
    ("relman::unauthorized::UnauthorizedRule", "UnauthorizedRule"),
    ("relman::Severity", "ConflictSeverity"),
    ("relman::NotesFormat", "NotesFormat"),
    ("relman::DocumentKind", "DocumentKind"),
    ("relman::rollout::RolloutDecision", "RolloutDecision"),
    ("relman::rollout::CanaryVerdict", "CanaryVerdict"),
    ("relman::rollout::MetricFormat", "MetricFormat"),
];

/// Core types that travel as JSON text: (public path, name in Swift).
const JSON: &[(&str, &str)] = &[
    ("relman::Policy", "Policy"),
    ("relman::Cmdb", "Cmdb"),
    ("relman::Calendar", "ChangeCalendar"),
    ("relman::Schedule", "Schedule"),
    ("relman::History", "History"),
    ("relman::DeploymentPlan", "DeploymentPlan"),
    ("relman::rollout::RolloutState", "RolloutState"),
    ("relman::Recipient", "Recipient"),
    ("relman::ErrorBody", "ErrorBody"),
    ("relman::rollout::MetricJudgement", "MetricJudgement"),
    ("relman::rollout::MetricImport", "MetricImport"),
    ("relman::policy::RiskModel", "RiskModel"),
    ("relman::risk::FitQuality", "FitQuality"),
    ("relman::risk::FitSamples", "FitSamples"),
    ("relman::KpiSettings", "KpiSettings"),
    ("relman::kpi::PeriodSpan", "PeriodSpan"),
    ("relman::kpi::BenchmarkRef", "BenchmarkRef"),
    ("relman::kpi::KpiSet", "KpiSet"),
    ("relman::kpi::SeriesBucket", "SeriesBucket"),
    ("relman::kpi::KpiGroup", "KpiGroup"),
    ("relman::kpi::AttributionSummary", "AttributionSummary"),
    ("relman::kpi::RecordCounts", "RecordCounts"),
    ("relman::interop::RecordPatch", "RecordPatch"),
    ("relman::interop::ImportedApproval", "ImportedApproval"),
    ("relman::interop::FieldDiff", "FieldDiff"),
    ("serde_json::Value", "JsonValue"),
    ("relman::Extra", "JsonObject"),
];

/// Types UniFFI knows, written as they are.
const BUILTIN: &[&str] = &[
    "String", "bool", "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "f32", "f64",
];

/// Types with a hand-written custom type in `json.rs`: (core name, name).
const CUSTOM: &[(&str, &str)] = &[("Timestamp", "Timestamp"), ("usize", "Count")];

/// A core item found in the source.
struct Found {
    item: Item,
    file: PathBuf,
}

/// The name in Swift (and in the binding's Rust) of a core type, by its
/// name in the core (`State` → `ReleaseState`), for the types remote.rs
/// declares; `None` for any other.
pub fn swift_name(core: &str) -> Option<&'static str> {
    RECORDS
        .iter()
        .chain(ENUMS)
        .chain(JSON)
        .find(|(path, _)| path.rsplit("::").next() == Some(core))
        .map(|(_, name)| *name)
}

/// Whether `name` (a Swift name) is an enum.
pub fn is_enum(name: &str) -> bool {
    ENUMS.iter().any(|(_, n)| *n == name)
}

/// Whether `name` (a Swift name) is a record or an enum (not JSON text).
pub fn is_typed(name: &str) -> bool {
    RECORDS.iter().chain(ENUMS).any(|(_, n)| *n == name)
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    Ok(())
}

/// Every top-level struct and enum of the core, by name.
fn core_items(src: &Path) -> Result<BTreeMap<String, Vec<Found>>, String> {
    let mut files = Vec::new();
    rust_files(src, &mut files)?;
    let mut items: BTreeMap<String, Vec<Found>> = BTreeMap::new();
    for file in files {
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let parsed = syn::parse_file(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        let rel = file.strip_prefix(src).unwrap_or(&file).to_path_buf();
        for item in parsed.items {
            let name = match &item {
                Item::Struct(s) => s.ident.to_string(),
                Item::Enum(e) => e.ident.to_string(),
                _ => continue,
            };
            items.entry(name).or_default().push(Found {
                item,
                file: rel.clone(),
            });
        }
    }
    Ok(items)
}

/// The item a public path names: the only one of its name, or the one whose
/// file lies under the path's modules (`relman::schedule::Wave`).
fn find<'a>(items: &'a BTreeMap<String, Vec<Found>>, path: &str) -> Result<&'a Item, String> {
    let segments: Vec<&str> = path.split("::").collect();
    let name = segments.last().copied().unwrap_or(path);
    let modules = segments
        .get(1..segments.len().saturating_sub(1))
        .unwrap_or(&[]);
    let candidates = items.get(name).map(Vec::as_slice).unwrap_or(&[]);
    let matching: Vec<&Found> = candidates
        .iter()
        .filter(|f| {
            candidates.len() == 1
                || modules.iter().all(|m| {
                    f.file
                        .components()
                        .any(|c| c.as_os_str().to_string_lossy().trim_end_matches(".rs") == *m)
                })
        })
        .collect();
    match matching.as_slice() {
        [one] => Ok(&one.item),
        [] => Err(format!("no struct or enum `{path}` in core/src")),
        _ => Err(format!(
            "`{path}` names several items in core/src: {}",
            matching
                .iter()
                .map(|f| f.file.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The generator's state: how each core type name is written in remote.rs.
struct Names {
    /// Core type name (last path segment) → name in remote.rs.
    by_core: BTreeMap<String, String>,
}

impl Names {
    fn new() -> Self {
        let mut by_core = BTreeMap::new();
        for b in BUILTIN {
            by_core.insert((*b).to_string(), (*b).to_string());
        }
        for (core, name) in CUSTOM {
            by_core.insert((*core).to_string(), (*name).to_string());
        }
        for (path, name) in RECORDS.iter().chain(ENUMS).chain(JSON) {
            let core = path.rsplit("::").next().unwrap_or(path);
            by_core.insert(core.to_string(), (*name).to_string());
        }
        // The alias of serde_json's map type.
        by_core.insert("Map".to_string(), "JsonObject".to_string());
        Names { by_core }
    }

    /// `ty` as written in remote.rs, or why it cannot cross the FFI.
    fn ty(&self, ty: &Type, owner: &str) -> Result<String, String> {
        let Type::Path(p) = ty else {
            return Err(format!("{owner}: a field type UniFFI cannot carry"));
        };
        let last = p
            .path
            .segments
            .last()
            .ok_or_else(|| format!("{owner}: an empty type path"))?;
        let name = last.ident.to_string();
        let args: Vec<&Type> = match &last.arguments {
            PathArguments::AngleBracketed(a) => a
                .args
                .iter()
                .filter_map(|a| match a {
                    GenericArgument::Type(t) => Some(t),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        match (name.as_str(), args.as_slice()) {
            ("Option" | "Vec" | "Box", [inner]) => {
                let inner = self.ty(inner, owner)?;
                Ok(if name == "Box" {
                    inner
                } else {
                    format!("{name}<{inner}>")
                })
            }
            ("Map", [_, _]) => Ok("JsonObject".to_string()),
            (_, []) => self.by_core.get(&name).cloned().ok_or_else(|| {
                format!(
                    "{owner}: type `{name}` is neither a record, an enum nor JSON text: \
                     add it to RECORDS, ENUMS or JSON in bindings/codegen/src/swift/remote.rs"
                )
            }),
            _ => Err(format!(
                "{owner}: generic type `{name}` has no UniFFI form: make the owner JSON text"
            )),
        }
    }
}

/// The `///` lines of `attrs`, indented.
fn docs(attrs: &[Attribute], indent: &str) -> String {
    let mut out = String::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
            {
                let line = s.value();
                let _ = writeln!(out, "{indent}///{}", line.trim_end());
            }
        }
    }
    out
}

/// Whether serde fills the field in when absent (`#[serde(default…)]`).
fn serde_default(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("serde") && {
            let mut found = false;
            let _ = a.parse_nested_meta(|m| {
                if m.path.is_ident("default") {
                    found = true;
                }
                if m.input.peek(syn::Token![=]) {
                    let _: syn::Expr = m.value()?.parse()?;
                }
                Ok(())
            });
            found
        }
    })
}

/// The `#[uniffi(default…)]` of a field serde defaults, by its written
/// type: what serde fills in when the field is absent.
fn uniffi_default(written: &str, records: &[&str]) -> Option<String> {
    let value = if written.starts_with("Option<") {
        "None"
    } else if written.starts_with("Vec<") {
        "[]"
    } else if written == "bool" {
        "false"
    } else if written == "JsonObject" {
        "\"{}\""
    } else if written == "String" {
        "\"\""
    } else if matches!(
        written,
        "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64"
    ) {
        "0"
    } else if records.contains(&written) {
        return Some("#[uniffi(default)]".to_string());
    } else {
        return None;
    };
    Some(format!("#[uniffi(default = {value})]"))
}

/// The text of remote.rs, from the core source under `src`.
pub fn generate(src: &Path) -> Result<String, String> {
    let items = core_items(src)?;
    let names = Names::new();
    let record_names: Vec<&str> = RECORDS.iter().map(|(_, name)| *name).collect();
    let mut out = String::new();
    out.push_str(
        "// @generated by relman-codegen (bindings/codegen/src/swift/remote.rs)\n\
         // from relman's core source; run scripts/gen-swift, do not edit.\n\
         //! relman's core types as UniFFI remote types: records, enums and JSON\n\
         //! text (docs/swift.md). Each declaration restates a core type and is\n\
         //! checked against it by the compiler.\n\n\
         #![allow(missing_docs)]\n\n\
         use crate::json::{Count, JsonObject, JsonValue, Timestamp};\n\n",
    );
    // Imports under the names the Swift API uses.
    let mut uses = Vec::new();
    for (path, name) in RECORDS.iter().chain(ENUMS).chain(JSON) {
        if *name == "JsonValue" || *name == "JsonObject" {
            continue;
        }
        let core = path.rsplit("::").next().unwrap_or(path);
        if core == *name {
            uses.push(format!("pub use {path};\n"));
        } else {
            uses.push(format!("pub use {path} as {name};\n"));
        }
    }
    for u in uses {
        out.push_str(&u);
    }
    out.push('\n');
    for (path, name) in JSON {
        if *name == "JsonValue" || *name == "JsonObject" {
            continue;
        }
        find(&items, path)?;
        let _ = writeln!(out, "crate::json::json_text!({name});");
    }
    for (path, name) in RECORDS {
        let Item::Struct(s) = find(&items, path)? else {
            return Err(format!("`{path}` is not a struct"));
        };
        let Fields::Named(fields) = &s.fields else {
            return Err(format!("`{path}` has no named fields"));
        };
        out.push('\n');
        out.push_str(&docs(&s.attrs, ""));
        let _ = writeln!(out, "#[uniffi::remote(Record)]\npub struct {name} {{");
        for field in &fields.named {
            let ident = field
                .ident
                .as_ref()
                .ok_or_else(|| format!("`{path}`: a field without a name"))?;
            let written = names.ty(&field.ty, &format!("{path}.{ident}"))?;
            out.push_str(&docs(&field.attrs, "    "));
            if serde_default(&field.attrs) || written == "JsonObject" {
                if let Some(d) = uniffi_default(&written, &record_names) {
                    let _ = writeln!(out, "    {d}");
                }
            }
            let _ = writeln!(out, "    pub {ident}: {written},");
        }
        out.push_str("}\n");
    }
    for (path, name) in ENUMS {
        let Item::Enum(e) = find(&items, path)? else {
            return Err(format!("`{path}` is not an enum"));
        };
        out.push('\n');
        out.push_str(&docs(&e.attrs, ""));
        let _ = writeln!(out, "#[uniffi::remote(Enum)]\npub enum {name} {{");
        for v in &e.variants {
            out.push_str(&docs(&v.attrs, "    "));
            match &v.fields {
                Fields::Unit => {
                    let _ = writeln!(out, "    {},", v.ident);
                }
                Fields::Named(fields) => {
                    let _ = writeln!(out, "    {} {{", v.ident);
                    for field in &fields.named {
                        let ident = field
                            .ident
                            .as_ref()
                            .ok_or_else(|| format!("`{path}`: a field without a name"))?;
                        let written =
                            names.ty(&field.ty, &format!("{path}::{}.{ident}", v.ident))?;
                        out.push_str(&docs(&field.attrs, "        "));
                        if serde_default(&field.attrs) {
                            if let Some(d) = uniffi_default(&written, &record_names) {
                                let _ = writeln!(out, "        {d}");
                            }
                        }
                        let _ = writeln!(out, "        {ident}: {written},");
                    }
                    out.push_str("    },\n");
                }
                Fields::Unnamed(_) => {
                    return Err(format!("`{path}::{}`: a tuple variant", v.ident));
                }
            }
        }
        out.push_str("}\n");
    }
    Ok(out)
}
