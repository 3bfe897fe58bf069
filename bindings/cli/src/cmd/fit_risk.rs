//! `relman fit-risk HISTORY`: fits a failure model to past releases and
//! their outcomes and reports its quality on the most recent ones.

use relman::{FitOptions, FittedRiskModel, History};
use serde_json::json;

use crate::cmd::Outcome;
use crate::io::{Format, Globals};
use crate::output::{self, Failure};
use crate::render;

const AFTER_HELP: &str = "\
Reads a history whose releases[] carry an outcome and a time (deployed_at,
else planned_end or planned_start). Each becomes a sample: its ten risk
factor values (the track record counting only the history's deployments
finished before it) and whether it failed (failed or rolled_back). Samples
are put in time order and the most recent --holdout fraction is held out;
an L2-regularised logistic regression on standardised factor values is
fitted to the rest (Newton's method, deterministic).

Prints {model, quality, samples, warnings}: the model (intercept,
coefficients, means, stds, trained_at, ...), the held-out AUC and Brier
score (with the base-rate Brier and the AUC of the explainable score for
comparison), training AUC and Brier, and the sample counts. With
--as-policy, prints only the policy fragment {\"risk\": {\"model\": ...}} to
merge into a policy document, so that `relman risk` also reports a failure
probability.

With --format table: the counts, the quality and the coefficients, largest
first.

Exit status: 0 fitted, 2 bad input (no usable release, one outcome only,
bad options, --policy, --context).";

/// Arguments of `relman fit-risk`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The history (JSON; `-` reads stdin).
    #[arg(value_name = "HISTORY")]
    pub history: String,
    /// The most recent fraction of samples held out, 0 to 0.9.
    #[arg(long, value_name = "FRACTION", default_value_t = 0.2)]
    pub holdout: f64,
    /// The L2 penalty on the coefficients (> 0).
    #[arg(long, value_name = "PENALTY", default_value_t = 1.0)]
    pub l2: f64,
    /// Newton iterations at most (1-1000).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_iterations: u32,
    /// Print only the policy fragment {"risk": {"model": ...}}.
    #[arg(long)]
    pub as_policy: bool,
}

fn table(fit: &FittedRiskModel) -> Vec<String> {
    let s = &fit.samples;
    let q = &fit.quality;
    let opt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.4}"));
    let mut lines = vec![
        format!(
            "samples: {} releases, {} skipped; trained on {} ({} failed), held out {} ({} failed)",
            s.releases, s.skipped, s.training, s.training_failures, s.holdout, s.holdout_failures
        ),
        format!(
            "held out: AUC {} (explainable score {}), Brier {} (base rate {})",
            opt(q.holdout_auc),
            opt(q.holdout_score_auc),
            opt(q.holdout_brier),
            opt(q.holdout_brier_base_rate)
        ),
        format!(
            "training: AUC {}, Brier {:.4}; {} Newton iterations{}",
            opt(q.training_auc),
            q.training_brier,
            q.iterations,
            if q.converged { "" } else { " (not converged)" }
        ),
        format!("intercept {:+.4}", fit.model.intercept),
    ];
    let mut coefficients: Vec<(&String, &f64)> = fit.model.coefficients.iter().collect();
    coefficients.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(b.0)));
    for (name, c) in coefficients {
        lines.push(format!("  {name:20} {c:+.4}"));
    }
    lines.extend(fit.warnings.iter().map(render::warning_line));
    lines
}

/// Runs `relman fit-risk`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let parsed = globals.read_document::<History>(&args.history)?;
    let context = globals.context()?;
    let options = FitOptions {
        holdout_fraction: args.holdout,
        l2: args.l2,
        max_iterations: args.max_iterations,
        ..FitOptions::default()
    };
    let mut fit = relman::fit_risk_model(&parsed.document, &options, &context)?;
    fit.warnings.extend(parsed.warnings);
    if args.as_policy {
        output::print_json(&json!({"risk": {"model": fit.model}}))?;
        return Ok(Outcome::Ok);
    }
    match globals.format() {
        Format::Json => output::print_json(&fit)?,
        Format::Table => output::print(&table(&fit).join("\n"))?,
    }
    Ok(Outcome::Ok)
}
