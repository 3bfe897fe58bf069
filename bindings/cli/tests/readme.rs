//! The README as a new user runs it (issue #27): the CLI installed with
//! `cargo install --debug --locked --offline --root target/readme-cli
//! --path bindings/cli` (reusing the workspace's build), then EVERY
//! `relman …` line of every ```sh block of README.md (a line whose command,
//! after any leading `NAME=value` assignments, is `relman`; a line ending in
//! `\` continues on the next) run by `sh` with that folder on PATH, in a
//! scratch folder where `examples` links to the bundled examples, each
//! checked against the exit code its `# exit N` comment documents (0 when it
//! names none). A line that still holds a placeholder (an all-caps word such
//! as RELEASE, FILE, SCHEDULE, TIME or ID) fails the test: the README's
//! commands stay concrete, and the placeholder reference is docs/cli.md.

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

/// One `relman …` line of a shell block.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    /// The section (`## …`) it is in.
    section: String,
    /// The command as `sh -c` runs it (continuations joined).
    command: String,
    /// The exit code its `# exit N` comment documents (0 without one).
    exit: i32,
}

/// The byte offset of the ` #` that starts a shell comment in `line`
/// (outside single and double quotes), if any.
fn comment_start(line: &str) -> Option<usize> {
    let (mut single, mut double) = (false, false);
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && prev.is_whitespace() => return Some(i),
            _ => {}
        }
        prev = c;
    }
    None
}

/// `line` without its quoted parts (each replaced by a space).
fn unquoted(line: &str) -> String {
    let (mut single, mut double) = (false, false);
    let mut out = String::new();
    for c in line.chars() {
        match c {
            '\'' if !double => {
                single = !single;
                out.push(' ');
            }
            '"' if !single => {
                double = !double;
                out.push(' ');
            }
            _ if single || double => {}
            _ => out.push(c),
        }
    }
    out
}

/// The words of `command` after its leading `NAME=value` assignments.
fn words_after_assignments(command: &str) -> Vec<String> {
    let bare = unquoted(command);
    let mut words: Vec<String> = bare.split_whitespace().map(str::to_string).collect();
    while words.first().is_some_and(|w| {
        w.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
    }) {
        words.remove(0);
    }
    words
}

/// Whether `command` runs relman (after any leading assignments).
fn runs_relman(command: &str) -> bool {
    words_after_assignments(command)
        .first()
        .is_some_and(|w| w == "relman")
}

/// The placeholders left in `command` (outside quotes): all-caps words of
/// two or more letters (RELEASE, FILE, ID, …), a one-letter capital word
/// (`--now T`), `...` / `…` and optional parts written `[--flag …]`.
fn placeholders(command: &str) -> Vec<String> {
    let mut found = Vec::new();
    for word in words_after_assignments(command) {
        if word.contains("...") || word.contains('…') || word.starts_with('[') {
            found.push(word.clone());
        }
        let core = word.trim_matches(['[', ']', '(', ')', ',']);
        if core.len() == 1 && core.chars().all(|c| c.is_ascii_uppercase()) {
            found.push(core.to_string());
        }
        for piece in word.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')) {
            let letters = piece.chars().filter(char::is_ascii_uppercase).count();
            if letters >= 2 && piece.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                found.push(piece.to_string());
            }
        }
    }
    found
}

/// Every `relman …` line of every ```sh block of `readme`.
fn readme_commands(readme: &str) -> Vec<Line> {
    let mut section = String::new();
    let mut in_block = false;
    let mut in_sh = false;
    let mut pending = String::new();
    let mut commands = Vec::new();
    for raw in readme.lines() {
        if raw.starts_with("```") {
            if in_block {
                in_block = false;
                in_sh = false;
            } else {
                in_block = true;
                in_sh = raw.trim() == "```sh";
            }
            pending.clear();
            continue;
        }
        if !in_block {
            if let Some(title) = raw.strip_prefix("## ") {
                section = title.to_string();
            }
            continue;
        }
        if !in_sh {
            continue;
        }
        let text = raw.trim();
        if pending.is_empty() && (text.is_empty() || text.starts_with('#')) {
            continue;
        }
        if let Some(head) = text.strip_suffix('\\') {
            pending.push_str(head);
            continue;
        }
        pending.push_str(text);
        let whole = std::mem::take(&mut pending);
        let (command, comment) = match comment_start(&whole) {
            Some(i) => (whole[..i].trim(), whole[i + 1..].trim()),
            None => (whole.trim(), ""),
        };
        if !runs_relman(command) {
            continue;
        }
        let exit = comment
            .strip_prefix("exit ")
            .map(|rest| {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                digits.parse::<i32>().unwrap()
            })
            .unwrap_or(0);
        commands.push(Line {
            section: section.clone(),
            command: command.to_string(),
            exit,
        });
    }
    commands
}

