//! `relman <operation> --<param> FILE|VALUE …`: any operation of the data
//! contract that has no command of its own, by its kebab-case name, with
//! its parameters from the operation catalog (`relman::api::catalog`) — so
//! a new operation is on the command line without a change here.
//!
//! A document or object parameter is a FILE of JSON (`-` for stdin); a
//! string or number parameter is its VALUE. `policy` and `context`, when
//! the operation takes them and they are not given, come from `--policy`
//! and `--context` (with `--policy` and `--now` applied). The result is
//! printed as JSON; exit status 0 when the operation returned, 2 on error.

use relman::api::ParamInfo;
use serde_json::{Map, Value};
use std::ffi::OsString;

use crate::cmd::Outcome;
use crate::io::Globals;
use crate::output::{self, Failure};

/// Runs the operation named by `args[0]` with the `--name value` pairs of
/// the rest.
pub fn run(args: &[OsString], globals: &Globals) -> Result<Outcome, Failure> {
    let words: Vec<String> = args
        .iter()
        .map(|a| {
            a.to_str()
                .map(str::to_string)
                .ok_or_else(|| Failure::invalid_input("arguments must be UTF-8 text"))
        })
        .collect::<Result<_, _>>()?;
    let Some((command, rest)) = words.split_first() else {
        return Err(Failure::invalid_input("no command; see `relman --help`"));
    };
    let name = command.replace('-', "_");
    let catalog = relman::api::catalog();
    let Some(op) = catalog
        .operations
        .iter()
        .find(|o| o.name == name && !command.contains('_'))
    else {
        return Err(Failure::invalid_input(format!(
            "unrecognized subcommand '{command}'; see `relman --help`"
        )));
    };
    let mut params = Map::new();
    let mut words = rest.iter();
    while let Some(word) = words.next() {
        let Some(flag) = word.strip_prefix("--") else {
            return Err(Failure::invalid_input(format!(
                "unexpected argument '{word}': `relman {command}` takes --<parameter> FILE|VALUE; see `relman call --list`"
            )));
        };
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) => (f, Some(v.to_string())),
            None => (flag, None),
        };
        let param_name = flag.replace('-', "_");
        let Some(param) = op.params.iter().find(|p| p.name == param_name) else {
            let known: Vec<String> = op
                .params
                .iter()
                .map(|p| format!("--{}", p.name.replace('_', "-")))
                .collect();
            return Err(Failure::invalid_input(format!(
                "`relman {command}` takes no option --{flag}; its parameters: {}",
                known.join(", ")
            )));
        };
        let Some(value) = inline.or_else(|| words.next().cloned()) else {
            return Err(Failure::invalid_input(format!("--{flag} needs a value")));
        };
        params.insert(param.name.clone(), parameter(param, &value, globals)?);
    }
    for param in &op.params {
        if params.contains_key(&param.name) {
            continue;
        }
        let value = match param.name.as_str() {
            "policy" => match globals.policy_file()? {
                Some(policy) => Some(to_value(policy)?),
                None => None,
            },
            "context" => Some(to_value(&globals.context()?)?),
            _ => None,
        };
        if let Some(value) = value {
            params.insert(param.name.clone(), value);
        }
    }
    let result = relman::api::call_with_limits(&op.name, Value::Object(params), globals.limits())
        .map_err(Failure::from)?;
    output::print_json(&result)?;
    Ok(Outcome::Ok)
}

/// Strings and numbers are given as they are; anything else is a file.
fn parameter(param: &ParamInfo, value: &str, globals: &Globals) -> Result<Value, Failure> {
    if param.scalar {
        let numeric = matches!(
            param.schema.get("type").and_then(Value::as_str),
            Some("integer" | "number")
        );
        return Ok(match serde_json::from_str::<Value>(value) {
            Ok(number @ Value::Number(_)) if numeric => number,
            _ => Value::String(value.to_string()),
        });
    }
    let input = globals.read(value)?;
    relman::api::parse_param_text(&param.name, &input.text)
        .map_err(|e| Failure::from(e).prefixed(&format!("{}: ", input.name)))
}

fn to_value<T: serde::Serialize>(value: &T) -> Result<Value, Failure> {
    serde_json::to_value(value)
        .map_err(|e| Failure::internal(format!("cannot write a parameter: {e}")))
}
