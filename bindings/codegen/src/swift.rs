//! The generated files of the Swift binding (filled in by the Swift
//! binding's owner).

/// Every generated file of the Swift binding: its path from the workspace
/// root and its text.
pub fn generate(_catalog: &relman::api::Catalog) -> Vec<(std::path::PathBuf, String)> {
    Vec::new()
}
