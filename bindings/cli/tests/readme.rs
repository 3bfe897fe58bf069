//! The README's quick start as a new user runs it (issue #27): the CLI
//! installed with `cargo install --debug --locked --offline --root
//! target/readme-cli --path bindings/cli` (reusing the workspace's build),
//! then every `relman …` line of the quick start's shell blocks run by `sh`
//! with that folder on PATH, each checked against the exit code its
//! `# exit N` comment documents (0 when it names none).

// Test code: a failing test should stop loudly (clippy.toml allows this
// inside `#[test]` functions only).
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The `relman …` lines of the shell blocks of the README section titled
/// `## Quick start…`, each with its documented exit code.
fn quick_start_commands(readme: &str) -> Vec<(String, i32)> {
    let mut in_section = false;
    let mut in_block = false;
    let mut commands = Vec::new();
    for line in readme.lines() {
        if line.starts_with("## ") {
            in_section = line.starts_with("## Quick start");
            continue;
        }
        if !in_section {
            continue;
        }
        if line.starts_with("```") {
            in_block = !in_block && line.trim() == "```sh";
            continue;
        }
        if !in_block || !line.starts_with("relman ") {
            continue;
        }
        let (command, comment) = match line.split_once(" #") {
            Some((command, comment)) => (command.trim(), comment.trim()),
            None => (line.trim(), ""),
        };
        let code = comment
            .strip_prefix("exit ")
            .map(|rest| {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                digits.parse::<i32>().unwrap()
            })
            .unwrap_or(0);
        commands.push((command.to_string(), code));
    }
    commands
}

#[test]
fn the_readme_quick_start_runs_with_its_documented_exit_codes() {
    let root = workspace();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let install_root = target.join("readme-cli");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let install = Command::new(cargo)
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", &target)
        .args([
            "install",
            "--debug",
            "--locked",
            "--offline",
            "--force",
            "--root",
        ])
        .arg(&install_root)
        .args(["--path", "bindings/cli"])
        .output()
        .unwrap();
    assert!(
        install.status.success(),
        "cargo install failed:\n{}",
        String::from_utf8_lossy(&install.stderr)
    );
    let bin = install_root.join("bin");
    assert!(bin.join("relman").is_file());

    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let commands = quick_start_commands(&readme);
    assert!(commands.len() >= 5, "{commands:?}");
    // Run where a new user would, with the examples at hand; what the
    // commands write (schedule.ics) lands in a scratch folder.
    let scratch = target.join("readme-cli").join("work");
    std::fs::create_dir_all(&scratch).unwrap();
    let examples = scratch.join("examples");
    if !examples.exists() {
        std::os::unix::fs::symlink(root.join("examples"), &examples).unwrap();
    }
    let path = std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    for (command, expected) in &commands {
        let run = Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(&scratch)
            .env("PATH", &path)
            .env_remove("RELMAN_KEYS")
            .output()
            .unwrap();
        assert_eq!(
            run.status.code(),
            Some(*expected),
            "`{command}`\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }
    // The calendar line wrote the .ics, stamped by the system clock.
    let ics = std::fs::read_to_string(scratch.join("schedule.ics")).unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR"));
}
