//! The command line of `relman`, parsed only: clap's parsing of any argv
//! and every value parser of the flags, without reading a file or stdin
//! and without running a command.

use relman::policy::{KpiGroupBy, SeriesInterval};
use relman::{DocumentKind, Outcome, RiskLevel, Role, Timestamp, Weekday};
use relman_cli::parsers::{self, MAX_DURATION_SECS};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::ffi::OsString;
use std::fmt::Debug;

/// What the selector byte of a `cli_args` input picks.
const MODES: u8 = 10;

/// `cli_args`: the first byte picks what the rest is.
///
/// - 0: a command line, its arguments separated by NUL bytes (any bytes,
///   also text that is not UTF-8), after the program name: parsing it
///   never panics, twice gives the same result, and a usage error renders
///   as one line ending in the pointer to `relman --help`.
/// - 1–8: the text (invalid UTF-8 replaced) given to one value parser:
///   `--duration` (equal to an oracle summing the parts in u128, never over
///   [`MAX_DURATION_SECS`]), `--at` and `--from` (a parsed timestamp
///   parses again from its own text and from its canonical text, to the
///   same instant), `--to` (a state), the snake_case enums (`--role`,
///   `--outcome`, `--fail-at`, `--week-start`, `--series`, `--group-by`),
///   `--command`, `--kind`, `--expected-head`: each never panics, and what
///   it accepts, written back, it accepts again as the same value.
/// - 9: the second byte picks a subcommand and flag, the rest is the
///   flag's value in an otherwise valid command line: when clap accepts
///   it, the flag's value parser accepts the value too.
pub fn check_cli_args(data: &[u8]) {
    let Some((selector, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match selector % MODES {
        0 => {
            let _ = check_argv(&split_argv(rest));
        }
        1 => check_duration(&text),
        2 => check_timestamp(&text),
        3 => check_state(&text),
        4 => check_snake_enums(&text),
        5 => check_command_name(&text),
        6 => check_kind(&text),
        7 => check_hash(&text),
        8 => {
            check_duration(&text);
            check_timestamp(&text);
        }
        _ => check_flag_value(rest),
    }
}

/// `relman` and the NUL-separated arguments.
fn split_argv(bytes: &[u8]) -> Vec<OsString> {
    let mut argv = vec![OsString::from("relman")];
    if !bytes.is_empty() {
        argv.extend(bytes.split(|b| *b == 0).map(os_string));
    }
    argv
}

#[cfg(unix)]
fn os_string(bytes: &[u8]) -> OsString {
    use std::os::unix::ffi::OsStringExt;
    OsString::from_vec(bytes.to_vec())
}

#[cfg(not(unix))]
fn os_string(bytes: &[u8]) -> OsString {
    OsString::from(String::from_utf8_lossy(bytes).into_owned())
}

/// Parses `argv`, returning the parsed command line's `Debug` text or the
/// one-line usage message.
fn check_argv(argv: &[OsString]) -> Result<String, String> {
    let first = parse(argv);
    let again = parse(argv);
    assert_eq!(first, again, "parsing {argv:?} twice differs");
    first
}

fn parse(argv: &[OsString]) -> Result<String, String> {
    match relman_cli::parse_args(argv) {
        Ok(cli) => Ok(format!("{cli:?}")),
        Err(err) => {
            let message = relman_cli::usage_message(&err);
            assert!(
                message.ends_with("see `relman --help`"),
                "usage message of {argv:?}: {message}"
            );
            assert!(
                !message.contains('\n'),
                "usage message of {argv:?} spans lines: {message}"
            );
            Err(message)
        }
    }
}

/// What `--duration` text should give: its seconds, or why not.
#[derive(Debug, PartialEq, Eq)]
enum Expected {
    Seconds(u64),
    /// Well formed, but longer than [`MAX_DURATION_SECS`].
    TooLong,
    /// Not numbers each followed by a unit.
    Malformed,
}

/// The oracle: numbers (ASCII digits) each followed by a unit, summed in
/// u128 (saturating: far beyond the bound either way).
fn expected_duration(text: &str) -> Expected {
    let text = text.trim();
    let mut total: u128 = 0;
    let mut number: Option<u128> = None;
    let mut parts = 0;
    for c in text.chars() {
        if c.is_ascii_digit() {
            let digit = u128::from(c as u8 - b'0');
            number = Some(number.unwrap_or(0).saturating_mul(10).saturating_add(digit));
            continue;
        }
        let unit: u128 = match c {
            's' => 1,
            'm' => 60,
            'h' => 60 * 60,
            'd' => 24 * 60 * 60,
            'w' => 7 * 24 * 60 * 60,
            _ => return Expected::Malformed,
        };
        let Some(n) = number.take() else {
            return Expected::Malformed;
        };
        total = total.saturating_add(n.saturating_mul(unit));
        parts += 1;
    }
    if number.is_some() || parts == 0 {
        return Expected::Malformed;
    }
    match u64::try_from(total) {
        Ok(secs) if secs <= MAX_DURATION_SECS => Expected::Seconds(secs),
        _ => Expected::TooLong,
    }
}

fn check_duration(text: &str) {
    let got = parsers::parse_duration(text);
    match (expected_duration(text), &got) {
        (Expected::Seconds(want), Ok(secs)) => {
            assert_eq!(*secs, want, "duration {text:?}");
            assert!(*secs <= MAX_DURATION_SECS);
        }
        (Expected::TooLong, Err(message)) => {
            assert!(message.contains("longest duration"), "{text:?}: {message}");
        }
        (Expected::Malformed, Err(message)) => {
            assert!(message.contains("is not a duration"), "{text:?}: {message}");
        }
        (want, got) => panic!("duration {text:?}: expected {want:?}, parsed {got:?}"),
    }
}

fn check_timestamp(text: &str) {
    let at = parsers::parse_timestamp(text);
    // `kpi --from` trims, and is otherwise the same parser.
    let trimmed = parsers::parse_timestamp(text.trim());
    assert_eq!(
        parsers::parse_time(text).ok(),
        trimmed.as_ref().ok().cloned(),
        "--from {text:?}"
    );
    for ts in [at.ok(), trimmed.ok()].into_iter().flatten() {
        let written = ts.to_string();
        let again = Timestamp::parse(&written)
            .unwrap_or_else(|e| panic!("{text:?} written as {written:?} does not parse: {e}"));
        assert_eq!(again, ts, "{text:?}");
        assert_eq!(again.to_string(), written, "{text:?}");
        let canonical = Timestamp::from_datetime(ts.datetime());
        let reparsed = Timestamp::parse(&canonical.to_string()).unwrap_or_else(|e| {
            panic!("{text:?} in canonical form {canonical} does not parse: {e}")
        });
        assert_eq!(reparsed, ts, "{text:?} in canonical form {canonical}");
        assert_eq!(
            reparsed.datetime().offset(),
            ts.datetime().offset(),
            "{text:?}: offset lost in canonical form {canonical}"
        );
    }
}

fn check_state(text: &str) {
    match parsers::parse_state(text) {
        Ok(state) => assert_eq!(parsers::parse_state(state.as_str()), Ok(state), "{text:?}"),
        Err(message) => assert!(message.contains("one of"), "{text:?}: {message}"),
    }
}

/// A value `parse_snake` accepted, written as the data contract writes it,
/// is accepted again as the same value.
fn snake_roundtrip<T: DeserializeOwned + Serialize + PartialEq + Debug>(text: &str) {
    let Ok(value) = parsers::parse_snake::<T>(text) else {
        return;
    };
    let written = serde_json::to_value(&value).expect("an enum value serialises");
    let name = written
        .as_str()
        .unwrap_or_else(|| panic!("{text:?} gave {value:?}, not written as a name"));
    assert_eq!(
        parsers::parse_snake::<T>(name).ok(),
        Some(value),
        "{text:?}"
    );
    assert_eq!(
        parsers::parse_snake::<T>(&name.replace('_', "-")).ok(),
        parsers::parse_snake::<T>(name).ok(),
        "{text:?}: `-` for `_` refused"
    );
}

fn check_snake_enums(text: &str) {
    snake_roundtrip::<Role>(text);
    snake_roundtrip::<Outcome>(text);
    snake_roundtrip::<RiskLevel>(text);
    snake_roundtrip::<Weekday>(text);
    snake_roundtrip::<SeriesInterval>(text);
    snake_roundtrip::<KpiGroupBy>(text);
}

fn check_command_name(text: &str) {
    match parsers::parse_command_name(text) {
        Ok(name) => {
            assert_eq!(name, text.trim().replace('-', "_"), "{text:?}");
            assert_eq!(parsers::parse_command_name(name), Ok(name));
        }
        Err(message) => assert!(message.contains("one of"), "{text:?}: {message}"),
    }
}

fn check_kind(text: &str) {
    match parsers::parse_kind(text) {
        Ok(kind) => {
            assert!(DocumentKind::ALL.contains(&kind));
            assert_eq!(parsers::parse_kind(kind.name()), Ok(kind), "{text:?}");
        }
        Err(message) => assert!(message.contains("one of"), "{text:?}: {message}"),
    }
}

fn check_hash(text: &str) {
    let trimmed = text.trim();
    let want = trimmed.len() == 64 && trimmed.bytes().all(|b| b.is_ascii_hexdigit());
    match parsers::parse_hash(text) {
        Ok(hash) => {
            assert!(want, "{text:?} accepted as a hash");
            assert_eq!(hash, trimmed.to_ascii_lowercase());
            assert_eq!(parsers::parse_hash(&hash), Ok(hash.clone()));
        }
        Err(_) => assert!(!want, "{text:?} refused as a hash"),
    }
}

/// A flag whose value the input supplies: the command line before the
/// value, the one after, and the value parser clap calls (if any).
struct Flag {
    before: &'static [&'static str],
    after: &'static [&'static str],
    accepts: Option<fn(&str) -> bool>,
}

