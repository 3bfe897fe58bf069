//! `relman metrics --source prometheus NAME=FILE... --baseline track=baseline
//! --canary track=canary`: provider query responses as baseline and canary
//! samples (`import_metrics`), for `relman judge` or a rollout observation.

use relman::rollout::{ImportOptions, MetricFormat, MetricImport, MetricStatus, Selector};
use serde_json::{json, Value};
use std::collections::BTreeMap;

use crate::cmd::slots::parse_duration;
use crate::cmd::Outcome;
use crate::io::{Format, Globals};
use crate::output::{self, Failure};
use crate::render;

const AFTER_HELP: &str = "\
Each RESPONSE is NAME=FILE (or FILE, named after its stem): the JSON body of
one query, as the provider returned it — a Prometheus HTTP API query_range
response ({status, data: {resultType: matrix, result: [{metric, values}]}})
or a Datadog metrics API v1 query response ({status, series: [{tag_set,
scope, pointlist}]}). --baseline and --canary select series by labels
(Prometheus) or key:value tags (Datadog): KEY=VALUE[,KEY=VALUE…], every
pair required; several matching series are concatenated.

Ages series against --now (else `now` in --context, else the system
clock, named on stderr): a series whose latest point is older
than --max-age before it is stale and left out. NaN and infinite values are
dropped and counted; a metric whose side has no series, only stale ones or
no finite value is no_data (an empty list and a warning naming it); a
provider error body is the metric's `error` status, listed in `errors`.

--emit import (default) prints the import {baseline, canary, errors,
metrics[] with status and per-side series/samples/dropped/latest,
warnings[]}; --emit comparison prints {baseline, canary}, the input of
`relman judge -`; --emit observation prints {kind: observation, metrics,
errors}, a rollout input. --format table: one line per metric.

  relman --now 2026-12-01T10:30:00Z metrics --source prometheus \\
      latency=lat.json errors=err.json --baseline track=baseline \\
      --canary track=canary --max-age 5m --emit comparison | relman judge -

Exit status: 0 imported (no_data and provider errors are warnings), 2 bad
input (a malformed response at its path, e.g.
responses.latency.data.result[2].values[5][1]).";

/// What `relman metrics` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Emit {
    /// The whole import.
    Import,
    /// `{baseline, canary}`: the input of `relman judge`.
    Comparison,
    /// `{kind: observation, metrics, errors}`: a rollout input.
    Observation,
}

/// The provider formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Source {
    /// Prometheus HTTP API `query_range`.
    Prometheus,
    /// Datadog metrics API v1 `query`.
    Datadog,
}

/// Arguments of `relman metrics`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The responses' format.
    #[arg(long, value_enum)]
    pub source: Source,
    /// One response per metric: NAME=FILE, or FILE (named after its stem;
    /// `-` reads stdin, named `stdin`).
    #[arg(value_name = "RESPONSE", required = true)]
    pub responses: Vec<String>,
    /// The baseline's labels or tags: KEY=VALUE[,KEY=VALUE…].
    #[arg(long, value_name = "SELECTOR", value_parser = parse_selector)]
    pub baseline: Selector,
    /// The canary's labels or tags: KEY=VALUE[,KEY=VALUE…].
    #[arg(long, value_name = "SELECTOR", value_parser = parse_selector)]
    pub canary: Selector,
    /// Leave out series whose latest point is older than this before
    /// --now (e.g. 5m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_age: Option<u64>,
    /// What to print.
    #[arg(long, value_enum, default_value = "import")]
    pub emit: Emit,
}

/// Parses `track=canary,region=eu` into a selector.
pub fn parse_selector(text: &str) -> Result<Selector, String> {
    let mut out = BTreeMap::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((k, v)) = part.split_once('=') else {
            return Err(format!("`{part}` is not KEY=VALUE"));
        };
        let k = k.trim();
        if k.is_empty() {
            return Err(format!("`{part}` has no key"));
        }
        if out.insert(k.to_string(), v.trim().to_string()).is_some() {
            return Err(format!("`{k}` is given twice"));
        }
    }
    if out.is_empty() {
        return Err("a selector needs at least one KEY=VALUE".into());
    }
    Ok(out)
}

