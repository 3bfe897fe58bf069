//! Snapshot files under `core/tests/snapshots/`: a test compares its output
//! with the file, or with `RELMAN_BLESS=1` rewrites the file. Shared by the
//! core tests and the CLI tests (`#[path]`), so blessing is one mechanism.

use std::path::{Path, PathBuf};

/// The snapshot directory, found from the crate that includes this file
/// (core, or a crate two levels under the workspace root).
fn dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let core = manifest.join("tests/snapshots");
    if core.is_dir() {
        core
    } else {
        manifest.join("../../core/tests/snapshots")
    }
}

/// Asserts that `actual` equals the snapshot `name`, or writes it when
/// `RELMAN_BLESS` is set.
pub fn snapshot(name: &str, actual: &str) {
    let path = dir().join(name);
    if std::env::var_os("RELMAN_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with RELMAN_BLESS=1)", path.display()));
    assert_eq!(expected, actual, "snapshot {name} differs");
}
