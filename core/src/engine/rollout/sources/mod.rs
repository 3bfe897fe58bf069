//! Metric inputs in the formats hosts have (docs/integrations.md#metric-inputs):
//! a Prometheus HTTP API `query_range` response or a Datadog metrics API v1
//! `query` response per metric, turned into the baseline and canary
//! [`SampleSet`]s that [`judge_canary`](super::judge_canary) takes and the
//! canary samples (and failed metrics) that a `rollout_step` observation
//! takes.
//!
//! Pure: no network and no clock: the caller passes the responses it
//! fetched and `now`, against which a series' latest point is aged.
//!
//! Rules, per metric (each response is one metric, named by its key):
//! - the series whose labels (Prometheus) or tags (Datadog `tag_set` and
//!   `scope`, `key:value`) include every pair of the `baseline` selector
//!   are the baseline, those of the `canary` selector the canary; several
//!   matching series are concatenated in response order; a series both
//!   selectors match is `invalid_input` (it would be compared with itself);
//! - a series whose latest point is older than `max_age_secs` before `now`
//!   is stale and left out (warning `stale_series`);
//! - NaN and infinite values are dropped and counted; Datadog `null`
//!   points are gaps and are skipped;
//! - a side with no matching series, only stale ones, or no finite value
//!   is `no_data` for that metric (an empty sample list, warning `no_data`
//!   naming the metric), not an error;
//! - a provider error response (Prometheus `status: "error"`, Datadog
//!   `status: "error"`) is the metric's `error` status, listed in `errors`
//!   (an observation's `errors`), warning `provider_error`;
//! - anything else malformed is `invalid_input` at its JSON path
//!   (`responses.latency.data.result[2].values[5][1]`).

pub mod datadog;
pub mod prometheus;

use super::SampleSet;
use crate::error::{Error, Problem, Result, Warning};
use crate::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The format of the responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MetricFormat {
    /// A Prometheus HTTP API `query_range` (or instant `query`) response:
    /// `{"status": "success", "data": {"resultType": "matrix", "result": […]}}`.
    Prometheus,
    /// A Datadog metrics API v1 `query` response:
    /// `{"status": "ok", "series": [{"tag_set": […], "pointlist": […]}]}`.
    Datadog,
}

impl MetricFormat {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricFormat::Prometheus => "prometheus",
            MetricFormat::Datadog => "datadog",
        }
    }
}

/// Label (Prometheus) or tag (Datadog `key:value`) pairs a series must all
/// have to be selected: `{"track": "canary"}`.
pub type Selector = BTreeMap<String, String>;

/// How a metric came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MetricStatus {
    /// Both sides have finite samples.
    Ok,
    /// A side has no usable data (missing, stale or not finite).
    NoData,
    /// The provider answered with an error for this query.
    Error,
}

/// How one side (baseline or canary) of a metric came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SideStatus {
    /// Finite samples from at least one fresh series.
    Ok,
    /// No series matches the selector.
    Missing,
    /// Every matching series is older than the staleness bound.
    Stale,
    /// The fresh matching series hold no finite value (NaN, ±Inf, gaps).
    NotFinite,
    /// The provider answered with an error.
    Error,
}

/// One side of one metric: what was selected and kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SideReport {
    /// ok, missing, stale, not_finite or error.
    pub status: SideStatus,
    /// Series the selector matched.
    pub series: usize,
    /// Of those, the stale ones left out.
    pub stale_series: usize,
    /// Finite samples kept.
    pub samples: usize,
    /// NaN or infinite values dropped (gaps are not counted).
    pub dropped: usize,
    /// The latest point of the kept series (of every matching series when
    /// all are stale).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest: Option<Timestamp>,
}

