//! The generator of relman's bindings: every file of per-operation code
//! (Python functions and stubs, Node wrappers and typings, Swift exports)
//! written from [`relman::api::catalog`], so an operation is declared once,
//! in the core.

pub mod swift;

use std::path::PathBuf;

/// Every generated file: its path from the workspace root and its text.
pub fn generate(catalog: &relman::api::Catalog) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    files.extend(swift::generate(catalog));
    files
}
