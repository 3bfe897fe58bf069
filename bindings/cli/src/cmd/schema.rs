//! `relman schema NAME | --list`: the published JSON Schemas.

use relman::schema::{Direction, SCHEMAS};
use serde::Serialize;

use crate::cmd::Outcome;
use crate::io::{Format, Globals};
use crate::output::{self, Failure};

/// Arguments of `relman schema`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "The schema is JSON Schema draft 2020-12, printed as JSON whatever --format says."
)]
pub struct Args {
    /// The schema to print (`-` and `_` are interchangeable); see --list.
    #[arg(
        value_name = "NAME",
        required_unless_present = "list",
        conflicts_with = "list"
    )]
    pub name: Option<String>,
    /// List every schema with its direction (input or output) and description.
    #[arg(long)]
    pub list: bool,
}

#[derive(Serialize)]
struct Entry {
    name: &'static str,
    direction: &'static str,
    description: &'static str,
}

fn direction(d: Direction) -> &'static str {
    match d {
        Direction::Input => "input",
        Direction::Output => "output",
    }
}

/// Runs `relman schema`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    match &args.name {
        Some(name) => {
            let schema = relman::schema::schema(name).ok_or_else(|| {
                let known: Vec<&str> = SCHEMAS.iter().map(|e| e.name).collect();
                Failure::invalid_input(format!(
                    "unknown schema `{name}`; known schemas: {}",
                    known.join(", ")
                ))
            })?;
            output::print_json(&schema)?;
        }
        None => list(globals.format())?,
    }
    Ok(Outcome::Ok)
}

fn list(format: Format) -> Result<(), Failure> {
    let entries: Vec<Entry> = SCHEMAS
        .iter()
        .map(|e| Entry {
            name: e.name,
            direction: direction(e.direction),
            description: e.description,
        })
        .collect();
    match format {
        Format::Json => output::print_json(&entries),
        Format::Table => {
            let width = |f: fn(&Entry) -> &str, title: &str| {
                entries
                    .iter()
                    .map(|e| f(e).chars().count())
                    .chain([title.len()])
                    .max()
                    .unwrap_or(0)
            };
            let name_w = width(|e| e.name, "NAME");
            let dir_w = width(|e| e.direction, "DIRECTION");
            let mut lines = vec![format!(
                "{:name_w$}  {:dir_w$}  DESCRIPTION",
                "NAME", "DIRECTION"
            )];
            lines.extend(entries.iter().map(|e| {
                format!(
                    "{:name_w$}  {:dir_w$}  {}",
                    e.name, e.direction, e.description
                )
            }));
            output::print(&lines.join("\n"))
        }
    }
}