const fn flag(
    before: &'static [&'static str],
    after: &'static [&'static str],
    accepts: Option<fn(&str) -> bool>,
) -> Flag {
    Flag {
        before,
        after,
        accepts,
    }
}

const FLAGS: &[Flag] = &[
    flag(
        &["slots", "s.json", "--item", "R", "--duration"],
        &[],
        Some(|t| parsers::parse_duration(t).is_ok()),
    ),
    flag(
        &[
            "slots",
            "s.json",
            "--item",
            "R",
            "--duration",
            "1h",
            "--horizon",
        ],
        &["--count", "3"],
        Some(|t| parsers::parse_duration(t).is_ok()),
    ),
    flag(
        &[
            "slots",
            "s.json",
            "--item",
            "R",
            "--duration",
            "1h",
            "--count",
        ],
        &[],
        Some(|t| t.parse::<usize>().is_ok()),
    ),
    flag(
        &["calendar", "s.json", "--horizon-days"],
        &[],
        Some(|t| t.parse::<u32>().is_ok()),
    ),
    flag(
        &["fit-risk", "h.json", "--holdout"],
        &[],
        Some(|t| t.parse::<f64>().is_ok()),
    ),
    flag(
        &["fit-risk", "h.json", "--l2"],
        &[],
        Some(|t| t.parse::<f64>().is_ok()),
    ),
    flag(
        &["fit-risk", "h.json", "--max-iterations"],
        &[],
        Some(|t| t.parse::<u32>().is_ok()),
    ),
    flag(
        &["kpi", "h.json", "--from"],
        &["--to", "2027-01-01T00:00:00Z"],
        Some(|t| parsers::parse_time(t).is_ok()),
    ),
    flag(
        &["kpi", "h.json", "--week-start"],
        &[],
        Some(|t| parsers::parse_weekday(t).is_ok()),
    ),
    flag(
        &["kpi", "h.json", "--series"],
        &[],
        Some(|t| parsers::parse_snake::<SeriesInterval>(t).is_ok()),
    ),
    flag(
        &["kpi", "h.json", "--group-by"],
        &[],
        Some(|t| parsers::parse_snake::<KpiGroupBy>(t).is_ok()),
    ),
    flag(
        &["risk", "r.json", "--fail-at"],
        &[],
        Some(|t| parsers::parse_snake::<RiskLevel>(t).is_ok()),
    ),
    flag(
        &["check", "r.json", "--to"],
        &[],
        Some(|t| parsers::parse_state(t).is_ok()),
    ),
    flag(
        &["apply", "r.json", "--actor", "a", "--command"],
        &[],
        Some(|t| parsers::parse_command_name(t).is_ok()),
    ),
    flag(
        &[
            "apply",
            "r.json",
            "--command",
            "approve",
            "--actor",
            "a",
            "--at",
        ],
        &[],
        Some(|t| parsers::parse_timestamp(t).is_ok()),
    ),
    flag(
        &[
            "apply",
            "r.json",
            "--command",
            "approve",
            "--actor",
            "a",
            "--role",
        ],
        &[],
        Some(|t| parsers::parse_snake::<Role>(t).is_ok()),
    ),
    flag(
        &[
            "apply",
            "r.json",
            "--command",
            "complete-deployment",
            "--actor",
            "a",
            "--outcome",
        ],
        &[],
        Some(|t| parsers::parse_snake::<Outcome>(t).is_ok()),
    ),
    flag(
        &[
            "apply",
            "r.json",
            "--command",
            "send_back",
            "--actor",
            "a",
            "--to",
        ],
        &["--reason", "why"],
        Some(|t| parsers::parse_state(t).is_ok()),
    ),
    flag(
        &[
            "apply",
            "r.json",
            "--command",
            "import",
            "--actor",
            "a",
            "--records",
        ],
        &[],
        None,
    ),
    flag(
        &["verify-log", "r.json", "--expected-head"],
        &[],
        Some(|t| parsers::parse_hash(t).is_ok()),
    ),
    flag(
        &["validate", "--kind"],
        &["r.json"],
        Some(|t| parsers::parse_kind(t).is_ok()),
    ),
    flag(
        &["--format"],
        &["validate", "r.json"],
        Some(|t| t == "json" || t == "table"),
    ),
    flag(&["--now"], &["validate", "r.json"], None),
    flag(&["call"], &["p.json"], None),
    flag(&["schema"], &[], None),
];

