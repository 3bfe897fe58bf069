//! Streaming NDJSON histories for KPIs (`docs/kpi.md`, "Streaming NDJSON").
//!
//! A history as NDJSON (JSON Lines) holds one record per line:
//! `{"deployment": …}`, `{"incident": …}` or `{"release": …}`, each record
//! shaped as an item of a history document's `deployments`, `incidents` or
//! `releases`. Blank lines (whitespace only) are skipped, a line may end
//! with CRLF, and a byte order mark before the first line is ignored.
//!
//! [`NdjsonHistory`] is a push-style reader: the caller (who does the I/O)
//! hands it one line at a time with its 1-based line number; each record
//! is read, checked and fed to a [`KpiAccumulator`] at once, so memory
//! grows only with what the KPIs keep, never with the text.
//! [`compute_kpis_ndjson`] does the same over a whole text in memory (for
//! the bindings).
//!
//! Limits apply per record: each line is read under the read-time
//! [`Limits`] as one document (its bytes, nesting depth, items per list,
//! string length); there is no limit on the number of lines.
//!
//! Errors name the line: the error's path starts with `line N` (`line 12:
//! deployment.finished_at`), and an `invalid_input` error also carries the
//! line in its `line` field (and the column within the line, for bad
//! JSON). A line that is not a JSON object with exactly one of the keys
//! `deployment`, `incident`, `release` is `invalid_input`; so is a last
//! line that is not valid JSON and has no newline after it (a truncated
//! file).
//!
//! Checks: every check a history document makes of one record (structure,
//! timestamps with an offset, non-empty ids, `finished_at` not before
//! `started_at`, `resolved_at` not before `created_at`, a release's own
//! checks) is made per line. Checks across records are those of the
//! accumulator: duplicate ids of counted production deployments are an
//! error at [`NdjsonHistory::finish`]; an incident whose `caused_by` names
//! no deployment read is counted as `linked_to_uncounted` (a history
//! document refuses it), and duplicate incident or release ids are not
//! looked for (that would keep every id).
//!
//! ```
//! use relman::ndjson::compute_kpis_ndjson;
//! use relman::limits::Limits;
//!
//! let text = concat!(
//!     r#"{"deployment": {"id": "d1", "service": "pay", "environment": "production", "finished_at": "2026-03-02T10:00:00Z", "outcome": "success"}}"#, "\n",
//!     "\r\n",
//!     r#"{"incident": {"id": "i1", "service": "pay", "created_at": "2026-03-02T11:00:00Z"}}"#, "\n",
//! );
//! let report = compute_kpis_ndjson(text, &Default::default(), &Default::default(), &Limits::DEFAULT)?;
//! assert_eq!(report.kpis.dora.production_deployments, 1);
//! assert_eq!(report.attribution.window, 1);
//!
//! let err = compute_kpis_ndjson("{\"change\": {}}\n", &Default::default(), &Default::default(), &Limits::DEFAULT)
//!     .unwrap_err();
//! assert_eq!(err.path(), Some("line 1: change"));
//! assert_eq!(err.to_body().line, Some(1));
//! # Ok::<(), relman::Error>(())
//! ```

use crate::document::{DeploymentRecord, Incident, Release};
use crate::error::{Error, Problem, Result};
use crate::kpi::{KpiAccumulator, KpiOptions, KpiReport, KpiSettings};
use crate::limits::{Counted, Limits};
use crate::policy::KpiPolicy;
use crate::validate::{join, Document, Findings};
use serde::Deserialize;
use serde_json::Value;

/// The keys a line may hold, in messages.
const RECORD_KEYS: &str = "`deployment`, `incident` or `release`";

/// One line as the fast path reads it: at most one of the three keys.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    #[serde(default)]
    deployment: Option<DeploymentRecord>,
    #[serde(default)]
    incident: Option<Incident>,
    #[serde(default)]
    release: Option<Release>,
}

/// One record of a line.
enum Record {
    Deployment(DeploymentRecord),
    Incident(Incident),
    Release(Box<Release>),
}

/// A push-style reader of an NDJSON history feeding a [`KpiAccumulator`]
/// (see the [module documentation](self)): [`push_line`] each line with its
/// number, then [`finish`].
///
/// [`push_line`]: NdjsonHistory::push_line
/// [`finish`]: NdjsonHistory::finish
#[derive(Debug, Clone)]
pub struct NdjsonHistory {
    acc: KpiAccumulator,
    limits: Limits,
    lines: usize,
}

