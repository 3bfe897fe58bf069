//! End-to-end runs of the `relman` command-line program (issue #24, items
//! 4 and 5): JSON text in a file, the report written to a sink, wall time
//! and peak resident memory of the process. The process runs under
//! `/usr/bin/time -f %M` (GNU time) for its peak RSS; the wall time is
//! measured around the spawn, so it includes starting the program (and
//! `time`, about a millisecond).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// One run: wall time, peak RSS, exit status.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// Seconds from spawn to exit.
    pub wall_s: f64,
    /// `Maximum resident set size` of the process in kilobytes.
    pub max_rss_kb: u64,
    /// The exit code (`relman conflicts` exits 1 when a conflict blocks).
    pub code: i32,
}

/// The `relman` program: `RELMAN_CLI` if set, else `target/release/relman`.
pub fn cli_path() -> PathBuf {
    std::env::var_os("RELMAN_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/release/relman"))
}

/// Runs `program args…` under `/usr/bin/time`, stdout to `stdout` (a file
/// path; the report is written in full) and stderr captured. `rss_file` is
/// a scratch file for time's output.
pub fn run(program: &Path, args: &[&str], stdout: &Path, rss_file: &Path) -> Result<Run, String> {
    let out = std::fs::File::create(stdout).map_err(|e| format!("{}: {e}", stdout.display()))?;
    let t = Instant::now();
    let done = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(rss_file)
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("/usr/bin/time {}: {e}", program.display()))?;
    let wall_s = t.elapsed().as_secs_f64();
    let code = done.status.code().unwrap_or(-1);
    let rss =
        std::fs::read_to_string(rss_file).map_err(|e| format!("{}: {e}", rss_file.display()))?;
    // time writes "Command exited with non-zero status N" before the figure.
    let max_rss_kb = rss
        .lines()
        .filter_map(|l| l.trim().parse::<u64>().ok())
        .next_back()
        .ok_or_else(|| format!("no RSS in {rss:?}"))?;
    if code != 0 && code != 1 {
        return Err(format!(
            "{} {:?} exited {code}: {}",
            program.display(),
            args,
            String::from_utf8_lossy(&done.stderr)
        ));
    }
    Ok(Run {
        wall_s,
        max_rss_kb,
        code,
    })
}