fn name_and_path(arg: &str) -> (String, &str) {
    if let Some((name, path)) = arg.split_once('=') {
        if !name.is_empty() && !name.contains(['/', '\\']) {
            return (name.to_string(), path);
        }
    }
    if arg == "-" {
        return ("stdin".to_string(), arg);
    }
    let stem = std::path::Path::new(arg)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| arg.to_string());
    (stem, arg)
}

/// Runs `relman metrics`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let now = globals.now_or_clock()?.clone();
    let mut responses: BTreeMap<String, Value> = BTreeMap::new();
    for arg in &args.responses {
        let (name, path) = name_and_path(arg);
        if responses.contains_key(&name) {
            return Err(Failure::invalid_input(format!(
                "metric `{name}` is given twice ({arg})"
            )));
        }
        let input = globals.read(path)?;
        let value = relman::interop::read_table_with_limits(
            &format!("responses.{name}"),
            &input.text,
            globals.limits(),
        )
        .map_err(|e| Failure::from(e).prefixed(&format!("{}: ", input.name)))?;
        responses.insert(name, value);
    }
    let format = match args.source {
        Source::Prometheus => MetricFormat::Prometheus,
        Source::Datadog => MetricFormat::Datadog,
    };
    let imported = relman::rollout::import_metrics(
        format,
        &responses,
        &ImportOptions {
            baseline: args.baseline.clone(),
            canary: args.canary.clone(),
            now,
            max_age_secs: args.max_age,
        },
    )?;
    match (globals.format(), args.emit) {
        (Format::Table, _) => {
            output::print(&table(&imported).join("\n"))?;
            for w in &imported.warnings {
                output::eprint(&format!("warning: {}: {}", w.path, w.message));
            }
        }
        (Format::Json, Emit::Import) => output::print_json(&imported)?,
        (Format::Json, Emit::Comparison) => {
            warn(&imported);
            output::print_json(&json!({
                "baseline": imported.baseline,
                "canary": imported.canary,
            }))?
        }
        (Format::Json, Emit::Observation) => {
            warn(&imported);
            output::print_json(&json!({
                "kind": "observation",
                "metrics": imported.canary,
                "errors": imported.errors,
            }))?
        }
    }
    Ok(Outcome::Ok)
}

/// The warnings on stderr when stdout carries another document.
fn warn(imported: &MetricImport) {
    for w in &imported.warnings {
        output::eprint(&format!("warning: {}: {}", w.path, w.message));
    }
}

fn table(imported: &MetricImport) -> Vec<String> {
    let width = render::column_width(imported.metrics.iter().map(|m| m.name.as_str()), "metric");
    let mut lines = vec![format!(
        "{:width$}  {:<7}  {:>22}  {:>22}  latest canary point",
        "metric", "status", "baseline (series/n/NaN)", "canary (series/n/NaN)"
    )];
    for m in &imported.metrics {
        let side = |s: &relman::rollout::SideReport| {
            format!(
                "{} {}/{}/{}",
                serde_json::to_value(s.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                s.series,
                s.samples,
                s.dropped
            )
        };
        let status = match m.status {
            MetricStatus::Ok => "ok",
            MetricStatus::NoData => "no_data",
            MetricStatus::Error => "error",
        };
        lines.push(format!(
            "{:width$}  {:<7}  {:>22}  {:>22}  {}",
            m.name,
            status,
            side(&m.baseline),
            side(&m.canary),
            m.canary
                .latest
                .as_ref()
                .map(ToString::to_string)
                .or_else(|| m.error.clone())
                .unwrap_or_else(|| "-".into())
        ));
    }
    lines
}