/// One imported metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ImportedMetric {
    /// The metric name (the key of its response).
    pub name: String,
    /// ok, no_data or error.
    pub status: MetricStatus,
    /// The baseline side.
    pub baseline: SideReport,
    /// The canary side.
    pub canary: SideReport,
    /// The provider's error (`errorType: error` or Datadog's `error`), for
    /// status `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The result of [`import_metrics`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MetricImport {
    /// Baseline samples by metric (`judge_canary`'s `baseline`); a metric
    /// without baseline data has an empty list.
    pub baseline: SampleSet,
    /// Canary samples by metric (`judge_canary`'s `canary`, an
    /// observation's `metrics`); empty list: no data.
    pub canary: SampleSet,
    /// Metrics whose query failed at the provider (an observation's
    /// `errors`).
    pub errors: Vec<String>,
    /// Every metric, in name order.
    pub metrics: Vec<ImportedMetric>,
    /// No data, stale series, provider errors and warnings.
    pub warnings: Vec<Warning>,
}

/// What to select and how old a series may be.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOptions {
    /// The baseline's labels or tags.
    pub baseline: Selector,
    /// The canary's labels or tags.
    pub canary: Selector,
    /// The time the responses are aged against.
    pub now: Timestamp,
    /// A series whose latest point is more than this many seconds before
    /// `now` is stale; `None`: no staleness check.
    pub max_age_secs: Option<u64>,
}

/// One series of a response, format-neutral.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series {
    /// Its JSON path (`responses.x.data.result[2]`).
    pub path: String,
    /// Label or tag pairs.
    pub tags: BTreeSet<(String, String)>,
    /// Points: Unix seconds and the value (`None`: a gap).
    pub points: Vec<(f64, Option<f64>)>,
}

/// A parsed response.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Parsed {
    /// The series, and the provider's warnings.
    Series(Vec<Series>, Vec<String>),
    /// The provider's error message.
    Failed(String),
}

/// The latest timestamp relman accepts from a provider: 9999-12-31T23:59:59Z.
pub(crate) const MAX_UNIX_SECS: f64 = 253_402_300_799.0;

