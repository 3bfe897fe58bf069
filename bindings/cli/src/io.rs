//! Input: reading files or stdin, and the global options (`--policy`,
//! `--context`, `--now`, `--format`), loaded lazily so that only the
//! commands that use them can fail on them.

use std::cell::{Cell, OnceCell};
use std::fs::File;
use std::io::{BufRead, Read};
use std::path::Path;

use clap::ValueEnum;
use relman::{Context, Document, Keyring, Parsed, Policy, Problem, State, Timestamp, Weekday};
use serde::de::DeserializeOwned;

use crate::output::Failure;

/// How results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// JSON (pretty-printed); errors as one JSON object on stderr.
    #[default]
    Json,
    /// Readable text; errors as readable lines on stderr.
    Table,
}

/// The options every command accepts.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GlobalArgs {
    /// Policy document (JSON, `-` for stdin); overrides the policy inside
    /// --context. Read only by commands that need a policy: a missing or
    /// invalid file is then an error (exit 2).
    #[arg(long, global = true, value_name = "FILE")]
    pub policy: Option<String>,
    /// Context document (JSON, `-` for stdin): actors, policy, CMDB,
    /// calendar, schedule, history, now. Read only by commands that need it:
    /// a missing or invalid file is then an error (exit 2).
    #[arg(long, global = true, value_name = "FILE")]
    pub context: Option<String>,
    /// The current time, RFC 3339 with an offset (e.g. 2026-03-01T22:00:00Z);
    /// overrides `now` in --context. Checked only by commands that need it:
    /// a bad value is then an error (exit 2). Without it (and without `now`
    /// in --context) the commands that need a time (calendar, overdue,
    /// slots, metrics, apply) read the system clock and say so on stderr
    /// (`note: no --now: using the system clock, TIME`).
    #[arg(long, global = true, value_name = "TIME")]
    pub now: Option<String>,
    /// Output format [default: json; `demo`: readable text].
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,
    /// The host's keyring for keyed audit chains (JSON, see `relman schema
    /// keyring`; `-` for stdin), read by check, apply and verify-log. Else
    /// the environment variable RELMAN_KEYS (the keyring's JSON text).
    /// Keys are never taken from the command line itself.
    #[arg(long, global = true, value_name = "FILE")]
    pub keys: Option<String>,
    /// Most bytes of any one input (a document, table or parameter file,
    /// or stdin); a longer one is `limit_exceeded` (exit 2). A positive
    /// integer [default: 268435456, 256 MiB]. Applies to every file a
    /// command reads (`validate`'s, `call`'s parameters included).
    #[arg(long, global = true, value_name = "N", value_parser = parse_limit)]
    pub max_document_bytes: Option<u64>,
    /// Most items in any one list of a document read by a command (CMDB
    /// CIs and relationships have their own limits); more is
    /// `limit_exceeded` (exit 2). A positive integer [default: 1000000].
    #[arg(long, global = true, value_name = "N", value_parser = parse_limit)]
    pub max_items: Option<u64>,
}

