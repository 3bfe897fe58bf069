//! The commands, one module each. A new command adds its module, a variant
//! of [`Command`] and one arm in [`Command::run`].

pub mod apply;
pub mod cab_agenda;
pub mod calendar;
pub mod call;
pub mod check;
pub mod closure;
pub mod conflicts;
pub mod context;
pub mod demo;
pub mod export_servicenow;
pub mod fit_risk;
pub mod import_servicenow;
pub mod judge;
pub mod kpi;
pub mod metrics;
pub mod notes;
pub mod operation;
pub mod order;
pub mod overdue;
pub mod report;
pub mod risk;
pub mod rollout;
pub mod schema;
pub mod slots;
pub mod unauthorized_changes;
pub mod validate;
pub mod verify_log;

use clap::Subcommand;
use std::ffi::OsString;

use crate::io::Globals;
use crate::output::Failure;

/// What a command concluded; errors are a [`Failure`] instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done, verdict positive (exit status 0).
    Ok,
    /// Done, but the verdict is negative: denied, blocking conflicts, failed
    /// canary, broken log (exit status 1).
    Negative,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate documents (schema and semantics), listing every problem.
    Validate(validate::Args),
    /// Print the JSON Schema of an input or output document.
    Schema(schema::Args),
    /// Print the context in force: --context with --policy and --now applied.
    Context(context::Args),
    /// Dry-run a lifecycle transition: every gate requirement, met or not.
    Check(check::Args),
    /// Apply a lifecycle command: the new release, its audit event and the
    /// notifications to send.
    Apply(Box<apply::Args>),
    /// Verify a release's audit log (hash chain, sequence, state).
    VerifyLog(verify_log::Args),
    /// Compute the DORA and ITIL release KPIs of a history.
    Kpi(kpi::Args),
    /// Take the bundled sample major release through the whole lifecycle.
    Demo(demo::Args),
    /// Assess a release's risk: score, level and every factor explained.
    Risk(risk::Args),
    /// Fit a failure model to past releases and their outcomes.
    FitRisk(fit_risk::Args),
    /// Replay a deployment plan against observations, ticks and commands:
    /// each decision with its reasons.
    Rollout(rollout::Args),
    /// Judge a canary against its baseline (Mann-Whitney U, Hodges-Lehmann
    /// shift, weighted score).
    Judge(judge::Args),
    /// Prometheus or Datadog query responses as baseline and canary
    /// samples (for judge, or a rollout observation).
    Metrics(metrics::Args),
    /// Detect every conflict of a schedule (exit 1 when one blocks).
    Conflicts(conflicts::Args),
    /// Suggest the earliest conflict-free slots for an item.
    Slots(slots::Args),
    /// Dependency waves and the critical path of a schedule's releases.
    Order(order::Args),
    /// Release notes of a release as Markdown or HTML.
    Notes(notes::Args),
    /// The CAB agenda: releases awaiting approval in a period, with their
    /// votes, conflicts, risk and rollback plan.
    CabAgenda(cab_agenda::Args),
    /// What the host may resolve, publish or must keep open for a release.
    Closure(closure::Args),
    /// The schedule and its blackouts as an iCalendar (.ics) file on stdout.
    Calendar(calendar::Args),
    /// The change calendar and the KPI charts as one self-contained HTML
    /// page.
    Report(report::Args),
    /// ServiceNow Table API records (change_request, rm_release, cmdb_ci, …)
    /// as relman documents.
    ImportServicenow(import_servicenow::Args),
    /// relman verdicts as ServiceNow field patches, one per record.
    ExportServicenow(export_servicenow::Args),
    /// Production deployments no approved release covers (exit 1 when one
    /// is found).
    UnauthorizedChanges(unauthorized_changes::Args),
    /// Releases deployed before approval whose retrospective approval is
    /// overdue (exit 1 when one is).
    Overdue(overdue::Args),
    /// Any operation by name with its parameters as one JSON object (the
    /// dispatch table the bindings share; runs the conformance vectors).
    Call(call::Args),
    /// Any other operation by its kebab-case name, parameters as
    /// `--<param> FILE|VALUE` (see `relman call --list`).
    #[command(external_subcommand)]
    Operation(Vec<OsString>),
}

impl Command {
    /// Runs the command.
    pub fn run(&self, globals: &Globals) -> Result<Outcome, Failure> {
        match self {
            Command::Validate(args) => validate::run(args, globals),
            Command::Schema(args) => schema::run(args, globals),
            Command::Context(args) => context::run(args, globals),
            Command::Check(args) => check::run(args, globals),
            Command::Apply(args) => apply::run(args, globals),
            Command::VerifyLog(args) => verify_log::run(args, globals),
            Command::Kpi(args) => kpi::run(args, globals),
            Command::Demo(args) => demo::run(args, globals),
            Command::Risk(args) => risk::run(args, globals),
            Command::FitRisk(args) => fit_risk::run(args, globals),
            Command::Rollout(args) => rollout::run(args, globals),
            Command::Judge(args) => judge::run(args, globals),
            Command::Metrics(args) => metrics::run(args, globals),
            Command::Conflicts(args) => conflicts::run(args, globals),
            Command::Slots(args) => slots::run(args, globals),
            Command::Order(args) => order::run(args, globals),
            Command::Notes(args) => notes::run(args, globals),
            Command::CabAgenda(args) => cab_agenda::run(args, globals),
            Command::Closure(args) => closure::run(args, globals),
            Command::Calendar(args) => calendar::run(args, globals),
            Command::Report(args) => report::run(args, globals),
            Command::ImportServicenow(args) => import_servicenow::run(args, globals),
            Command::ExportServicenow(args) => export_servicenow::run(args, globals),
            Command::UnauthorizedChanges(args) => unauthorized_changes::run(args, globals),
            Command::Overdue(args) => overdue::run(args, globals),
            Command::Call(args) => call::run(args, globals),
            Command::Operation(args) => operation::run(args, globals),
        }
    }
}