#[test]
fn the_parser_finds_relman_lines_exit_codes_and_placeholders() {
    let text = "## Quick start\n\n```sh\ncargo install --path bindings/cli\n\
        relman validate examples/data/*.json   # every file valid\n\
        relman conflicts examples/data/schedule.json   # exit 1: blocking\n```\n\n\
        ## The CLI\n\n```sh\n# a comment\nrelman --context c.json \\\n  check r.json --to deployment   # exit 1\n\
        KEYS='{\"a\": \"# not a comment\"}' relman verify-log r.json\n\
        relman check RELEASE --to STATE\nrelman slots s.json --item ID [--now T]\n\
        relman validate FILE...\nwhile ! relman apply r.json; do :; done\n```\n\n\
        ```json\n{\"relman\": 1}\n```\n\n```text\nrelman check RELEASE\n```\n";
    let lines = readme_commands(text);
    let commands: Vec<(&str, &str, i32)> = lines
        .iter()
        .map(|l| (l.section.as_str(), l.command.as_str(), l.exit))
        .collect();
    assert_eq!(
        commands,
        [
            ("Quick start", "relman validate examples/data/*.json", 0),
            (
                "Quick start",
                "relman conflicts examples/data/schedule.json",
                1
            ),
            (
                "The CLI",
                "relman --context c.json check r.json --to deployment",
                1
            ),
            (
                "The CLI",
                "KEYS='{\"a\": \"# not a comment\"}' relman verify-log r.json",
                0
            ),
            ("The CLI", "relman check RELEASE --to STATE", 0),
            ("The CLI", "relman slots s.json --item ID [--now T]", 0),
            ("The CLI", "relman validate FILE...", 0),
        ]
    );
    let found: Vec<Vec<String>> = lines.iter().map(|l| placeholders(&l.command)).collect();
    assert!(found[..4].iter().all(Vec::is_empty), "{found:?}");
    assert_eq!(found[4], ["RELEASE", "STATE"]);
    assert_eq!(found[5], ["ID", "[--now", "T"]);
    assert_eq!(found[6], ["FILE...", "FILE"]);
    // Ids, timestamps, flags and quoted text are not placeholders.
    assert!(placeholders(
        "relman slots x.json --item REL-2026-056 --now 2026-12-07T09:00:00Z --item CHG0041210 --comment 'OK BY CAB'"
    )
    .is_empty());
}