/// Imports one response per metric (`responses`: metric name → response)
/// in `format`. Errors: an empty selector (`baseline`, `canary`), a series
/// both selectors match, a malformed response (`invalid_input` at
/// `responses.<metric>…`).
pub fn import_metrics(
    format: MetricFormat,
    responses: &BTreeMap<String, Value>,
    options: &ImportOptions,
) -> Result<MetricImport> {
    let mut problems = Vec::new();
    for (side, sel) in [("baseline", &options.baseline), ("canary", &options.canary)] {
        if sel.is_empty() {
            problems.push(Problem::new(
                side,
                "must name at least one label or tag: an empty selector matches every series",
            ));
        }
    }
    if !options.baseline.is_empty() && options.baseline == options.canary {
        problems.push(Problem::new(
            "canary",
            "is the same selector as the baseline: every series would be compared with itself",
        ));
    }
    let mut parsed = Vec::with_capacity(responses.len());
    for (name, response) in responses {
        let base = format!("responses.{name}");
        if name.trim().is_empty() {
            problems.push(Problem::new(&base, "a metric name must not be empty"));
            continue;
        }
        let result = match format {
            MetricFormat::Prometheus => prometheus::parse(response, &base),
            MetricFormat::Datadog => datadog::parse(response, &base),
        };
        match result {
            Ok(p) => parsed.push((name, base, p)),
            Err(mut ps) => problems.append(&mut ps),
        }
    }
    if !problems.is_empty() {
        return Err(Error::InvalidInput { problems });
    }
    let now = now_secs(&options.now);
    let mut out = MetricImport {
        baseline: SampleSet::new(),
        canary: SampleSet::new(),
        errors: Vec::new(),
        metrics: Vec::new(),
        warnings: Vec::new(),
    };
    for (name, base, p) in parsed {
        match p {
            Parsed::Failed(message) => {
                let side = || SideReport {
                    status: SideStatus::Error,
                    series: 0,
                    stale_series: 0,
                    samples: 0,
                    dropped: 0,
                    latest: None,
                };
                out.warnings.push(Warning::new(
                    "provider_error",
                    &base,
                    format!(
                        "metric `{name}`: the {} query failed: {message}",
                        format.as_str()
                    ),
                ));
                out.baseline.0.insert(name.clone(), Vec::new());
                out.canary.0.insert(name.clone(), Vec::new());
                out.errors.push(name.clone());
                out.metrics.push(ImportedMetric {
                    name: name.clone(),
                    status: MetricStatus::Error,
                    baseline: side(),
                    canary: side(),
                    error: Some(message),
                });
            }
            Parsed::Series(series, provider_warnings) => {
                for w in provider_warnings {
                    out.warnings.push(Warning::new(
                        "provider_warning",
                        &base,
                        format!("metric `{name}`: {w}"),
                    ));
                }
                let mut both = Vec::new();
                for s in &series {
                    if matches(s, &options.baseline) && matches(s, &options.canary) {
                        both.push(Problem::new(
                            &s.path,
                            "both the baseline and the canary selector match this series",
                        ));
                    }
                }
                if !both.is_empty() {
                    problems.append(&mut both);
                    continue;
                }
                let mut sides = Vec::with_capacity(2);
                for (side, sel) in [("baseline", &options.baseline), ("canary", &options.canary)] {
                    let (samples, report) = collect(
                        &series,
                        sel,
                        now,
                        options.max_age_secs,
                        &mut out.warnings,
                        name,
                    );
                    if report.status != SideStatus::Ok {
                        out.warnings.push(Warning::new(
                            "no_data",
                            &base,
                            format!(
                                "metric `{name}`: no {side} data ({}; selector {})",
                                side_reason(&report, options.max_age_secs),
                                show_selector(sel)
                            ),
                        ));
                    }
                    sides.push((samples, report));
                }
                let mut sides = sides.into_iter();
                let (Some((b, br)), Some((c, cr))) = (sides.next(), sides.next()) else {
                    continue;
                };
                let status = if br.status == SideStatus::Ok && cr.status == SideStatus::Ok {
                    MetricStatus::Ok
                } else {
                    MetricStatus::NoData
                };
                out.baseline.0.insert(name.clone(), b);
                out.canary.0.insert(name.clone(), c);
                out.metrics.push(ImportedMetric {
                    name: name.clone(),
                    status,
                    baseline: br,
                    canary: cr,
                    error: None,
                });
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::InvalidInput { problems });
    }
    Ok(out)
}

fn now_secs(now: &Timestamp) -> f64 {
    let at = now.utc();
    at.timestamp() as f64 + f64::from(at.timestamp_subsec_nanos()) / 1e9
}

fn matches(series: &Series, selector: &Selector) -> bool {
    !selector.is_empty()
        && selector
            .iter()
            .all(|(k, v)| series.tags.contains(&(k.clone(), v.clone())))
}

fn show_selector(selector: &Selector) -> String {
    let pairs: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", pairs.join(", "))
}

fn side_reason(report: &SideReport, max_age: Option<u64>) -> String {
    match report.status {
        SideStatus::Missing => "no series matches".into(),
        SideStatus::Stale => format!(
            "{} matching series, all older than {} s{}",
            report.series,
            max_age.unwrap_or(0),
            report
                .latest
                .as_ref()
                .map(|t| format!(" (latest point {t})"))
                .unwrap_or_default()
        ),
        SideStatus::NotFinite => format!(
            "{} matching series without a finite value ({} NaN or infinite dropped)",
            report.series.saturating_sub(report.stale_series),
            report.dropped
        ),
        SideStatus::Ok | SideStatus::Error => String::new(),
    }
}

/// Unix seconds as a timestamp (callers bound them to [0, MAX_UNIX_SECS]).
fn timestamp(secs: f64) -> Option<Timestamp> {
    let whole = secs.floor();
    let nanos = ((secs - whole) * 1e9).round().clamp(0.0, 999_999_999.0) as u32;
    chrono::DateTime::from_timestamp(whole as i64, nanos).map(Timestamp::from_utc)
}

fn collect(
    series: &[Series],
    selector: &Selector,
    now: f64,
    max_age: Option<u64>,
    warnings: &mut Vec<Warning>,
    name: &str,
) -> (Vec<f64>, SideReport) {
    let mut report = SideReport {
        status: SideStatus::Missing,
        series: 0,
        stale_series: 0,
        samples: 0,
        dropped: 0,
        latest: None,
    };
    let mut samples = Vec::new();
    let mut latest_kept: Option<f64> = None;
    let mut latest_any: Option<f64> = None;
    for s in series.iter().filter(|s| matches(s, selector)) {
        report.series = report.series.saturating_add(1);
        let latest = s
            .points
            .iter()
            .filter(|(_, v)| v.is_some())
            .map(|(t, _)| *t)
            .fold(None, |acc: Option<f64>, t| {
                Some(acc.map_or(t, |a| a.max(t)))
            });
        if let Some(t) = latest {
            latest_any = Some(latest_any.map_or(t, |a| a.max(t)));
        }
        if let (Some(bound), Some(t)) = (max_age, latest) {
            let age = now - t;
            if age > bound as f64 {
                report.stale_series = report.stale_series.saturating_add(1);
                warnings.push(Warning::new(
                    "stale_series",
                    &s.path,
                    format!(
                        "metric `{name}`: the series' latest point ({}) is {:.0} s before now, more than max_age_secs {bound}; left out",
                        timestamp(t).map(|t| t.to_string()).unwrap_or_default(),
                        age
                    ),
                ));
                continue;
            }
        }
        if let Some(t) = latest {
            latest_kept = Some(latest_kept.map_or(t, |a| a.max(t)));
        }
        for (_, v) in &s.points {
            match v {
                Some(x) if x.is_finite() => samples.push(*x),
                Some(_) => report.dropped = report.dropped.saturating_add(1),
                None => {}
            }
        }
    }
    report.samples = samples.len();
    report.status = if report.series == 0 {
        SideStatus::Missing
    } else if report.stale_series == report.series {
        SideStatus::Stale
    } else if samples.is_empty() {
        SideStatus::NotFinite
    } else {
        SideStatus::Ok
    };
    report.latest = if report.status == SideStatus::Stale {
        latest_any
    } else {
        latest_kept
    }
    .and_then(timestamp);
    (samples, report)
}

/// The object a response must be, or the problem at `base` saying what
/// the `provider`'s response holds (`fields`, e.g. "`status` and `data`").
pub(crate) fn response_object<'a>(
    v: &'a Value,
    base: &str,
    provider: &str,
    fields: &str,
) -> Result<&'a serde_json::Map<String, Value>, Vec<Problem>> {
    v.as_object().ok_or_else(|| {
        vec![Problem::new(
            base,
            format!(
                "a {provider} response must be an object with {fields}, not {}",
                kind(v)
            ),
        )]
    })
}

