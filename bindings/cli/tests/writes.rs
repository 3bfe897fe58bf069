//! Safe writes and bounded reads of the CLI (README "Safe writes",
//! docs/limits.md): parallel `apply --out` writers all persist, a stale
//! writer is refused with `conflict`, planted symlinks are never followed,
//! a refused access is `permission_denied`, and no input is read past
//! 256 MiB. The faults a test cannot cause for real (a full disk, a failing
//! fsync or rename) are injected in the unit tests of `src/write.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};

use serde_json::{json, Value};

mod common;
use common::{minor_in_planning, relman, relman_with, Run};

/// `relman::limits::DEFAULT_MAX_DOCUMENT_BYTES`.
const LIMIT: u64 = 256 * 1024 * 1024;

/// When the approvals are cast (the context's `now` is earlier).
const T: &str = "2026-03-01T10:00:00Z";

/// How many CAB members vote at once.
const VOTERS: usize = 16;

/// A fresh directory under the temp dir, removed (made writable first)
/// when dropped.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("relman-writes-{}-{n}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir(&path).unwrap();
        Dir(path)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// The names in the directory, sorted.
    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// `rita` owns the release; `cab_00` … `cab_15` sit on the CAB.
fn context(dir: &Dir) -> PathBuf {
    let mut actors = vec![
        json!({"id": "rita", "roles": ["release_manager"]}),
        json!({"id": "quinn", "roles": ["qa"]}),
        json!({"id": "dev", "roles": ["release_team"]}),
    ];
    actors.extend((0..VOTERS).map(|i| json!({"id": voter(i), "roles": ["cab"]})));
    let path = dir.join("ctx.json");
    write_json(
        &path,
        &json!({"now": "2026-03-01T09:00:00Z", "actors": actors}),
    );
    path
}

fn voter(i: usize) -> String {
    format!("cab_{i:02}")
}

/// A minor release taken from planning to approval through `apply --out`,
/// at `dir/r.json`.
fn in_approval(dir: &Dir, ctx: &Path) -> PathBuf {
    let path = dir.join("r.json");
    write_json(&path, &minor_in_planning("REL-W1"));
    for _ in 0..3 {
        relman(&[
            "apply",
            s(&path),
            "--context",
            s(ctx),
            "--out",
            s(&path),
            "--command",
            "advance",
            "--actor",
            "rita",
        ])
        .exits(0);
    }
    assert_eq!(read_json(&path)["state"], "approval");
    path
}

/// `relman apply RELEASE --command approve --actor ACTOR --role cab
/// --context CTX --now T --out OUT EXTRA…`.
fn approve(release: &Path, actor: &str, ctx: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "apply",
        s(release),
        "--command",
        "approve",
        "--actor",
        actor,
        "--role",
        "cab",
        "--context",
        s(ctx),
        "--now",
        T,
        "--out",
        s(out),
    ];
    args.extend_from_slice(extra);
    relman(&args)
}

/// The log head of the release at `path`, from `verify-log`.
fn head(path: &Path) -> String {
    let verdict = relman(&["verify-log", s(path)]).exits(0).stdout_json();
    verdict["head"].as_str().unwrap().to_string()
}

/// The error of a run that exits 2 with nothing on stdout.
fn error(run: &Run) -> Value {
    run.exits(2);
    assert!(run.stdout.is_empty(), "{}", run.context());
    run.stderr_json()
}

// ------------------------------------------------------- concurrent writers

