//! Build-only crate with no code: its dependency list gives the shared
//! dependencies of every release artifact the same features (see its
//! Cargo.toml), so one compiled core serves the Python wheel, the npm addon,
//! the Swift static library and the benches.