/// The series of a response: `list[i]` read by `one` at `path[i]`; the
/// series with `warnings` when neither `problems` (found before) nor the
/// series have any. A `list` that is not one is the only problem.
pub(crate) fn read_series(
    list: Option<&Value>,
    path: &str,
    warnings: Vec<String>,
    mut problems: Vec<Problem>,
    mut one: impl FnMut(&Value, &str, &mut Vec<Problem>) -> Option<Series>,
) -> Result<Parsed, Vec<Problem>> {
    let Some(list) = list.and_then(Value::as_array) else {
        let got = list.map(kind).unwrap_or("missing");
        return Err(vec![Problem::new(
            path,
            format!("must be a list of series, got {got}"),
        )]);
    };
    let mut series = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        if let Some(s) = one(item, &format!("{path}[{i}]"), &mut problems) {
            series.push(s);
        }
    }
    if problems.is_empty() {
        Ok(Parsed::Series(series, warnings))
    } else {
        Err(problems)
    }
}

/// A JSON value's type, for messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A timestamp of a point: a finite number in [0, 9999-12-31] once
/// divided by `scale` (1 for seconds, 1000 for milliseconds).
pub(crate) fn point_time(v: &Value, path: &str, scale: f64, unit: &str) -> Result<f64, Problem> {
    match v.as_f64() {
        Some(t) if t.is_finite() && t >= 0.0 && t / scale <= MAX_UNIX_SECS => Ok(t / scale),
        Some(t) => Err(Problem::new(
            path,
            format!("a timestamp in Unix {unit} from 1970 to 9999, got {t}"),
        )),
        None => Err(Problem::new(
            path,
            format!(
                "a timestamp in Unix {unit} must be a number, not {}",
                kind(v)
            ),
        )),
    }
}
