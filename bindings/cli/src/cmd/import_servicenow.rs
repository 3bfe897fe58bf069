//! `relman import-servicenow (--table NAME=FILE)… | --dir FOLDER`:
//! ServiceNow Table API records as relman documents.

use relman::interop::{DisplayValue, ServiceNowImportOptions, TableRows, TABLES};

use crate::cmd::Outcome;
use crate::io::{Format, Globals};
use crate::output::{self, Failure};
use crate::render;

const AFTER_HELP: &str = "\
Each table is a Table API response ({\"result\": [...]}) or a list of
records, named by its ServiceNow table: change_request, rm_release,
rm_release_scrum, task_ci, cmdb_ci, cmdb_rel_ci, cmdb_rel_type, sys_user,
sys_user_group, sys_user_grmember, sysapproval_approver, sysapproval_group,
change_task, cmn_schedule, cmn_schedule_span, incident, problem. Give them
as repeated --table NAME=FILE, or as a folder of NAME.json files (--dir);
every table is optional.

  relman import-servicenow --table change_request=cr.json \\
      --table rm_release=rel.json --table sys_user=users.json
  relman import-servicenow --dir export/ --display-value all

Prints {schedule, actors[], approvals[], commands[], warnings[]}: the
releases with their change requests (by `parent`), the change requests of
no release, the CMDB and the change calendar; the directory (one actor per
sys_user, with groups and roles); every approval record in every state;
`import` commands that enter release votes into their logs. Fields relman
does not map, u_* fields included, are kept in each document's extra.
Codes, labels, release kinds and group roles come from --policy's
`servicenow` section over the out-of-box values. docs/integrations.md
lists every mapping.

Rows fetched with sysparm_display_value=true need --display-value true and
the instance user's --time-zone and --date-format: without them their dates
are refused, never shifted.

Each file is read under the read-time limits of documents (docs/limits.md).

Exit status: 0 ok, 2 bad input (the error names the table, the record's
number or sys_id and the field).";

/// Arguments of `relman import-servicenow`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// A table: NAME=FILE (`-` reads stdin), NAME a ServiceNow table name.
    #[arg(long = "table", value_name = "NAME=FILE")]
    pub tables: Vec<String>,
    /// A folder of NAME.json files, one per table (other files are
    /// refused).
    #[arg(long, value_name = "FOLDER")]
    pub dir: Option<String>,
    /// How the rows were fetched: false (stored values, default), all or
    /// true (display values only), as sysparm_display_value.
    #[arg(long, value_name = "MODE", value_parser = ["false", "all", "true"])]
    pub display_value: Option<String>,
    /// The instance user's IANA time zone (display-only rows).
    #[arg(long, value_name = "ZONE")]
    pub time_zone: Option<String>,
    /// The instance user's date format, e.g. yyyy-MM-dd or MM/dd/yyyy
    /// (display-only rows).
    #[arg(long, value_name = "FORMAT")]
    pub date_format: Option<String>,
    /// The instance user's time format (default HH:mm:ss).
    #[arg(long, value_name = "FORMAT")]
    pub time_format: Option<String>,
    /// The source named by the import commands (default servicenow).
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    /// The actor issuing the import commands (default servicenow).
    #[arg(long, value_name = "ID")]
    pub actor: Option<String>,
}

/// One table file read: its name and text.
struct TableFile {
    name: String,
    file: String,
    text: String,
}

/// Reads table `name`'s file `path`, refusing a name that is not a table
/// relman imports and a table given twice.
fn put(
    globals: &Globals,
    files: &mut Vec<TableFile>,
    name: &str,
    path: &str,
    what: &str,
) -> Result<(), Failure> {
    let input = globals.read(path)?;
    if !TABLES.contains(&name) {
        // Text that is not JSON is reported first, as for any table.
        relman::interop::read_table_with_limits(
            &format!("tables.{name}"),
            &input.text,
            globals.limits(),
        )
        .map_err(|e| Failure::from(e).prefixed(&format!("{}: ", input.name)))?;
        return Err(Failure::invalid_input(format!(
            "{what}: `{name}` is not a table relman imports ({})",
            TABLES.join(", ")
        )));
    }
    if files.iter().any(|f| f.name == name) {
        return Err(Failure::invalid_input(format!(
            "{what}: table `{name}` is given twice"
        )));
    }
    files.push(TableFile {
        name: name.to_string(),
        file: input.name,
        text: input.text,
    });
    Ok(())
}