#[test]
fn sixteen_parallel_approvals_all_persist() {
    let dir = Dir::new("parallel");
    let ctx = context(&dir);
    let release = in_approval(&dir, &ctx);
    let start = Arc::new(Barrier::new(VOTERS));
    let voters: Vec<_> = (0..VOTERS)
        .map(|i| {
            let (start, release, ctx) = (Arc::clone(&start), release.clone(), ctx.clone());
            std::thread::spawn(move || {
                start.wait();
                // Retry on `conflict` only: anything else is a failure.
                for _ in 0..100 {
                    let run = approve(&release, &voter(i), &ctx, &release, &[]);
                    if run.code == 0 {
                        return;
                    }
                    assert_eq!(error(&run)["code"], "conflict", "{}", run.context());
                }
                panic!("{} kept conflicting", voter(i));
            })
        })
        .collect();
    for v in voters {
        v.join().unwrap();
    }
    let written = read_json(&release);
    let mut approvers: Vec<&str> = written["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(a["decision"], "approved");
            a["approver"].as_str().unwrap()
        })
        .collect();
    approvers.sort_unstable();
    let expected: Vec<String> = (0..VOTERS).map(voter).collect();
    assert_eq!(approvers, expected, "every vote persisted, once");
    assert_eq!(written["log"].as_array().unwrap().len(), 3 + VOTERS);
    let verdict = relman(&["verify-log", s(&release)]).exits(0).stdout_json();
    assert_eq!(verdict["valid"], true, "{verdict:#}");
    // Only the release and its lock file are left.
    assert_eq!(
        dir.names(),
        vec![".r.json.relman-lock", "ctx.json", "r.json"]
    );
}

#[test]
fn a_stale_input_is_refused_with_conflict_and_nothing_written() {
    let dir = Dir::new("stale");
    let ctx = context(&dir);
    let release = in_approval(&dir, &ctx);
    let old = dir.join("old.json");
    std::fs::copy(&release, &old).unwrap();
    let old_head = head(&old);
    // r.json moves on.
    approve(&release, &voter(0), &ctx, &release, &[]).exits(0);
    let new_head = head(&release);
    assert_ne!(old_head, new_head);
    let before = std::fs::read(&release).unwrap();

    let run = approve(&old, &voter(1), &ctx, &release, &[]);
    let err = error(&run);
    assert_eq!(err["code"], "conflict", "{err:#}");
    assert_eq!(err["path"], "log", "{err:#}");
    assert_eq!(err["expected"], old_head.as_str(), "{err:#}");
    assert_eq!(err["found"], new_head.as_str(), "{err:#}");
    let message = err["message"].as_str().unwrap();
    assert!(message.contains(s(&release)), "{message}");
    assert!(message.contains("retry"), "{message}");
    assert_eq!(std::fs::read(&release).unwrap(), before, "r.json unchanged");

    // Read again, the same vote goes through.
    approve(&release, &voter(1), &ctx, &release, &[]).exits(0);
    assert_eq!(
        read_json(&release)["approvals"].as_array().unwrap().len(),
        2
    );
}

#[test]
fn expected_head_is_a_compare_and_swap() {
    let dir = Dir::new("cas");
    let ctx = context(&dir);
    let release = in_approval(&dir, &ctx);
    let current = head(&release);
    let out = dir.join("next.json");
    let stale = "0".repeat(64);
    let run = approve(
        &release,
        &voter(0),
        &ctx,
        &out,
        &["--expected-head", &stale],
    );
    let err = error(&run);
    assert_eq!(err["code"], "conflict", "{err:#}");
    assert_eq!(err["path"], "log", "{err:#}");
    assert_eq!(err["expected"], stale.as_str(), "{err:#}");
    assert_eq!(err["found"], current.as_str(), "{err:#}");
    assert!(!out.exists(), "nothing written");

    // Not a hash: a usage error.
    let run = approve(&release, &voter(0), &ctx, &out, &["--expected-head", "abc"]);
    let err = error(&run);
    assert_eq!(err["code"], "invalid_input", "{err:#}");
    assert!(
        err["message"].as_str().unwrap().contains("--expected-head"),
        "{err:#}"
    );

    // The current head (upper case is accepted too).
    let upper = current.to_ascii_uppercase();
    approve(
        &release,
        &voter(0),
        &ctx,
        &out,
        &["--expected-head", &upper],
    )
    .exits(0);
    assert_eq!(read_json(&out)["approvals"][0]["approver"], "cab_00");
}