fn check_flag_value(rest: &[u8]) {
    let Some((which, value)) = rest.split_first() else {
        return;
    };
    let flag = &FLAGS[usize::from(*which) % FLAGS.len()];
    let mut argv = vec![OsString::from("relman")];
    argv.extend(flag.before.iter().map(OsString::from));
    argv.push(os_string(value));
    argv.extend(flag.after.iter().map(OsString::from));
    let parsed = check_argv(&argv);
    if let (Ok(_), Some(accepts)) = (&parsed, flag.accepts) {
        let text = std::str::from_utf8(value)
            .unwrap_or_else(|_| panic!("{argv:?} parsed although the value is not UTF-8"));
        assert!(
            accepts(text),
            "{argv:?} parsed although the flag's parser refuses {text:?}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_duration_oracle() {
        assert_eq!(expected_duration("1h30m"), Expected::Seconds(5400));
        assert_eq!(expected_duration(" 2w "), Expected::Seconds(1_209_600));
        assert_eq!(expected_duration("106751991167300d"), Expected::TooLong);
        assert_eq!(expected_duration("1h30"), Expected::Malformed);
        assert_eq!(expected_duration("h"), Expected::Malformed);
        assert_eq!(expected_duration(""), Expected::Malformed);
    }

    /// The seed command lines are real ones: each parses, but for those
    /// named for an error.
    #[test]
    fn seed_command_lines_parse() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/cli_args");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let data = std::fs::read(&path).unwrap();
            if !name.starts_with("argv-") || data.first() != Some(&0) {
                continue;
            }
            seen += 1;
            let parsed = check_argv(&split_argv(&data[1..]));
            let error = ["argv-help", "argv-version", "argv-not-utf8", "argv-unknown"];
            assert_eq!(
                parsed.is_err(),
                error.contains(&name.as_str()),
                "{name}: {parsed:?}"
            );
        }
        assert!(seen >= 20, "{seen} seed command lines");
    }

    #[test]
    fn every_flag_template_parses_with_a_good_value() {
        let good = [
            "1h",
            "2h",
            "3",
            "30",
            "0.2",
            "1",
            "10",
            "2026-01-01T00:00:00Z",
            "mon",
            "week",
            "team",
            "high",
            "testing",
            "approve",
            "2026-01-01T00:00:00Z",
            "cab",
            "success",
            "development",
            "a,b",
            &"a".repeat(64),
            "release",
            "table",
            "x",
            "cli",
            "release",
        ];
        assert_eq!(good.len(), FLAGS.len());
        for (flag, value) in FLAGS.iter().zip(good) {
            let mut argv: Vec<&str> = vec!["relman"];
            argv.extend(flag.before);
            argv.push(value);
            argv.extend(flag.after);
            let parsed = relman_cli::parse_args(&argv);
            assert!(parsed.is_ok(), "{argv:?}: {:?}", parsed.err());
        }
    }
}
