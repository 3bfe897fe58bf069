//! The crate README (bindings/cli/README.md, the crates.io page) as a new
//! user runs it (issue #26): every ```sh block, but its `cargo install`
//! line, run as one `sh -e` script with the built `relman` first on PATH, in
//! a fresh scratch folder without the repository's examples (an installed
//! CLI has none). A failing command fails the test; the blocks must run at
//! least the commands the quick start documents.

// Test code: a failing test should stop loudly (clippy.toml allows this
// inside `#[test]` functions only).
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The ```sh blocks of `readme`, each as its text.
fn sh_blocks(readme: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match current.as_mut() {
            None if line.trim() == "```sh" => current = Some(String::new()),
            None => {}
            Some(_) if line.trim() == "```" => blocks.extend(current.take()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    blocks
}

#[test]
fn the_parser_finds_the_sh_blocks() {
    let text = "# t\n```sh\nrelman demo\n```\n```rust\nfn main() {}\n```\n```sh\na\nb\n```\n";
    assert_eq!(sh_blocks(text), vec!["relman demo\n", "a\nb\n"]);
    assert!(sh_blocks("```sh\nunclosed\n").is_empty());
}

#[test]
fn every_sh_block_of_the_crate_readme_runs() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(manifest.join("README.md")).unwrap();
    let script: String = sh_blocks(&readme)
        .concat()
        .lines()
        .filter(|line| !line.trim_start().starts_with("cargo install"))
        .map(|line| format!("{line}\n"))
        .collect();
    for documented in [
        "relman --version",
        "relman demo",
        "relman validate release.json",
    ] {
        assert!(script.contains(documented), "{documented}:\n{script}");
    }

    let bin = PathBuf::from(env!("CARGO_BIN_EXE_relman"));
    let bin_dir = bin.parent().unwrap();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../target"));
    let scratch = target.join("crate-readme-cli");
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch).unwrap();
    }
    std::fs::create_dir_all(&scratch).unwrap();
    let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let run = Command::new("sh")
        .arg("-ec")
        .arg(&script)
        .current_dir(&scratch)
        .env("PATH", &path)
        .env_remove("RELMAN_KEYS")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "exit {:?}\nscript:\n{script}\nstdout:\n{}\nstderr:\n{}",
        run.status.code(),
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    // The heredoc wrote the release the later lines read.
    let release = std::fs::read_to_string(scratch.join("release.json")).unwrap();
    assert!(release.contains("\"REL-1\""), "{release}");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("REL-1: risk"), "{stdout}");
}