/// Parses `--max-document-bytes` and `--max-items`: a positive integer.
pub fn parse_limit(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(0) => Err("must be at least 1".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{text}` is not a positive integer")),
    }
}

/// The environment variable that may hold the keyring's JSON text.
pub const KEYS_ENV: &str = "RELMAN_KEYS";

/// A text read from a file or stdin, with the name to report it under.
#[derive(Debug, Clone)]
pub struct Input {
    /// The path as given, or `<stdin>`.
    pub name: String,
    /// The UTF-8 text.
    pub text: String,
}

/// The name stdin is reported under.
pub const STDIN_NAME: &str = "<stdin>";

/// The global options, with their files read and checked on first use.
#[derive(Debug)]
pub struct Globals {
    args: GlobalArgs,
    stdin_read: Cell<bool>,
    policy_file: OnceCell<Result<Option<Policy>, Failure>>,
    context_file: OnceCell<Result<Option<Context>, Failure>>,
    now_arg: OnceCell<Result<Option<Timestamp>, Failure>>,
    clock: OnceCell<Timestamp>,
    keys: OnceCell<Result<Option<Keyring>, Failure>>,
    default_policy: OnceCell<Policy>,
    /// The read-time limits: the defaults with `--max-document-bytes` and
    /// `--max-items` applied.
    limits: relman::limits::Limits,
    /// The most bytes [`Globals::read`] reads from one file or stdin.
    max_bytes: u64,
}

impl Globals {
    /// Wraps the parsed global options; nothing is read yet.
    pub fn new(args: GlobalArgs) -> Self {
        let defaults = relman::limits::Limits::default();
        let limits = relman::limits::Limits {
            max_document_bytes: args
                .max_document_bytes
                .unwrap_or(defaults.max_document_bytes),
            max_items: args.max_items.unwrap_or(defaults.max_items),
            ..defaults
        };
        let max_bytes = limits.max_document_bytes;
        Globals {
            args,
            stdin_read: Cell::new(false),
            policy_file: OnceCell::new(),
            context_file: OnceCell::new(),
            now_arg: OnceCell::new(),
            clock: OnceCell::new(),
            keys: OnceCell::new(),
            default_policy: OnceCell::new(),
            limits,
            max_bytes,
        }
    }

    /// The read-time limits in force (`--max-document-bytes`,
    /// `--max-items`, else the defaults).
    pub fn limits(&self) -> &relman::limits::Limits {
        &self.limits
    }

    /// The same globals reading at most `max_bytes` per input.
    #[cfg(test)]
    fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// The output format (JSON unless --format says otherwise).
    pub fn format(&self) -> Format {
        self.args.format.unwrap_or_default()
    }

    /// The output format, if --format was given.
    pub fn format_arg(&self) -> Option<Format> {
        self.args.format
    }

    /// Reads `path` (or stdin for `-`) as UTF-8 text. Stdin can be read
    /// once per run. At most `--max-document-bytes` (default
    /// [`DEFAULT_MAX_DOCUMENT_BYTES`]) are read: a
    /// longer input is `limit_exceeded` (reading stops one byte past the
    /// limit, so `/dev/zero` cannot fill the memory).
    ///
    /// [`DEFAULT_MAX_DOCUMENT_BYTES`]: relman::limits::DEFAULT_MAX_DOCUMENT_BYTES
    pub fn read(&self, path: &str) -> Result<Input, Failure> {
        if path == "-" {
            let bytes = self.read_stdin()?;
            let text = utf8(STDIN_NAME, bytes)?;
            return Ok(Input {
                name: STDIN_NAME.to_string(),
                text,
            });
        }
        read_file(Path::new(path), self.max_bytes)
    }

    /// Reads `path` (or stdin for `-`) as bytes, under the limits of
    /// [`Globals::read`]: the name it is reported under and its bytes
    /// (binary inputs read whole: Arrow IPC tables, cargo feature `ipc`).
    #[cfg(feature = "ipc")]
    pub fn read_bytes(&self, path: &str) -> Result<(String, Vec<u8>), Failure> {
        if path == "-" {
            return Ok((STDIN_NAME.to_string(), self.read_stdin()?));
        }
        let name = path.to_string();
        let file = File::open(path)
            .map_err(|e| crate::write::io_failure(&e, format!("cannot read `{name}`: {e}")))?;
        let mut expected = 0;
        if let Ok(meta) = file.metadata() {
            if meta.is_file() && meta.len() > self.max_bytes {
                return Err(too_large(&name, self.max_bytes, meta.len()));
            }
            if meta.is_file() {
                expected = meta.len().saturating_add(1);
            }
        }
        let bytes = read_capped_sized(file, &name, self.max_bytes, expected)?;
        Ok((name, bytes))
    }

    /// Stdin to its end (once per run), at most `--max-document-bytes`.
    fn read_stdin(&self) -> Result<Vec<u8>, Failure> {
        if self.stdin_read.replace(true) {
            return Err(Failure::invalid_input(
                "stdin (`-`) can be read only once per run",
            ));
        }
        read_capped(std::io::stdin().lock(), STDIN_NAME, self.max_bytes)
    }

    /// Streams the lines of `path` (or stdin for `-`) to `each` with their
    /// 1-based numbers and line endings, one line in memory at a time (for
    /// NDJSON). A line longer than `--max-document-bytes` is
    /// `limit_exceeded` at `line N` (reading stops past the limit); a line
    /// that is not UTF-8 is `invalid_input` at its line. Errors, `each`'s
    /// included, name the file.
    pub fn for_each_line(
        &self,
        path: &str,
        mut each: impl FnMut(usize, &str) -> relman::Result<()>,
    ) -> Result<(), Failure> {
        let (name, reader): (String, Box<dyn BufRead>) = if path == "-" {
            if self.stdin_read.replace(true) {
                return Err(Failure::invalid_input(
                    "stdin (`-`) can be read only once per run",
                ));
            }
            (
                STDIN_NAME.to_string(),
                Box::new(std::io::BufReader::with_capacity(
                    1 << 16,
                    std::io::stdin().lock(),
                )),
            )
        } else {
            let file = File::open(path)
                .map_err(|e| crate::write::io_failure(&e, format!("cannot read `{path}`: {e}")))?;
            (
                path.to_string(),
                Box::new(std::io::BufReader::with_capacity(1 << 16, file)),
            )
        };
        let named = |e: relman::Error| Failure::from(e).prefixed(&format!("{name}: "));
        stream_lines(reader, self.max_bytes, &mut each).map_err(|e| match e {
            LineError::Relman(e) => named(e),
            LineError::Io(e) => crate::write::io_failure(&e, format!("cannot read `{name}`: {e}")),
        })
    }

    /// Reads and parses a document of type `T` from `path` (or stdin for
    /// `-`); an invalid document is an error whose message names the file.
    pub fn read_document<T: Document>(&self, path: &str) -> Result<Parsed<T>, Failure> {
        let input = self.read(path)?;
        relman::validate::parse_with_limits::<T>(&input.text, &self.limits)
            .map_err(|e| Failure::from(e).prefixed(&format!("{}: ", input.name)))
    }

    /// The policy of `--policy FILE`, if given.
    pub fn policy_file(&self) -> Result<Option<&Policy>, Failure> {
        let loaded = self.policy_file.get_or_init(|| {
            let Some(path) = &self.args.policy else {
                return Ok(None);
            };
            let input = self.read(path).map_err(|f| f.prefixed("--policy: "))?;
            relman::validate::parse_with_limits::<Policy>(&input.text, &self.limits)
                .map(|p| Some(p.document))
                .map_err(|e| Failure::from(e).prefixed(&format!("--policy {}: ", input.name)))
        });
        loaded.as_ref().map(Option::as_ref).map_err(Clone::clone)
    }

    /// The context of `--context FILE`, if given, as written (without
    /// `--policy` and `--now` applied; see [`Globals::context`]).
    pub fn context_file(&self) -> Result<Option<&Context>, Failure> {
        let loaded = self.context_file.get_or_init(|| {
            let Some(path) = &self.args.context else {
                return Ok(None);
            };
            let input = self.read(path).map_err(|f| f.prefixed("--context: "))?;
            relman::validate::parse_with_limits::<Context>(&input.text, &self.limits)
                .map(|c| Some(c.document))
                .map_err(|e| Failure::from(e).prefixed(&format!("--context {}: ", input.name)))
        });
        loaded.as_ref().map(Option::as_ref).map_err(Clone::clone)
    }

    /// The time of `--now TIME`, if given.
    pub fn now_arg(&self) -> Result<Option<&Timestamp>, Failure> {
        let loaded = self.now_arg.get_or_init(|| match &self.args.now {
            None => Ok(None),
            Some(text) => Timestamp::parse(text)
                .map(Some)
                .map_err(|e| Failure::invalid_input(format!("--now: {e}"))),
        });
        loaded.as_ref().map(Option::as_ref).map_err(Clone::clone)
    }

    /// The host keyring: `--keys FILE`, else the JSON text of the
    /// environment variable `RELMAN_KEYS`, else none. A `--keys` value that
    /// looks like the keys themselves (JSON text) is refused: keys on the
    /// command line end up in shell histories and process listings.
    pub fn keys(&self) -> Result<Option<&Keyring>, Failure> {
        let loaded = self.keys.get_or_init(|| {
            let (name, text) = match &self.args.keys {
                Some(path) if path.trim_start().starts_with('{') => {
                    return Err(Failure::invalid_input(
                        "--keys takes a FILE holding the keyring (or set RELMAN_KEYS), never the keys themselves: the command line is visible to other users and kept in shell histories",
                    ))
                }
                Some(path) => {
                    let input = self.read(path).map_err(|f| f.prefixed("--keys: "))?;
                    (format!("--keys {}", input.name), input.text)
                }
                None => match std::env::var(KEYS_ENV) {
                    Ok(text) if !text.trim().is_empty() => (KEYS_ENV.to_string(), text),
                    Ok(_) | Err(std::env::VarError::NotPresent) => return Ok(None),
                    Err(std::env::VarError::NotUnicode(_)) => {
                        return Err(Failure::invalid_input(format!(
                            "{KEYS_ENV} is not UTF-8 text"
                        )))
                    }
                },
            };
            Keyring::from_json(&text)
                .map(Some)
                .map_err(|e| Failure::from(e).prefixed(&format!("{name}: ")))
        });
        loaded.as_ref().map(Option::as_ref).map_err(Clone::clone)
    }

    /// The policy in force: `--policy FILE`, else the policy inside
    /// `--context FILE`, else the defaults.
    pub fn policy(&self) -> Result<&Policy, Failure> {
        if let Some(policy) = self.policy_file()? {
            return Ok(policy);
        }
        if let Some(policy) = self.context_file()?.and_then(|c| c.policy.as_ref()) {
            return Ok(policy);
        }
        Ok(self.default_policy.get_or_init(Policy::default))
    }

    /// The current time: `--now TIME`, else `now` of `--context FILE`.
    pub fn now(&self) -> Result<Option<&Timestamp>, Failure> {
        if let Some(now) = self.now_arg()? {
            return Ok(Some(now));
        }
        Ok(self.context_file()?.and_then(|c| c.now.as_ref()))
    }

    /// The current time for a command that needs one: [`Globals::now`],
    /// else the system clock, read once per run (the core never reads it;
    /// [`Globals::clock_used`] then tells the time used).
    pub fn now_or_clock(&self) -> Result<&Timestamp, Failure> {
        if let Some(now) = self.now()? {
            return Ok(now);
        }
        Ok(self.clock.get_or_init(system_clock))
    }

    /// The system clock's time, if [`Globals::now_or_clock`] read it.
    pub fn clock_used(&self) -> Option<&Timestamp> {
        self.clock.get()
    }

    /// The context in force: `--context FILE` (or an empty context) with the
    /// policy in force filled in (defaults included) and `now` from
    /// [`Globals::now`].
    pub fn context(&self) -> Result<Context, Failure> {
        let mut context = self.context_file()?.cloned().unwrap_or_default();
        context.policy = Some(self.policy()?.clone());
        context.now = self.now()?.cloned();
        Ok(context)
    }
}

/// Parses a snake_case enum value of the data contract (a role, an outcome,
/// …) from a command-line argument; `-` and `_` are interchangeable.
pub fn parse_snake<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let name = text.trim().replace('-', "_");
    serde_json::from_value(serde_json::Value::String(name)).map_err(|e| e.to_string())
}

/// The weekdays with their short (`mon`) and long (`monday`) names.
const WEEKDAYS: [(Weekday, &str, &str); 7] = [
    (Weekday::Mon, "mon", "monday"),
    (Weekday::Tue, "tue", "tuesday"),
    (Weekday::Wed, "wed", "wednesday"),
    (Weekday::Thu, "thu", "thursday"),
    (Weekday::Fri, "fri", "friday"),
    (Weekday::Sat, "sat", "saturday"),
    (Weekday::Sun, "sun", "sunday"),
];

/// Parses a weekday, short or long and in any case (`mon`, `Monday`,
/// `SUN`); surrounding whitespace is ignored.
pub fn parse_weekday(text: &str) -> Result<Weekday, String> {
    let name = text.trim().to_ascii_lowercase();
    WEEKDAYS
        .iter()
        .find(|(_, short, long)| name == *short || name == *long)
        .map(|(day, _, _)| *day)
        .ok_or_else(|| {
            let short: Vec<&str> = WEEKDAYS.iter().map(|(_, s, _)| *s).collect();
            let long: Vec<&str> = WEEKDAYS.iter().map(|(_, _, l)| *l).collect();
            format!(
                "unknown weekday `{text}`; one of: {} or {} (any case)",
                short.join(", "),
                long.join(", ")
            )
        })
}

/// Parses a lifecycle state (`planning`, `development`, …, `cancelled`).
pub fn parse_state(text: &str) -> Result<State, String> {
    let name = text.trim().replace('-', "_");
    State::ALL
        .iter()
        .find(|s| s.as_str() == name)
        .copied()
        .ok_or_else(|| {
            let names: Vec<&str> = State::ALL.iter().map(|s| s.as_str()).collect();
            format!("unknown state `{text}`; one of: {}", names.join(", "))
        })
}

/// The system clock in UTC, whole seconds (the Unix epoch if the clock is
/// set before it).
pub fn system_clock() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let at = i64::try_from(secs)
        .ok()
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .unwrap_or(chrono::DateTime::UNIX_EPOCH);
    Timestamp::from_utc(at)
}

/// The line on stderr naming the system clock's time a command used.
pub fn clock_note(now: &Timestamp) -> String {
    format!("note: no --now: using the system clock, {}", now.as_str())
}

/// What the size limit of a read counts (the wording of the core's check of
/// the same limit).
const SIZE_LIMIT_WHAT: &str = "document size in bytes";

/// The `limit_exceeded` error of an input `name` of `found` bytes (or more:
/// reading stopped there) past `limit`; the message starts with `name`.
fn too_large(name: &str, limit: u64, found: u64) -> Failure {
    // The core's message is `PATH: WHAT exceeds …` with an empty path.
    let err = relman::limits::exceeded("", SIZE_LIMIT_WHAT, limit, found);
    let mut body = err.to_body();
    body.message = format!("{name}{err}");
    Failure::from(body)
}

/// Why [`stream_lines`] stopped.
enum LineError {
    /// A line was refused (by the limits, as not UTF-8, or by the caller).
    Relman(relman::Error),
    /// Reading failed.
    Io(std::io::Error),
}

/// Hands each line of `reader` (with its ending) to `each`, numbered from
/// 1; a line of more than `limit` bytes before its ending is refused
/// without reading it whole.
fn stream_lines(
    mut reader: impl BufRead,
    limit: u64,
    each: &mut dyn FnMut(usize, &str) -> relman::Result<()>,
) -> Result<(), LineError> {
    let mut buf: Vec<u8> = Vec::new();
    let mut number = 0usize;
    // A line, its CR and its LF.
    let cap = limit.saturating_add(2);
    loop {
        buf.clear();
        number = number.saturating_add(1);
        let read = (&mut reader)
            .take(cap)
            .read_until(b'\n', &mut buf)
            .map_err(LineError::Io)?;
        if read == 0 {
            return Ok(());
        }
        let body = buf
            .strip_suffix(b"\n")
            .map(|b| b.strip_suffix(b"\r").unwrap_or(b));
        let size = body.map_or(buf.len(), <[u8]>::len) as u64;
        if size > limit {
            return Err(LineError::Relman(relman::limits::exceeded(
                format!("line {number}"),
                "document size in bytes",
                limit,
                size,
            )));
        }
        let text = std::str::from_utf8(&buf).map_err(|e| {
            LineError::Relman(relman::Error::InvalidInput {
                problems: vec![Problem {
                    path: format!("line {number}"),
                    message: format!("not UTF-8 text: {e}"),
                    line: Some(number),
                    column: None,
                }],
            })
        })?;
        each(number, text).map_err(LineError::Relman)?;
    }
}

/// Reads `reader` to its end, or to one byte past `limit` and then stops
/// with `limit_exceeded` (found: `limit + 1`). I/O errors name `name`.
pub fn read_capped(reader: impl Read, name: &str, limit: u64) -> Result<Vec<u8>, Failure> {
    read_capped_sized(reader, name, limit, 0)
}

/// [`read_capped`] into a buffer made for `expected` bytes (a regular
/// file's length; at most `limit` + 1), so a large document is read into
/// one allocation instead of a doubling one that briefly holds two copies.
fn read_capped_sized(
    reader: impl Read,
    name: &str,
    limit: u64,
    expected: u64,
) -> Result<Vec<u8>, Failure> {
    let capacity = usize::try_from(expected.min(limit.saturating_add(1))).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| {
            let what = if name == STDIN_NAME {
                "stdin".to_string()
            } else {
                format!("`{name}`")
            };
            crate::write::io_failure(&e, format!("cannot read {what}: {e}"))
        })?;
    let read = bytes.len() as u64;
    if read > limit {
        return Err(too_large(name, limit, read));
    }
    Ok(bytes)
}

/// Reads the file at `path` as UTF-8 text, at most `limit` bytes (a
/// regular file known to be longer is refused before reading). A refused
/// access is `permission_denied`.
pub fn read_file(path: &Path, limit: u64) -> Result<Input, Failure> {
    let name = path.display().to_string();
    let file = File::open(path)
        .map_err(|e| crate::write::io_failure(&e, format!("cannot read `{name}`: {e}")))?;
    let mut expected = 0;
    if let Ok(meta) = file.metadata() {
        if meta.is_file() && meta.len() > limit {
            return Err(too_large(&name, limit, meta.len()));
        }
        if meta.is_file() {
            // One byte more, so reading to the end does not grow the buffer.
            expected = meta.len().saturating_add(1);
        }
    }
    let bytes = read_capped_sized(file, &name, limit, expected)?;
    Ok(Input {
        text: utf8(&name, bytes)?,
        name,
    })
}

/// The bytes as UTF-8 text, without a leading byte order mark (which some
/// editors and exports write and JSON parsers may ignore).
fn utf8(name: &str, bytes: Vec<u8>) -> Result<String, Failure> {
    let mut text = String::from_utf8(bytes)
        .map_err(|e| Failure::invalid_input(format!("`{name}` is not UTF-8 text: {e}")))?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn globals(now: Option<&str>) -> Globals {
        Globals::new(GlobalArgs {
            now: now.map(str::to_string),
            ..GlobalArgs::default()
        })
    }

    #[test]
    fn states_and_enums_parse_from_arguments() {
        assert_eq!(parse_state("deployment"), Ok(State::Deployment));
        let err = parse_state("shipped").unwrap_err();
        assert!(
            err.contains("planning") && err.contains("cancelled"),
            "{err}"
        );
        assert_eq!(
            parse_snake::<relman::Role>("product-owner"),
            Ok(relman::Role::ProductOwner)
        );
        assert!(parse_snake::<relman::Outcome>("great").is_err());
    }

    #[test]
    fn text_is_utf8_without_bom() {
        let text = utf8("f", b"\xef\xbb\xbf{}".to_vec()).unwrap();
        assert_eq!(text, "{}");
        let err = utf8("f.json", vec![b'{', 0xff, b'}']).unwrap_err();
        assert!(err.body().unwrap().message.contains("f.json"));
    }

    #[test]
    fn weekdays_short_and_long_in_any_case() {
        assert_eq!(parse_weekday("mon"), Ok(Weekday::Mon));
        assert_eq!(parse_weekday("Monday"), Ok(Weekday::Mon));
        assert_eq!(parse_weekday(" SUNDAY "), Ok(Weekday::Sun));
        assert_eq!(parse_weekday("Thu"), Ok(Weekday::Thu));
        let err = parse_weekday("mond").unwrap_err();
        assert!(err.contains("`mond`") && err.contains("mon, tue"), "{err}");
        assert!(err.contains("monday, tuesday"), "{err}");
    }

    #[test]
    fn limits_are_positive_integers() {
        assert_eq!(parse_limit("1"), Ok(1));
        assert_eq!(parse_limit("268435457"), Ok(268_435_457));
        for bad in ["0", "-1", "1.5", "ten", ""] {
            assert!(parse_limit(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_flags_set_the_read_limits() {
        let g = Globals::new(GlobalArgs {
            max_document_bytes: Some(5),
            max_items: Some(7),
            ..GlobalArgs::default()
        });
        assert_eq!(g.limits().max_document_bytes, 5);
        assert_eq!(g.limits().max_items, 7);
        assert_eq!(g.max_bytes, 5);
        let defaults = Globals::new(GlobalArgs::default());
        assert_eq!(defaults.limits(), &relman::limits::Limits::default());
    }

    #[test]
    fn the_clock_is_read_only_without_a_now() {
        let g = globals(Some("2026-03-01T10:00:00Z"));
        assert_eq!(g.now_or_clock().unwrap().as_str(), "2026-03-01T10:00:00Z");
        assert!(g.clock_used().is_none());
        let g = globals(None);
        let now = g.now_or_clock().unwrap().clone();
        assert_eq!(g.clock_used(), Some(&now));
        assert!(now.as_str().ends_with('Z') && !now.as_str().contains('.'));
        assert!(clock_note(&now).starts_with("note: no --now: using the system clock, 20"));
    }

    #[test]
    fn now_is_parsed_on_use() {
        let g = globals(Some("2026-03-01T22:00:00Z"));
        assert_eq!(
            g.now().unwrap().map(Timestamp::as_str),
            Some("2026-03-01T22:00:00Z")
        );
        let bad = globals(Some("yesterday"));
        let err = bad.now().unwrap_err();
        let body = err.body().unwrap();
        assert_eq!(body.code.as_str(), "invalid_input");
        assert!(body.message.contains("--now"), "{}", body.message);
        // The other globals stay usable.
        assert!(bad.policy().is_ok());
    }

    #[test]
    fn without_globals_the_defaults_apply() {
        let g = globals(None);
        assert_eq!(g.policy().unwrap(), &Policy::default());
        assert!(g.now().unwrap().is_none());
        let context = g.context().unwrap();
        assert_eq!(context.policy, Some(Policy::default()));
    }

    /// A file under the temp dir holding `bytes`, removed when dropped.
    struct Temp(std::path::PathBuf);

    impl Temp {
        fn new(name: &str, bytes: &[u8]) -> Temp {
            let path =
                std::env::temp_dir().join(format!("relman-io-{}-{name}", std::process::id()));
            std::fs::write(&path, bytes).unwrap();
            Temp(path)
        }

        fn path(&self) -> &str {
            self.0.to_str().unwrap()
        }
    }

    impl Drop for Temp {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    #[test]
    fn reads_stop_one_byte_past_the_limit() {
        assert_eq!(read_capped(&b"1234"[..], "f", 4).unwrap(), b"1234");
        assert_eq!(read_capped(&b""[..], "f", 0).unwrap(), b"");
        let err = read_capped(&b"12345678"[..], "big.json", 4).unwrap_err();
        let body = err.body().unwrap();
        assert_eq!(body.code.as_str(), "limit_exceeded");
        assert_eq!(body.path.as_deref(), Some(""));
        assert_eq!(
            body.message,
            "big.json: document size in bytes exceeds the limit of 4 (found 5)"
        );
        // An endless reader stops too.
        let err = read_capped(std::io::repeat(0), STDIN_NAME, 1000).unwrap_err();
        let body = err.body().unwrap();
        assert_eq!(body.code.as_str(), "limit_exceeded");
        assert!(body.message.starts_with("<stdin>: "), "{}", body.message);
        assert!(body.message.ends_with("(found 1001)"), "{}", body.message);
    }

    #[test]
    fn files_and_flag_files_past_the_limit_are_limit_exceeded() {
        let small = Temp::new("small.json", b"{}");
        let big = Temp::new("big.json", b"{\"a\": 1}");
        let g = globals(None).with_max_bytes(2);
        assert_eq!(g.read(small.path()).unwrap().text, "{}");
        let err = g.read(big.path()).unwrap_err();
        let body = err.body().unwrap();
        assert_eq!(body.code.as_str(), "limit_exceeded");
        assert_eq!(
            body.message,
            format!(
                "{}: document size in bytes exceeds the limit of 2 (found 8)",
                big.path()
            )
        );
        // Through --policy, whose errors name the flag.
        let g = Globals::new(GlobalArgs {
            policy: Some(big.path().to_string()),
            ..GlobalArgs::default()
        })
        .with_max_bytes(2);
        let err = g.policy().unwrap_err();
        let body = err.body().unwrap();
        assert_eq!(body.code.as_str(), "limit_exceeded");
        assert!(body.message.starts_with("--policy: "), "{}", body.message);
        assert!(body.message.contains("big.json"), "{}", body.message);
    }

    #[test]
    #[cfg(unix)]
    fn an_unreadable_file_is_permission_denied() {
        use std::os::unix::fs::PermissionsExt;
        let file = Temp::new("secret.json", b"{}");
        std::fs::set_permissions(&file.0, std::fs::Permissions::from_mode(0o000)).unwrap();
        // Root reads it anyway: nothing to check then.
        if std::fs::read(&file.0).is_ok() {
            return;
        }
        let err = globals(None).read(file.path()).unwrap_err();
        let body = err.body().unwrap();
        assert_eq!(body.code.as_str(), "permission_denied");
        assert!(body.message.contains("secret.json"), "{}", body.message);
    }

    #[test]
    fn a_missing_policy_file_names_the_file() {
        let g = Globals::new(GlobalArgs {
            policy: Some("/nonexistent/relman-policy.json".to_string()),
            ..GlobalArgs::default()
        });
        let err = g.policy().unwrap_err();
        let body = err.body().unwrap();
        assert_eq!(body.code.as_str(), "invalid_input");
        assert!(
            body.message.contains("relman-policy.json"),
            "{}",
            body.message
        );
        // Still an error on the second call.
        assert!(g.policy().is_err());
    }
}
