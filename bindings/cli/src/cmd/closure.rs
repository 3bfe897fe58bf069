//! `relman closure RELEASE [--format json|table]`: what the host may
//! resolve, publish and must keep open once a release is done.

use relman::Release;

use crate::cmd::Outcome;
use crate::io::{Format, Globals};
use crate::output::{self, Failure};
use crate::render;

const AFTER_HELP: &str = "\
Prints the closure {release_id, state, outcome?, outcome_seq?, disposition,
reason?, rule, message, resolve: {problems, known_errors, requests,
incidents}, publish: {knowledge_articles}, keep_open: [{kind, id, reason}],
warnings[]}. The outcome is the one the release's audit log records (the
replay of a log that verifies); the document's own `outcome` field is not
believed without it.

success: resolve the linked records, publish the knowledge articles.
success_with_issues: the same, flagged (warning deployed_with_issues):
confirm each fix first. failed, rolled_back, cancelled, not deployed yet, or
a log that does not verify: every linked record stays open and every
article unpublished, each with the reason (failed, rolled_back, cancelled,
not_deployed, log_not_verified).

With --format table: the decision in one line, then one line per record:
`resolve KIND ID`, `publish knowledge_article ID` or `open KIND ID (REASON)`,
then the warnings.

Exit status: 0 ok (whatever the decision), 2 bad input.";

/// Arguments of `relman closure`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The release (JSON; `-` reads stdin).
    #[arg(value_name = "RELEASE")]
    pub release: String,
}

/// Runs `relman closure`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let parsed = globals.read_document::<Release>(&args.release)?;
    let mut closure = relman::closure(&parsed.document);
    closure.warnings.splice(0..0, parsed.warnings);
    match globals.format() {
        Format::Json => output::print_json(&closure)?,
        Format::Table => {
            let mut lines = vec![format!(
                "closure {}: {} [{}] — {}",
                closure.release_id,
                render::snake(&closure.disposition).replace('_', " "),
                closure.rule,
                closure.message
            )];
            let r = &closure.resolve;
            for (kind, ids) in [
                ("problem", &r.problems),
                ("known_error", &r.known_errors),
                ("request", &r.requests),
                ("incident", &r.incidents),
            ] {
                lines.extend(ids.iter().map(|id| format!("resolve {kind} {id}")));
            }
            lines.extend(
                closure
                    .publish
                    .knowledge_articles
                    .iter()
                    .map(|id| format!("publish knowledge_article {id}")),
            );
            lines.extend(closure.keep_open.iter().map(|k| {
                format!(
                    "open {} {} ({})",
                    render::snake(&k.kind),
                    k.id,
                    render::snake(&k.reason)
                )
            }));
            lines.extend(closure.warnings.iter().map(render::warning_line));
            output::print(&lines.join("\n"))?;
        }
    }
    Ok(Outcome::Ok)
}
