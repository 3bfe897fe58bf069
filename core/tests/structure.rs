//! The layers of the core, checked: no module imports from a layer above
//! its own, and no two modules import each other, directly or round a
//! cycle (docs/architecture.md draws the layers).
//!
//! The check reads `core/src` as text: every `use` declaration (trees
//! expanded) and every inline `crate::…`, `super::…` and `self::…` path,
//! with comments and string literals removed first. A path through a
//! re-export of the crate root (`crate::Release`) counts as an import of
//! the module that defines the item. A module is a top-level module of
//! the crate, or a module one level inside a layer directory
//! (`foundation::error`).

// Test code: a malformed tree stops the test loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The layers, lowest first, and the modules in each. A module not listed
/// here fails the check: a new module has to be placed in a layer.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundation",
        &[
            "foundation::canonical",
            "foundation::error",
            "foundation::hash",
            "foundation::hex",
            "foundation::identity",
            "foundation::intern",
            "foundation::json_schema",
            "foundation::limits",
            "foundation::parallel",
            "foundation::path",
            "foundation::timestamp",
        ],
    ),
    ("documents", &["document"]),
    ("policy", &["policy", "context"]),
    (
        "engines",
        &[
            "engine::agenda",
            "engine::audit",
            "engine::calendar",
            "engine::closure",
            "engine::conflict",
            "engine::keys",
            "engine::kpi",
            "engine::lifecycle",
            "engine::overdue",
            "engine::record",
            "engine::risk",
            "engine::rollout",
            "engine::schedule",
            "engine::versions",
            "engine::unauthorized",
        ],
    ),
    (
        "outputs",
        &[
            "output::agenda",
            "output::ics",
            "output::interop",
            "output::notes",
            "output::report",
        ],
    ),
    (
        "operations",
        &[
            "operation::api",
            "operation::ndjson",
            "operation::prepared",
            "operation::prepared_context",
            "operation::risk_assessor",
            "operation::schema",
            "operation::structure",
            "operation::validate",
        ],
    ),
];

/// The directories whose children are modules of their own.
const LAYER_DIRS: &[&str] = &["foundation", "engine", "output", "operation"];

/// One import found in the source: which file, which line, what path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Import {
    file: String,
    line: usize,
    path: Vec<String>,
}

/// A source tree: file (relative to `src`) → text.
type Tree = BTreeMap<String, String>;