#[test]
fn an_out_file_that_is_not_a_release_is_not_replaced() {
    let dir = Dir::new("other");
    let ctx = context(&dir);
    let release = in_approval(&dir, &ctx);
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "my notes\n").unwrap();
    let err = error(&approve(&release, &voter(0), &ctx, &notes, &[]));
    assert_eq!(err["code"], "invalid_input", "{err:#}");
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("notes.txt"), "{message}");
    assert!(message.contains("is not a release"), "{message}");
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes\n");

    // Another release is a conflict: its log ends elsewhere.
    let other = dir.join("other.json");
    std::fs::copy(&release, &other).unwrap();
    approve(&other, &voter(1), &ctx, &other, &[]).exits(0);
    let before = std::fs::read(&other).unwrap();
    let err = error(&approve(&release, &voter(0), &ctx, &other, &[]));
    assert_eq!(err["code"], "conflict", "{err:#}");
    assert_eq!(std::fs::read(&other).unwrap(), before);

    // An empty file (from `mktemp`) counts as absent.
    let empty = dir.join("empty.json");
    std::fs::write(&empty, "").unwrap();
    approve(&release, &voter(0), &ctx, &empty, &[]).exits(0);
    assert_eq!(read_json(&empty)["approvals"][0]["approver"], "cab_00");
}

// ----------------------------------------------------------------- symlinks

#[cfg(unix)]
mod symlinks {
    use super::*;
    use std::os::unix::fs::symlink;

    const VICTIM: &str = "{\"victim\": true}\n";

    /// A victim file in its own directory.
    fn victim() -> (Dir, PathBuf) {
        let dir = Dir::new("victim");
        let path = dir.join("victim.json");
        std::fs::write(&path, VICTIM).unwrap();
        (dir, path)
    }

    /// The pid the next process is likely to get (Linux), else ours.
    fn next_pid() -> u32 {
        std::fs::read_to_string("/proc/sys/kernel/ns_last_pid")
            .ok()
            .and_then(|t| t.trim().parse::<u32>().ok())
            .map_or(std::process::id(), |p| p + 1)
    }