#[test]
fn every_relman_line_of_the_readme_runs_with_its_documented_exit_code() {
    let root = workspace();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let commands = readme_commands(&readme);
    // The README stays concrete: no line may keep a placeholder.
    let left: Vec<String> = commands
        .iter()
        .filter_map(|l| {
            let found = placeholders(&l.command);
            (!found.is_empty()).then(|| format!("`{}` ({})", l.command, found.join(", ")))
        })
        .collect();
    assert!(
        left.is_empty(),
        "README lines with placeholders (put the synopsis in docs/cli.md):\n{}",
        left.join("\n")
    );
    assert!(
        commands
            .iter()
            .filter(|l| l.section.starts_with("Quick start"))
            .count()
            >= 5,
        "{commands:?}"
    );
    assert!(
        commands.iter().filter(|l| l.section == "The CLI").count() >= 30,
        "{commands:?}"
    );

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

    // Run where a new user would, with the examples at hand; what the
    // commands write (r.json, schedule.ics, …) lands in a fresh scratch
    // folder, so a line that writes a file never finds one from a past run.
    let scratch = target.join("readme-cli").join("work");
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch).unwrap();
    }
    std::fs::create_dir_all(&scratch).unwrap();
    std::os::unix::fs::symlink(root.join("examples"), scratch.join("examples")).unwrap();
    let path = std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let mut failures = Vec::new();
    for line in &commands {
        let run = Command::new("sh")
            .arg("-c")
            .arg(&line.command)
            .current_dir(&scratch)
            .env("PATH", &path)
            .env_remove("RELMAN_KEYS")
            .output()
            .unwrap();
        if run.status.code() != Some(line.exit) {
            failures.push(format!(
                "[{}] `{}`: exit {:?}, the README documents {}\nstdout:\n{}\nstderr:\n{}",
                line.section,
                line.command,
                run.status.code(),
                line.exit,
                String::from_utf8_lossy(&run.stdout),
                String::from_utf8_lossy(&run.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // The calendar lines wrote the .ics; the apply lines wrote releases.
    let ics = std::fs::read_to_string(scratch.join("schedule.ics")).unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR"));
    for written in ["r.json", "keyed.json"] {
        let text = std::fs::read_to_string(scratch.join(written)).unwrap();
        assert!(text.contains("\"state\": \"development\""), "{written}");
    }
}

/// The rows of the tables of examples/README.md: (section, file, command,
/// documented exit code) — the command is the first code span of the
/// second cell, the exit code its `(exit N` note (0 without one).
fn examples_rows(text: &str) -> Vec<(String, String, String, i32)> {
    let mut section = String::new();
    let mut rows = Vec::new();
    for line in text.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            section = title.trim().to_string();
            continue;
        }
        let cells: Vec<&str> = line.split(" | ").collect();
        let [first, second, _, ..] = cells.as_slice() else {
            continue;
        };
        if !line.starts_with("| `") {
            continue;
        }
        let span = |cell: &str| cell.split('`').nth(1).map(str::to_string);
        let (Some(file), Some(command)) = (span(first), span(second)) else {
            continue;
        };
        let exit = second
            .split_once("(exit ")
            .map(|(_, rest)| {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                digits.parse::<i32>().unwrap()
            })
            .unwrap_or(0);
        rows.push((section.clone(), file, command, exit));
    }
    rows
}

#[test]
fn the_examples_readme_lists_every_file_and_its_relman_commands_run() {
    let root = workspace();
    let text = std::fs::read_to_string(root.join("examples/README.md")).unwrap();
    let rows = examples_rows(&text);
    // Every file under examples/ (but the README itself) has its row, under
    // the heading of its folder.
    for folder in std::fs::read_dir(root.join("examples")).unwrap() {
        let folder = folder.unwrap().path();
        if !folder.is_dir() {
            continue;
        }
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        for file in std::fs::read_dir(&folder).unwrap() {
            let file = file.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                rows.iter()
                    .any(|(s, f, _, _)| *s == format!("{name}/") && *f == file),
                "examples/{name}/{file} has no row under `## {name}/` in examples/README.md"
            );
        }
    }
    // Its relman commands run with their documented exit codes (the Python
    // and Node ones need the bindings built: their own suites run them).
    let relman_bin = PathBuf::from(env!("CARGO_BIN_EXE_relman"));
    let dir = relman_bin.parent().unwrap();
    let path = std::env::join_paths(std::iter::once(dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let scratch = tempdir_under_target("examples-readme");
    std::os::unix::fs::symlink(root.join("examples"), scratch.join("examples")).unwrap();
    let mut ran = 0;
    let mut failures = Vec::new();
    for (_, file, command, exit) in &rows {
        if !command.starts_with("relman ") {
            continue;
        }
        assert!(placeholders(command).is_empty(), "{file}: `{command}`");
        ran += 1;
        let run = Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(&scratch)
            .env("PATH", &path)
            .env_remove("RELMAN_KEYS")
            .output()
            .unwrap();
        if run.status.code() != Some(*exit) {
            failures.push(format!(
                "{file}: `{command}`: exit {:?}, examples/README.md documents {exit}\n{}",
                run.status.code(),
                String::from_utf8_lossy(&run.stderr)
            ));
        }
    }
    assert!(ran >= 15, "{rows:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A fresh, empty folder under the target directory.
fn tempdir_under_target(name: &str) -> PathBuf {
    let root = workspace();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let dir = target.join("readme-cli").join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
