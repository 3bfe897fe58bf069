//! Corpus replay: every committed seed in `fuzz/corpus/<target>/` and every
//! kept crash in `fuzz/regressions/<target>/` runs through the target's
//! check, as an ordinary test (no cargo-fuzz needed). CI runs this with
//! `cargo test --workspace`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use relman_fuzz_support::TARGETS;
use std::path::{Path, PathBuf};

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

fn replay(target: &str, kind: &str) -> usize {
    let t = TARGETS
        .iter()
        .find(|t| t.name == target)
        .unwrap_or_else(|| panic!("no target {target}"));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(kind)
        .join(target);
    let files = files(&dir);
    for f in &files {
        let data = std::fs::read(f).unwrap();
        let run = std::panic::catch_unwind(|| (t.check)(&data));
        assert!(run.is_ok(), "{target}: {} fails", f.display());
    }
    files.len()
}

macro_rules! target_tests {
    ($($name:ident),* $(,)?) => {
        mod corpus {
            $(
                #[test]
                fn $name() {
                    let n = super::replay(stringify!($name), "corpus");
                    assert!(n > 0, "no seed corpus for {}", stringify!($name));
                }
            )*
        }
        mod regressions {
            $(
                #[test]
                fn $name() {
                    super::replay(stringify!($name), "regressions");
                }
            )*
        }
    };
}

target_tests!(
    document_parse,
    document_roundtrip,
    api_call,
    conflicts_diff,
    kpi_diff,
    kpi_ndjson,
    lifecycle_commands,
    rollout_inputs,
    cli_args,
    servicenow_readers,
    metrics_prometheus,
    metrics_datadog,
    kpi_accumulator_bytes,
);

#[test]
fn every_target_has_a_test_and_a_fuzz_target() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz_targets");
    for t in TARGETS {
        let file = dir.join(format!("{}.rs", t.name));
        let text = std::fs::read_to_string(&file).unwrap_or_else(|_| panic!("{}", file.display()));
        assert!(
            text.contains(&format!("check_{}", t.name)),
            "{} does not call check_{}",
            file.display(),
            t.name
        );
    }
    assert_eq!(files(&dir).len(), TARGETS.len());
}