impl NdjsonHistory {
    /// A reader feeding an empty accumulator for `settings`, reading each
    /// record under `limits`.
    pub fn new(settings: KpiSettings, limits: Limits) -> Result<NdjsonHistory> {
        Ok(NdjsonHistory {
            acc: KpiAccumulator::new(settings)?,
            limits,
            lines: 0,
        })
    }

    /// Reads line `number` (1-based) and feeds its record, if any.
    ///
    /// `line` is the line as read, with its line ending (`\n` or `\r\n`)
    /// when it has one: a line without one is the last of the text, and if
    /// it is not valid JSON the text was truncated. Errors carry the line
    /// number (module documentation); after an error the reader may be
    /// dropped or fed on (the bad line fed nothing).
    pub fn push_line(&mut self, number: usize, line: &str) -> Result<()> {
        self.lines = self.lines.max(number);
        let (body, terminated) = match line.strip_suffix('\n') {
            Some(body) => (body, true),
            None => (line, false),
        };
        let body = body.strip_suffix('\r').unwrap_or(body);
        let body = if number == 1 {
            body.strip_prefix('\u{feff}').unwrap_or(body)
        } else {
            body
        };
        if body.trim().is_empty() {
            return Ok(());
        }
        let record = self
            .read(body, terminated)
            .map_err(|e| at_line(e, number))?;
        self.feed(record).map_err(|e| at_line(e, number))
    }

    /// The highest line number pushed so far.
    pub fn lines(&self) -> usize {
        self.lines
    }

    /// The accumulator fed so far.
    pub fn accumulator(&self) -> &KpiAccumulator {
        &self.acc
    }

    /// The accumulator fed so far, to merge with others.
    pub fn into_accumulator(self) -> KpiAccumulator {
        self.acc
    }

    /// The report over every record read (duplicate production deployment
    /// ids are `invalid_input`, without a line).
    pub fn finish(self) -> Result<KpiReport> {
        self.acc.finish()
    }

    fn read(&self, body: &str, terminated: bool) -> Result<Record> {
        let line = match self.limits.deserialize_counted::<Line>(body) {
            Counted::Within(line) => line,
            Counted::Unsure(line) => {
                self.limits.check_text(body)?;
                line
            }
            Counted::Refused => return self.read_slow(body, terminated),
        };
        let found = [
            line.deployment.is_some(),
            line.incident.is_some(),
            line.release.is_some(),
        ];
        match line {
            Line {
                deployment: Some(d),
                incident: None,
                release: None,
            } => Ok(Record::Deployment(d)),
            Line {
                deployment: None,
                incident: Some(i),
                release: None,
            } => Ok(Record::Incident(i)),
            Line {
                deployment: None,
                incident: None,
                release: Some(r),
            } => {
                check_release(&r)?;
                Ok(Record::Release(Box::new(r)))
            }
            _ => Err(Error::invalid_input(
                "",
                format!(
                    "a line holds exactly one record, {RECORD_KEYS}; found {}",
                    found.iter().filter(|f| **f).count()
                ),
            )),
        }
    }

    /// The way of a line the fast path refused, for its error (or for a
    /// line only the limits' byte count could judge).
    fn read_slow(&self, body: &str, terminated: bool) -> Result<Record> {
        self.limits.check_text(body)?;
        let value: Value = serde_json::from_str(body).map_err(|e| {
            let message = if terminated {
                format!("not valid JSON: {e}")
            } else {
                format!("truncated last line: not valid JSON and no newline after it ({e})")
            };
            Error::InvalidInput {
                problems: vec![Problem {
                    path: String::new(),
                    message,
                    line: None,
                    column: (e.column() > 0).then_some(e.column()),
                }],
            }
        })?;
        let Value::Object(map) = value else {
            return Err(Error::invalid_input(
                "",
                format!(
                    "a line must be a JSON object holding one record, {RECORD_KEYS}; found {}",
                    type_name(&value)
                ),
            ));
        };
        if let Some(key) = map
            .keys()
            .find(|k| !matches!(k.as_str(), "deployment" | "incident" | "release"))
        {
            return Err(Error::invalid_input(
                key.clone(),
                format!("unknown record type `{key}`; a line holds {RECORD_KEYS}"),
            ));
        }
        if map.len() != 1 {
            return Err(Error::invalid_input(
                "",
                format!(
                    "a line holds exactly one record, {RECORD_KEYS}; found {}",
                    map.len()
                ),
            ));
        }
        let Some((key, value)) = map.into_iter().next() else {
            return Err(Error::invalid_input("", "a line holds one record"));
        };
        match key.as_str() {
            "deployment" => {
                typed_value::<DeploymentRecord>("deployment", value).map(Record::Deployment)
            }
            "incident" => typed_value::<Incident>("incident", value).map(Record::Incident),
            _ => crate::validate::from_value_with_limits::<Release>(value, &self.limits)
                .map(|p| Record::Release(Box::new(p.document)))
                .map_err(|e| prefix(e, "release")),
        }
    }

