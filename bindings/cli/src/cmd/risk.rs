//! `relman risk RELEASE`: the risk assessment of a release — score, level
//! and every factor with its inputs and explanation.

use relman::{Release, RiskAssessment, RiskLevel};

use crate::cmd::Outcome;
use crate::io::{self, Format, Globals};
use crate::output::{self, Failure};
use crate::render;

const AFTER_HELP: &str = "\
Prints the risk assessment {release_id, score, level, score_level?,
aggregation?, failure_probability?, factors[], conditions[]?, warnings[]}:
score 0-100 = the sum of the factors' contributions (by default value x
weight x 100 / sum of weights; `risk.aggregation` may choose max or
noisy_or), the level by the policy's bands raised to the level of every
matching risk condition (`risk.conditions`; then score_level is the score's
own level and conditions[] says what each matched), and for each factor its
value (0-1), weight, contribution, inputs and a one-sentence explanation. The context (--context with --policy applied)
supplies the CMDB, calendar, schedule and history; a factor whose input is
missing says so and uses the policy's neutral value. With a fitted model in
the policy (`relman fit-risk --as-policy`) it also prints the predicted
failure probability. Formulas: docs/risk.md.

With --format table: the score and level, then one line per factor (value,
weight, contribution, explanation), one line per matching risk condition
(id, the level it imposes, what it matched) and the warnings.

Exit status: 0 assessed (whatever the level), 1 the level is at or above
--fail-at, 2 bad input (release, --policy, --context).";

/// Arguments of `relman risk`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The release (JSON; `-` reads stdin).
    #[arg(value_name = "RELEASE")]
    pub release: String,
    /// Exit 1 when the level is at or above this one (low, medium, high,
    /// critical), for pipelines.
    #[arg(long, value_name = "LEVEL", value_parser = io::parse_snake::<RiskLevel>)]
    pub fail_at: Option<RiskLevel>,
}

/// The factor breakdown, one line per factor, then the risk conditions
/// that matched, one line each.
fn table(a: &RiskAssessment) -> Vec<String> {
    let aggregation = a
        .aggregation
        .map(|g| format!(", aggregated by {}", g.as_str()))
        .unwrap_or_default();
    let raised = match a.score_level {
        Some(s) if s != a.level => format!(
            "; the score alone is {}, raised by a risk condition",
            s.as_str()
        ),
        Some(s) => format!(
            "; the score alone is {} too, a risk condition matched",
            s.as_str()
        ),
        None => String::new(),
    };
    let mut lines = vec![format!(
        "{}: risk {} (score {:.1} of 100{aggregation}{raised}){}",
        a.release_id,
        a.level.as_str(),
        a.score,
        a.failure_probability
            .map(|p| format!(", predicted failure probability {:.1}%", p * 100.0))
            .unwrap_or_default()
    )];
    let width = a
        .factors
        .iter()
        .map(|f| f.name.chars().count())
        .max()
        .unwrap_or(0);
    lines.push(format!(
        "  {:width$}  value  weight  points  explanation",
        "factor"
    ));
    for f in &a.factors {
        lines.push(format!(
            "  {:width$}  {:>5.2}  {:>6.2}  {:>6.2}  {}",
            f.name, f.value, f.weight, f.contribution, f.explanation
        ));
    }
    if !a.conditions.is_empty() {
        let width = a
            .conditions
            .iter()
            .map(|c| c.id.chars().count())
            .chain(["condition".len()])
            .max()
            .unwrap_or(0);
        lines.push(format!("  {:width$}  at least  matched", "condition"));
        for c in &a.conditions {
            lines.push(format!(
                "  {:width$}  {:8}  {}",
                c.id,
                c.level.as_str(),
                c.explanation
            ));
        }
    }
    lines.extend(a.warnings.iter().map(render::warning_line));
    lines
}

/// Runs `relman risk`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let parsed = globals.read_document::<Release>(&args.release)?;
    let context = globals.context()?;
    let mut assessment = relman::assess_risk(&parsed.document, &context)?;
    assessment.warnings.extend(parsed.warnings);
    match globals.format() {
        Format::Json => output::print_json(&assessment)?,
        Format::Table => output::print(&table(&assessment).join("\n"))?,
    }
    Ok(match args.fail_at {
        Some(limit) if assessment.level >= limit => Outcome::Negative,
        _ => Outcome::Ok,
    })
}