fn read_tree(dir: &Path) -> Tree {
    fn walk(root: &Path, dir: &Path, out: &mut Tree) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).unwrap().to_string_lossy();
                out.insert(rel.replace('\\', "/"), fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut out = Tree::new();
    walk(dir, dir, &mut out);
    out
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The module path of a file: `conflict/model.rs` → `[conflict, model]`.
fn module_of(file: &str) -> Vec<String> {
    let stem = file.strip_suffix(".rs").unwrap_or(file);
    let mut parts: Vec<String> = stem.split('/').map(str::to_string).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The text with comments, string and char literals blanked (newlines
/// kept, so line numbers still hold).
fn strip(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |out: &mut String, s: &[u8]| {
        for &c in s {
            out.push(if c == b'\n' { '\n' } else { ' ' });
        }
    };
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"//") {
            let end = rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
            blank(&mut out, &rest[..end]);
            i += end;
        } else if rest.starts_with(b"/*") {
            let (mut depth, mut j) = (0usize, 0usize);
            while j < rest.len() {
                if rest[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if rest[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank(&mut out, &rest[..j]);
            i += j;
        } else if rest.starts_with(b"r\"") || rest.starts_with(b"r#") || rest.starts_with(b"br") {
            // A raw string: r"…", r#"…"#, br#"…"#.
            let start = if rest[0] == b'b' { 2 } else { 1 };
            let hashes = rest[start..].iter().take_while(|&&c| c == b'#').count();
            if rest.get(start + hashes) != Some(&b'"')
                || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
            {
                out.push(char::from(rest[0]));
                i += 1;
                continue;
            }
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            let body = start + hashes + 1;
            let end = rest[body..]
                .windows(close.len())
                .position(|w| w == close.as_slice())
                .map_or(rest.len(), |p| body + p + close.len());
            blank(&mut out, &rest[..end]);
            i += end;
        } else if rest[0] == b'"' {
            let mut j = 1;
            while j < rest.len() && rest[j] != b'"' {
                j += if rest[j] == b'\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(rest.len());
            blank(&mut out, &rest[..end]);
            i += end;
        } else if rest[0] == b'\'' {
            // A char literal ('a', '\n', '\u{1F600}'), not a lifetime.
            let len = if rest.get(1) == Some(&b'\\') {
                rest[2..].iter().position(|&c| c == b'\'').map(|p| p + 3)
            } else {
                let ch = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                (rest.get(1 + ch) == Some(&b'\'')).then_some(ch + 2)
            };
            match len {
                Some(n) => {
                    blank(&mut out, &rest[..n]);
                    i += n;
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            let ch = text[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// The tokens of stripped text: identifiers, `::` and single punctuation,
/// each with its line.
fn tokens(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut line = 1;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((line, chars[start..i].iter().collect()));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push((line, "::".to_string()));
            i += 2;
        } else {
            out.push((line, c.to_string()));
            i += 1;
        }
    }
    out
}

/// The tokens without `#[cfg(test)] mod … { … }` blocks: unit tests may
/// use anything the crate has; the layers bind the library.
fn without_test_modules(toks: Vec<(usize, String)>) -> Vec<(usize, String)> {
    const CFG_TEST: [&str; 7] = ["#", "[", "cfg", "(", "test", ")", "]"];
    let mut out = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        let is_cfg_test = toks.len() >= i + CFG_TEST.len()
            && toks[i..i + CFG_TEST.len()]
                .iter()
                .zip(CFG_TEST)
                .all(|(t, want)| t.1 == want);
        if is_cfg_test {
            // Skip the attribute, any further attributes, `mod name`, and
            // the braced body.
            let mut j = i + CFG_TEST.len();
            while toks.get(j).map(|t| t.1.as_str()) == Some("#") {
                let mut depth = 0usize;
                j += 1;
                while let Some(t) = toks.get(j) {
                    j += 1;
                    match t.1.as_str() {
                        "[" => depth += 1,
                        "]" => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            if toks.get(j).map(|t| t.1.as_str()) == Some("mod")
                && toks.get(j + 2).map(|t| t.1.as_str()) == Some("{")
            {
                let mut depth = 0usize;
                j += 2;
                while let Some(t) = toks.get(j) {
                    j += 1;
                    match t.1.as_str() {
                        "{" => depth += 1,
                        "}" => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                i = j;
                continue;
            }
        }
        out.push(toks[i].clone());
        i += 1;
    }
    out
}

/// Expands a use tree (`a::{b, c::{d, e}}`) starting at `toks[*i]` into
/// full paths, appending each to `out`.
fn use_tree(
    toks: &[(usize, String)],
    i: &mut usize,
    prefix: &[String],
    out: &mut Vec<Vec<String>>,
) {
    let mut path = prefix.to_vec();
    loop {
        match toks.get(*i).map(|t| t.1.as_str()) {
            Some("{") => {
                *i += 1;
                loop {
                    match toks.get(*i).map(|t| t.1.as_str()) {
                        Some("}") => {
                            *i += 1;
                            return;
                        }
                        Some(",") => *i += 1,
                        None => return,
                        _ => use_tree(toks, i, &path, out),
                    }
                }
            }
            Some("::") => *i += 1,
            Some("*") => {
                *i += 1;
                path.push("*".to_string());
                out.push(path);
                return;
            }
            Some("as") => *i += 2,
            Some(t) if t.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                path.push(t.to_string());
                *i += 1;
            }
            _ => {
                if path.len() > prefix.len() {
                    out.push(path);
                }
                return;
            }
        }
    }
}

/// Every module-relative path a file names: `use` trees and inline
/// `crate::`/`super::`/`self::` paths, made absolute (from the crate
/// root). Paths into other crates are left out.
fn imports(file: &str, text: &str) -> Vec<Import> {
    imports_in(file, text, &BTreeSet::new())
}

/// [`imports`], where a path that starts with a child module of the
/// file's module (`use policy::Policy;` in `lib.rs`) is relative to it.
fn imports_in(file: &str, text: &str, modules: &BTreeSet<Vec<String>>) -> Vec<Import> {
    let module = module_of(file);
    let toks = without_test_modules(tokens(&strip(text)));
    let absolute = |raw: &[String]| -> Option<Vec<String>> {
        let mut base: Vec<String> = match raw.first().map(String::as_str) {
            Some("crate") => Vec::new(),
            Some("self") => module.clone(),
            Some("super") => {
                let mut m = module.clone();
                m.pop();
                m
            }
            // At the crate root, a path is relative to the root (it may
            // name a module, a re-exported one or another crate).
            Some(_) if module.is_empty() => return Some(raw.to_vec()),
            Some(first) => {
                let mut child = module.clone();
                child.push(first.to_string());
                if !modules.contains(&child) {
                    return None;
                }
                let mut abs = module.clone();
                abs.extend(raw.iter().cloned());
                return Some(abs);
            }
            None => return None,
        };
        let mut rest = &raw[1..];
        while rest.first().map(String::as_str) == Some("super") {
            base.pop();
            rest = &rest[1..];
        }
        base.extend(rest.iter().cloned());
        Some(base)
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let (line, tok) = (&toks[i].0, toks[i].1.as_str());
        let prev = i.checked_sub(1).map(|p| toks[p].1.as_str());
        if tok == "use" && prev != Some("::") {
            let mut paths = Vec::new();
            i += 1;
            use_tree(&toks, &mut i, &[], &mut paths);
            for p in paths {
                if let Some(abs) = absolute(&p) {
                    out.push(Import {
                        file: file.to_string(),
                        line: *line,
                        path: abs,
                    });
                }
            }
            continue;
        }
        if matches!(tok, "crate" | "super" | "self")
            && prev != Some("::")
            && toks.get(i + 1).map(|t| t.1.as_str()) == Some("::")
        {
            let mut raw = vec![tok.to_string()];
            let mut j = i + 1;
            while toks.get(j).map(|t| t.1.as_str()) == Some("::") {
                match toks.get(j + 1) {
                    Some((_, t)) if t.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                        raw.push(t.clone());
                        j += 2;
                    }
                    _ => break,
                }
            }
            if let Some(abs) = absolute(&raw) {
                out.push(Import {
                    file: file.to_string(),
                    line: *line,
                    path: abs,
                });
            }
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

/// The modules of a tree and the names the crate root re-exports from
/// each (`pub use x::{A, b}` in `lib.rs`; `pub use x::*` re-exports every
/// `pub` name of `x`).
struct Crate {
    modules: BTreeSet<Vec<String>>,
    root_names: BTreeMap<String, Vec<String>>,
}

fn pub_names(tree: &Tree, modules: &BTreeSet<Vec<String>>, module: &[String]) -> Vec<String> {
    let mut names = Vec::new();
    for (file, text) in tree {
        if module_of(file) != module {
            continue;
        }
        let toks = tokens(&strip(text));
        for w in toks.windows(3) {
            if w[0].1 == "pub"
                && matches!(
                    w[1].1.as_str(),
                    "struct" | "enum" | "fn" | "type" | "const" | "trait" | "mod" | "static"
                )
            {
                names.push(w[2].1.clone());
            }
        }
        for imp in imports_in(file, text, modules) {
            if let Some(last) = imp.path.last() {
                names.push(last.clone());
            }
        }
    }
    names
}

fn crate_of(tree: &Tree) -> Crate {
    let modules: BTreeSet<Vec<String>> = tree.keys().map(|f| module_of(f)).collect();
    let mut root_names = BTreeMap::new();
    if let Some(lib) = tree.get("lib.rs") {
        for imp in imports_in("lib.rs", lib, &modules) {
            if imp.path.last().map(String::as_str) == Some("*") {
                let target = &imp.path[..imp.path.len() - 1];
                for name in pub_names(tree, &modules, target) {
                    root_names.entry(name).or_insert_with(|| target.to_vec());
                }
            } else if let Some(name) = imp.path.last() {
                // A name re-exported twice is a module and an item of the
                // same name (`validate` and `validate::validate`): the
                // module comes first in `lib.rs` and is the one paths
                // continue through.
                root_names
                    .entry(name.clone())
                    .or_insert_with(|| imp.path.clone());
            }
        }
    }
    Crate {
        modules,
        root_names,
    }
}

impl Crate {
    /// The module a path leads into, following root re-exports.
    fn target(&self, path: &[String]) -> Option<Vec<String>> {
        let mut path = path.to_vec();
        for _ in 0..4 {
            let longest = (1..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|p| self.modules.contains(p));
            match longest {
                Some(m) => return Some(m),
                None => {
                    let first = path.first()?;
                    let via = self.root_names.get(first)?;
                    let mut next = via.clone();
                    next.extend(path[1..].iter().cloned());
                    if next == path {
                        return None;
                    }
                    path = next;
                }
            }
        }
        None
    }
}

/// The unit a module belongs to: its top-level module, or its first two
/// segments inside a layer directory.
fn unit(module: &[String]) -> Option<String> {
    let first = module.first()?;
    if LAYER_DIRS.contains(&first.as_str()) {
        let second = module.get(1)?;
        Some(format!("{first}::{second}"))
    } else {
        Some(first.clone())
    }
}

fn layer(unit: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, units)| units.contains(&unit))
}

/// Every violation of the structure: modules in no layer, imports that
/// run up a layer, cycles among modules.
fn violations(tree: &Tree) -> Vec<String> {
    let krate = crate_of(tree);
    let mut out = Vec::new();
    let mut edges: BTreeMap<String, BTreeMap<String, Import>> = BTreeMap::new();
    for (file, text) in tree {
        if file == "lib.rs" {
            continue;
        }
        let Some(from) = unit(&module_of(file)) else {
            continue;
        };
        if layer(&from).is_none() {
            out.push(format!(
                "{file}: module `{from}` is in no layer (add it to LAYERS in core/tests/structure.rs and docs/architecture.md)"
            ));
            continue;
        }
        for imp in imports_in(file, text, &krate.modules) {
            let Some(target) = krate.target(&imp.path) else {
                // A path from the crate root that leads nowhere the check
                // knows would escape it: name it.
                out.push(format!(
                    "{}:{}: cannot tell which module `{}` is in",
                    imp.file,
                    imp.line,
                    imp.path.join("::")
                ));
                continue;
            };
            let Some(to) = unit(&target) else { continue };
            if to == from {
                continue;
            }
            edges
                .entry(from.clone())
                .or_default()
                .entry(to)
                .or_insert(imp);
        }
    }
    for (from, tos) in &edges {
        for (to, imp) in tos {
            let (Some(lf), Some(lt)) = (layer(from), layer(to)) else {
                continue;
            };
            if lt > lf {
                out.push(format!(
                    "{}:{}: `{from}` ({}) imports `{}` from `{to}` ({}), a higher layer",
                    imp.file,
                    imp.line,
                    LAYERS[lf].0,
                    imp.path.join("::"),
                    LAYERS[lt].0
                ));
            }
        }
    }
    // Cycles: a depth-first search over the module graph.
    let mut state: BTreeMap<&str, u8> = BTreeMap::new();
    let mut stack: Vec<&str> = Vec::new();
    fn visit<'a>(
        n: &'a str,
        edges: &'a BTreeMap<String, BTreeMap<String, Import>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
        out: &mut Vec<String>,
    ) {
        state.insert(n, 1);
        stack.push(n);
        for (to, imp) in edges.get(n).into_iter().flatten() {
            match state.get(to.as_str()) {
                Some(1) => {
                    let at = stack.iter().position(|s| s == to).unwrap_or(0);
                    let mut cycle: Vec<&str> = stack[at..].to_vec();
                    cycle.push(to);
                    out.push(format!(
                        "import cycle {} (closed by {}:{}: `{}`)",
                        cycle.join(" → "),
                        imp.file,
                        imp.line,
                        imp.path.join("::")
                    ));
                }
                Some(_) => {}
                None => visit(to, edges, state, stack, out),
            }
        }
        stack.pop();
        state.insert(n, 2);
    }
    for n in edges.keys() {
        if !state.contains_key(n.as_str()) {
            visit(n, &edges, &mut state, &mut stack, &mut out);
        }
    }
    out
}

#[test]
fn no_import_runs_up_a_layer_and_no_module_cycle() {
    let found = violations(&read_tree(&src_dir()));
    assert!(
        found.is_empty(),
        "{} structure violation(s) (docs/architecture.md):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn a_planted_upward_import_fails_the_check() {
    let mut tree = read_tree(&src_dir());
    assert!(
        violations(&tree).is_empty(),
        "the real tree must pass first"
    );
    // A `use` line in the foundation reaching up to the operations.
    let path = "foundation/path.rs".to_string();
    let text = tree.get(&path).expect("foundation/path.rs exists").clone();
    tree.insert(path.clone(), format!("use crate::api::call;\n{text}"));
    let found = violations(&tree);
    assert!(
        found.iter().any(|v| v.starts_with("foundation/path.rs:1:")
            && v.contains(
                "`foundation::path` (foundation) imports `api::call` from `operation::api` (operations)"
            )),
        "{found:#?}"
    );
}

#[test]
fn a_planted_inline_path_and_a_root_reexport_are_seen() {
    let mut tree = read_tree(&src_dir());
    let text = tree
        .get("document/actor.rs")
        .expect("document/actor.rs")
        .clone();
    // An inline path, in an expression, through a root re-export.
    tree.insert(
        "document/actor.rs".to_string(),
        format!("{text}\nfn planted() {{ let _ = crate::detect_conflicts; }}\n"),
    );
    let found = violations(&tree);
    assert!(
        found.iter().any(|v| v.starts_with("document/actor.rs:")
            && v.contains("from `engine::conflict` (engines)")),
        "{found:#?}"
    );
}

#[test]
fn a_planted_cycle_fails_the_check() {
    let mut tree = read_tree(&src_dir());
    // `notes` and `ics` are both outputs: importing each other is a cycle,
    // not an upward import.
    for (file, import) in [
        ("output/notes.rs", "crate::ics::calendar_ics"),
        ("output/ics.rs", "crate::notes::release_notes"),
    ] {
        let text = tree.get(file).expect("file exists").clone();
        tree.insert(file.to_string(), format!("use {import};\n{text}"));
    }
    let found = violations(&tree);
    assert!(
        found
            .iter()
            .any(|v| v.starts_with("import cycle") && v.contains("ics") && v.contains("notes")),
        "{found:#?}"
    );
}

#[test]
fn unit_test_modules_are_left_out() {
    let text = "use crate::document::Release;\n#[cfg(test)]\n#[allow(clippy::unwrap_used)]\nmod tests {\n    use crate::api::call;\n    fn f() { crate::parse::<X>(\"\"); }\n}\nfn g() { crate::limits::depth(); }\n";
    let found: Vec<String> = imports("audit.rs", text)
        .into_iter()
        .map(|i| format!("{}:{}", i.line, i.path.join("::")))
        .collect();
    assert_eq!(found, ["1:document::Release", "8:limits::depth"]);
}

#[test]
fn comments_and_strings_are_not_imports() {
    let text = "// use crate::api::call;\n/* crate::api */ const S: &str = \"crate::api::call\";\nconst R: &str = r#\"use crate::api;\"#;\nfn f<'a>(x: &'a str) -> char { 'c' }\n";
    assert!(imports("foundation/path.rs", text).is_empty());
    let text = "use super::{a::{B, c}, d as e};\nfn f() { crate::x::y(); }\n";
    let found: Vec<String> = imports("document/release.rs", text)
        .into_iter()
        .map(|i| format!("{}:{}", i.line, i.path.join("::")))
        .collect();
    assert_eq!(
        found,
        [
            "1:document::a::B",
            "1:document::a::c",
            "1:document::d",
            "2:x::y"
        ]
    );
}

#[test]
fn a_path_the_check_cannot_place_fails_it() {
    let mut tree = read_tree(&src_dir());
    let text = tree
        .get("output/notes.rs")
        .expect("output/notes.rs")
        .clone();
    tree.insert(
        "output/notes.rs".to_string(),
        format!("{text}\nfn planted() {{ crate::nowhere::helper(); }}\n"),
    );
    let found = violations(&tree);
    assert!(
        found.iter().any(|v| v.starts_with("output/notes.rs:")
            && v.ends_with("cannot tell which module `nowhere::helper` is in")),
        "{found:#?}"
    );
}
