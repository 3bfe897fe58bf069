//! `relman call OPERATION [PARAMS]`: any operation of the data contract by
//! its snake_case name, with its parameters as one JSON object — the same
//! dispatch table (`relman::api`) the Python, Node and Swift bindings use.

use relman::api::OPERATIONS;
use serde_json::Value;

use crate::cmd::Outcome;
use crate::io::{Format, Globals};
use crate::output::{self, Failure};

const AFTER_HELP: &str = "\
PARAMS is a JSON object keyed by parameter name, exactly the `input` of a
conformance vector (core/tests/vectors/<operation>/*.json); `-` reads
stdin; without PARAMS the operation gets `{}`. The result is printed as
JSON whatever --format says. --policy, --context and --now are not read:
pass them as parameters.

`relman call --list` lists every operation with its parameters (a `?`
marks an optional one).

Exit status: 0 the operation returned (whatever its verdict: use the named
commands such as `check` or `conflicts` for exit status 1 on a negative
verdict), 2 an error (its JSON form on stderr).";

/// Arguments of `relman call`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The operation (snake_case), e.g. `assess_risk_many`.
    #[arg(
        value_name = "OPERATION",
        required_unless_present = "list",
        conflicts_with = "list"
    )]
    pub operation: Option<String>,
    /// The parameters as a JSON object (file, or `-` for stdin).
    #[arg(value_name = "PARAMS")]
    pub params: Option<String>,
    /// List the operations and their parameters.
    #[arg(long)]
    pub list: bool,
}

/// Runs `relman call`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let Some(operation) = &args.operation else {
        return list(globals.format());
    };
    let params = match &args.params {
        Some(path) => {
            let input = globals.read(path)?;
            relman::api::call_json_with_limits(operation, &input.text, globals.limits())
                .map_err(|e| Failure::from(e).prefixed(&format!("{}: ", input.name)))?
        }
        None => relman::api::call_with_limits(
            operation,
            Value::Object(Default::default()),
            globals.limits(),
        )
        .and_then(|v| serde_json::to_string(&v).map_err(|e| relman::Error::internal(e.to_string())))
        .map_err(Failure::from)?,
    };
    let value: Value = serde_json::from_str(&params)
        .map_err(|e| Failure::internal(format!("cannot read the result back: {e}")))?;
    output::print_json(&value)?;
    Ok(Outcome::Ok)
}

fn list(format: Format) -> Result<Outcome, Failure> {
    let describe = |op: &relman::api::Operation| {
        op.params
            .iter()
            .map(|p| format!("{}{}", p.name, if p.required { "" } else { "?" }))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match format {
        Format::Json => {
            let ops: Vec<Value> = OPERATIONS
                .iter()
                .map(|op| {
                    serde_json::json!({
                        "name": op.name,
                        "summary": op.summary,
                        "params": op.params.iter().map(|p| serde_json::json!({"name": p.name, "required": p.required})).collect::<Vec<_>>(),
                    })
                })
                .collect();
            output::print_json(&ops)?;
        }
        Format::Table => {
            let lines: Vec<String> = OPERATIONS
                .iter()
                .map(|op| format!("{:<18} ({})  {}", op.name, describe(op), op.summary))
                .collect();
            output::print(&lines.join("\n"))?;
        }
    }
    Ok(Outcome::Ok)
}