/// The table files named by `--table` and `--dir`.
fn table_files(args: &Args, globals: &Globals) -> Result<Vec<TableFile>, Failure> {
    let mut tables = Vec::new();
    for spec in &args.tables {
        let Some((name, path)) = spec.split_once('=') else {
            return Err(Failure::invalid_input(format!(
                "--table `{spec}`: expected NAME=FILE, e.g. change_request=cr.json"
            )));
        };
        put(globals, &mut tables, name.trim(), path, "--table")?;
    }
    if let Some(dir) = &args.dir {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            crate::write::io_failure(&e, format!("--dir: cannot read `{dir}`: {e}"))
        })?;
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| {
                crate::write::io_failure(&e, format!("--dir: cannot read `{dir}`: {e}"))
            })?;
            files.push(entry.path());
        }
        files.sort();
        for path in files {
            let file = path.display().to_string();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".json"))
                .ok_or_else(|| {
                    Failure::invalid_input(format!(
                        "--dir: `{file}` is not a NAME.json file of a ServiceNow table"
                    ))
                })?;
            put(globals, &mut tables, name, &file, "--dir")?;
        }
    }
    if tables.is_empty() {
        return Err(Failure::invalid_input(
            "no table given: --table NAME=FILE (repeated) or --dir FOLDER",
        ));
    }
    Ok(tables)
}

/// Reads every table file straight into its records (no `Value` of a
/// table), under the read-time limits.
fn tables<'a>(files: &'a [TableFile], globals: &Globals) -> Result<Vec<TableRows<'a>>, Failure> {
    files
        .iter()
        .map(|f| {
            relman::interop::read_table_rows(&f.name, &f.text, globals.limits())
                .map_err(|e| Failure::from(e).prefixed(&format!("{}: ", f.file)))
        })
        .collect()
}

/// Runs `relman import-servicenow`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let files = table_files(args, globals)?;
    let tables = tables(&files, globals)?;
    let mapping = globals
        .policy_file()?
        .map(|p| p.servicenow.clone())
        .filter(|m| !m.is_default());
    let options = ServiceNowImportOptions {
        display_value: match args.display_value.as_deref() {
            Some("all") => DisplayValue::All,
            Some("true") => DisplayValue::True,
            _ => DisplayValue::False,
        },
        time_zone: args.time_zone.clone(),
        date_format: args.date_format.clone(),
        time_format: args.time_format.clone(),
        source: args.source.clone(),
        actor: args.actor.clone(),
        mapping,
    };
    let imported = relman::interop::import_servicenow_rows(tables, &options)?;
    match globals.format() {
        Format::Json => output::print_json(&imported)?,
        Format::Table => {
            let s = &imported.schedule;
            let mut lines = Vec::new();
            for r in &s.releases {
                lines.push(format!(
                    "release {} ({}): {}",
                    r.id,
                    r.state.as_str(),
                    r.title
                ));
                for c in &r.changes {
                    lines.push(format!("  change {}: {}", c.id, c.summary));
                }
            }
            for c in &s.changes {
                lines.push(format!("change {} (no release): {}", c.id, c.summary));
            }
            if let Some(cmdb) = &s.cmdb {
                for ci in &cmdb.cis {
                    lines.push(format!("ci {} ({})", ci.id, ci.class));
                }
                for r in &cmdb.relationships {
                    lines.push(format!("rel {} {} {}", r.from, r.kind, r.to));
                }
            }
            if let Some(cal) = &s.calendar {
                for b in &cal.blackouts {
                    lines.push(format!("blackout {}", b.name));
                }
                for m in &cal.maintenance_windows {
                    lines.push(format!("maintenance {}", m.name));
                }
            }
            for a in &imported.actors {
                lines.push(format!("actor {} ({})", a.id, a.groups.join(", ")));
            }
            for a in &imported.approvals {
                lines.push(format!(
                    "approval {} of {}: {}",
                    a.approver.as_deref().or(a.group.as_deref()).unwrap_or("?"),
                    a.task,
                    a.state
                ));
            }
            lines.extend(imported.warnings.iter().map(render::warning_line));
            output::print(&lines.join("\n"))?;
        }
    }
    Ok(Outcome::Ok)
}