    #[test]
    fn planted_symlinks_at_temporary_names_are_never_followed() {
        let dir = Dir::new("planted");
        let ctx = context(&dir);
        let release = in_approval(&dir, &ctx);
        let (_victim_dir, victim) = victim();
        // The temporary names of relman up to 0.1 (`.NAME.relman-PID.tmp`)
        // for the next few thousand pids, and other plausible names.
        let first = next_pid();
        let mut planted: Vec<String> = (first..first + 3000)
            .map(|pid| format!(".r.json.relman-{pid}.tmp"))
            .collect();
        planted.extend(
            [
                ".r.json.tmp",
                "r.json.tmp",
                ".r.json.relman.tmp",
                ".r.json.relman-tmp",
                "r.json~",
                "r.json.new",
                ".r.json.swp",
                ".r.json.lock",
            ]
            .map(String::from),
        );
        for name in &planted {
            symlink(&victim, dir.join(name)).unwrap();
        }

        let child = Command::new(env!("CARGO_BIN_EXE_relman"))
            .args([
                "apply",
                s(&release),
                "--command",
                "approve",
                "--actor",
                "cab_00",
                "--role",
                "cab",
                "--context",
                s(&ctx),
                "--now",
                T,
                "--out",
                s(&release),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        if !(first..first + 3000).contains(&pid) {
            // Other processes took the pids in between: the old name was
            // not planted this time, the other names still were.
            eprintln!(
                "pid {pid} outside the planted range {first}..{}",
                first + 3000
            );
        }

        assert_eq!(std::fs::read_to_string(&victim).unwrap(), VICTIM);
        assert!(!std::fs::symlink_metadata(&release)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(read_json(&release)["approvals"][0]["approver"], "cab_00");
        for name in &planted {
            let link = dir.join(name);
            assert_eq!(std::fs::read_link(&link).unwrap(), victim, "{name}");
        }
        // Nothing else left behind: no temporary file.
        let mut expected: Vec<String> = planted.clone();
        expected.extend([".r.json.relman-lock", "ctx.json", "r.json"].map(String::from));
        expected.sort();
        assert_eq!(dir.names(), expected);
    }

    #[test]
    fn an_out_file_that_is_a_symlink_is_refused() {
        let dir = Dir::new("link");
        let ctx = context(&dir);
        let release = in_approval(&dir, &ctx);
        let (_victim_dir, victim) = victim();
        // Even a link to a copy of the release itself.
        let copy = dir.join("copy.json");
        std::fs::copy(&release, &copy).unwrap();
        let before = std::fs::read(&copy).unwrap();
        for (name, to) in [("link.json", &victim), ("copy-link.json", &copy)] {
            let link = dir.join(name);
            symlink(to, &link).unwrap();
            let err = error(&approve(&release, &voter(0), &ctx, &link, &[]));
            assert_eq!(err["code"], "invalid_input", "{err:#}");
            let message = err["message"].as_str().unwrap();
            assert!(message.starts_with("--out: "), "{message}");
            assert!(message.contains(name), "{message}");
            assert!(message.contains("a symbolic link"), "{message}");
            assert_eq!(std::fs::read_link(&link).unwrap(), *to);
        }
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), VICTIM);
        assert_eq!(std::fs::read(&copy).unwrap(), before);

        // A dangling link: its target is not created.
        let missing = dir.join("nowhere.json");
        let link = dir.join("dangling.json");
        symlink(&missing, &link).unwrap();
        let err = error(&approve(&release, &voter(0), &ctx, &link, &[]));
        assert_eq!(err["code"], "invalid_input", "{err:#}");
        assert!(!missing.exists());

        // A directory.
        let sub = dir.join("sub");
        std::fs::create_dir(&sub).unwrap();
        let err = error(&approve(&release, &voter(0), &ctx, &sub, &[]));
        assert_eq!(err["code"], "invalid_input", "{err:#}");
        assert!(
            err["message"].as_str().unwrap().contains("a directory"),
            "{err:#}"
        );
    }

    #[test]
    fn a_symlink_at_the_lock_file_is_refused() {
        let dir = Dir::new("lock-link");
        let ctx = context(&dir);
        let release = in_approval(&dir, &ctx);
        let (_victim_dir, victim) = victim();
        let out = dir.join("out.json");
        symlink(&victim, dir.join(".out.json.relman-lock")).unwrap();
        let err = error(&approve(&release, &voter(0), &ctx, &out, &[]));
        assert_eq!(err["code"], "invalid_input", "{err:#}");
        let message = err["message"].as_str().unwrap();
        assert!(message.contains(".out.json.relman-lock"), "{message}");
        assert!(message.contains("a symbolic link"), "{message}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), VICTIM);
        assert!(!out.exists());
    }

    #[test]
    fn a_read_only_directory_is_permission_denied() {
        use std::os::unix::fs::PermissionsExt;
        let dir = Dir::new("read-only");
        let ctx = context(&dir);
        let release = in_approval(&dir, &ctx);
        let before = std::fs::read(&release).unwrap();
        let empty = Dir::new("read-only-empty");
        for d in [&dir, &empty] {
            std::fs::set_permissions(&d.0, std::fs::Permissions::from_mode(0o555)).unwrap();
        }
        // Root (or a process with CAP_DAC_OVERRIDE) ignores permissions:
        // nothing to check here then; the faults injected in the unit
        // tests of src/write.rs cover permission_denied for root too.
        if std::fs::write(empty.join("probe"), "").is_ok() {
            eprintln!("skipped: permissions are not enforced for this user (root?)");
            return;
        }
        // No lock file yet: creating it fails.
        let out = empty.join("new.json");
        let err = error(&approve(&release, &voter(0), &ctx, &out, &[]));
        assert_eq!(err["code"], "permission_denied", "{err:#}");
        let message = err["message"].as_str().unwrap();
        assert!(message.contains(".new.json.relman-lock"), "{message}");
        assert!(empty.names().is_empty());

        // The lock file is there (from the earlier writes): the temporary
        // file is what cannot be created.
        let names = dir.names();
        let err = error(&approve(&release, &voter(0), &ctx, &release, &[]));
        assert_eq!(err["code"], "permission_denied", "{err:#}");
        let message = err["message"].as_str().unwrap();
        assert!(
            message.contains("cannot create a temporary file"),
            "{message}"
        );
        assert!(message.contains("r.json"), "{message}");
        assert!(message.contains("is unchanged"), "{message}");
        assert_eq!(std::fs::read(&release).unwrap(), before);
        assert_eq!(dir.names(), names);
    }
}

// ------------------------------------------------------------ bounded reads

/// The `limit_exceeded` error of the input `name`.
fn assert_too_large(run: &Run, name: &str) {
    let err = error(run);
    assert_eq!(err["code"], "limit_exceeded", "{err:#}");
    assert_eq!(err["path"], "", "{err:#}");
    assert_eq!(
        err["message"],
        format!(
            "{name}: document size in bytes exceeds the limit of {LIMIT} (found {})",
            LIMIT + 1
        ),
        "{err:#}"
    );
}

fn run_with_stdin(args: &[&str], stdin: Stdio) -> Run {
    relman_with(args, |c| {
        c.stdin(stdin);
    })
}

#[test]
#[cfg(unix)]
fn stdin_from_dev_zero_is_limit_exceeded() {
    let zero = std::fs::File::open("/dev/zero").unwrap();
    let run = run_with_stdin(&["validate", "-"], Stdio::from(zero));
    assert_too_large(&run, "<stdin>");
}

#[test]
fn an_endless_pipe_is_read_only_to_the_limit() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relman"))
        .args(["validate", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Feed zeros until relman closes the pipe, counting what it took.
    let feeder = std::thread::spawn(move || {
        let chunk = vec![0u8; 1 << 20];
        let mut sent: u64 = 0;
        while sent < 4 * LIMIT {
            match stdin.write(&chunk) {
                Ok(n) => sent += n as u64,
                Err(_) => break,
            }
        }
        sent
    });
    let out = child.wait_with_output().unwrap();
    let sent = feeder.join().unwrap();
    let run = Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    assert_too_large(&run, "<stdin>");
    // What relman read, plus at most what the pipe buffered.
    assert!(sent > LIMIT, "{sent}");
    assert!(sent <= LIMIT + 1 + (2 << 20), "read {sent} bytes");
}

#[test]
fn a_file_one_byte_past_the_limit_is_limit_exceeded() {
    let dir = Dir::new("sparse");
    let path = dir.join("huge.json");
    // Sparse: no disk space used.
    std::fs::File::create(&path)
        .unwrap()
        .set_len(LIMIT + 1)
        .unwrap();
    assert_too_large(&relman(&["validate", s(&path)]), s(&path));
    // As an apply's release, and as a flag file.
    let run = relman(&[
        "apply",
        s(&path),
        "--command",
        "advance",
        "--actor",
        "rita",
        "--now",
        T,
    ]);
    assert_too_large(&run, s(&path));
    let err = error(&relman(&["context", "--policy", s(&path)]));
    assert_eq!(err["code"], "limit_exceeded", "{err:#}");
    assert!(
        err["message"].as_str().unwrap().starts_with("--policy: "),
        "{err:#}"
    );
}