    fn feed(&mut self, record: Record) -> Result<()> {
        match record {
            Record::Deployment(d) => {
                non_empty_id("deployment", &d.id)?;
                self.acc
                    .add_deployment(&d)
                    .map_err(|p| under("deployment", p))
            }
            Record::Incident(i) => {
                non_empty_id("incident", &i.id)?;
                self.acc.add_incident(&i).map_err(|p| under("incident", p))
            }
            Record::Release(r) => {
                self.acc.add_release(&r);
                Ok(())
            }
        }
    }
}

/// The checks a history document makes of a release it holds.
fn check_release(r: &Release) -> Result<()> {
    let mut findings = Findings::default();
    if let Some(version) = r.check("release", &mut findings) {
        return Err(version);
    }
    if findings.problems.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidInput {
            problems: findings.problems,
        })
    }
}

fn non_empty_id(record: &str, id: &str) -> Result<()> {
    if id.trim().is_empty() {
        return Err(Error::invalid_input(
            format!("{record}.id"),
            "must not be empty",
        ));
    }
    Ok(())
}

fn under(record: &str, p: Problem) -> Error {
    Error::InvalidInput {
        problems: vec![Problem::new(join(record, &p.path), p.message)],
    }
}

/// Deserialises a record with path tracking; paths start with `name`
/// (`deployment.finished_at`), as a history document's would start with
/// `deployments[i]`.
fn typed_value<T: serde::de::DeserializeOwned>(name: &str, value: Value) -> Result<T> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|err| {
        let inner = err.path().to_string();
        let mut path = if inner == "." {
            name.to_string()
        } else {
            join(name, &inner)
        };
        let message = err.inner().to_string();
        if let Some(field) = message
            .strip_prefix("missing field `")
            .and_then(|s| s.strip_suffix('`'))
        {
            path = join(&path, field);
        }
        Error::invalid_input(path, message)
    })
}

/// Prefixes the paths of a release's error with `release`.
fn prefix(err: Error, base: &str) -> Error {
    err.map_paths(|p| join(base, p))
}

/// The JSON type of a value, for messages.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// `base` before a path: `line 12` or `line 12: deployment.finished_at`.
fn line_path(number: usize, path: &str) -> String {
    if path.is_empty() {
        format!("line {number}")
    } else {
        format!("line {number}: {path}")
    }
}

/// The error of line `number`: its paths start with `line N`, its problems
/// carry the line.
fn at_line(err: Error, number: usize) -> Error {
    let err = err.map_paths(|p| line_path(number, p));
    match err {
        Error::InvalidInput { mut problems } => {
            problems.iter_mut().for_each(|p| p.line = Some(number));
            Error::InvalidInput { problems }
        }
        Error::InvalidPolicy { mut problems } => {
            problems.iter_mut().for_each(|p| p.line = Some(number));
            Error::InvalidPolicy { problems }
        }
        other => other,
    }
}

/// Every KPI of the NDJSON history `text`, as [`compute_kpis_with`] over
/// the same records in one history document (see the
/// [module documentation](self) for what differs): the policy's `kpi`
/// section overridden by `options`, each record read under `limits`.
///
/// [`compute_kpis_with`]: crate::compute_kpis_with
pub fn compute_kpis_ndjson(
    text: &str,
    policy: &KpiPolicy,
    options: &KpiOptions,
    limits: &Limits,
) -> Result<KpiReport> {
    let settings = KpiSettings::resolve(policy, options)?;
    let mut reader = NdjsonHistory::new(settings, limits.clone())?;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        reader.push_line(i.saturating_add(1), line)?;
    }
    reader.finish()
}
