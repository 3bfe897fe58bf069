"""ServiceNow sync: Table API JSON → relman risk and conflicts → patches.

Reads the Table API responses (``{"result": [...]}`` or a bare list) of a
folder of ``NAME.json`` files, one per ServiceNow table relman imports
(``change_request.json``, ``rm_release.json``, ``cmdb_ci.json``,
``cmdb_rel_ci.json``, ``sysapproval_approver.json``, ``sys_user.json``, …;
the names are the members of ``relman.schema("servicenow_tables")``; other
files are left alone), imports them as a relman schedule, a directory and
every approval record, scores every release's risk (one batch call) and
detects conflicts, then prints the field patch of each record as one JSON
object per line on stdout, ready to PATCH
``/api/now/table/<table>/<sys_id>`` (or POST, for an ``insert``). A summary
goes to stderr.

    python examples/python/servicenow_sync.py [FOLDER] [--now 2026-11-29T10:00:00Z]
        [--display-value false|all|true] [--time-zone ZONE] [--date-format FORMAT]

Rows fetched with ``sysparm_display_value=true`` need ``--display-value
true`` and the instance user's ``--time-zone`` and ``--date-format``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List

import relman
from relman.types import Context, JSONValue, RiskAssessment, ServiceNowImportOptions

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "core" / "tests" / "fixtures" / "servicenow"


def table_names() -> List[str]:
    """The ServiceNow tables relman imports, from its schema."""
    properties = relman.schema("servicenow_tables")["properties"]
    assert isinstance(properties, dict)
    return sorted(properties)


def read_tables(folder: Path) -> Dict[str, JSONValue]:
    """Each table's response, keyed by ServiceNow table name; a table whose
    NAME.json is absent is left out."""
    tables: Dict[str, JSONValue] = {}
    for name in table_names():
        path = folder / f"{name}.json"
        if path.exists():
            tables[name] = json.loads(path.read_text(encoding="utf-8"))
    return tables


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--now", default="2026-11-29T10:00:00Z", help="RFC 3339 time of the sync")
    parser.add_argument("--display-value", choices=["false", "all", "true"], help="sysparm_display_value of the rows")
    parser.add_argument("--time-zone", help="the instance user's IANA time zone (display-only rows)")
    parser.add_argument("--date-format", help="the instance user's date format, e.g. yyyy-MM-dd (display-only rows)")
    args = parser.parse_args(argv)

    tables = read_tables(args.folder)
    if not tables:
        print(f"no table (NAME.json of {', '.join(table_names())}) in {args.folder}", file=sys.stderr)
        return 2
    options: ServiceNowImportOptions = {}
    if args.display_value is not None:
        options["display_value"] = args.display_value
    if args.time_zone is not None:
        options["time_zone"] = args.time_zone
    if args.date_format is not None:
        options["date_format"] = args.date_format
    try:
        imported = relman.import_servicenow(tables, options)
        schedule = imported["schedule"]
        context: Context = {}
        if "cmdb" in schedule:
            context["cmdb"] = schedule["cmdb"]
        batch = relman.assess_risk_many(schedule.get("releases", []), context)
        risk: List[RiskAssessment] = [a for a in batch["assessments"] if a is not None]
        conflicts = relman.detect_conflicts(schedule)
        patches = relman.export_servicenow(schedule, risk, conflicts, now=args.now)
    except relman.InvalidInput as err:
        # Names the table, record and field, e.g.
        # tables.change_request.result[3].start_date.
        print(f"bad ServiceNow record at {err.path}: {err.message}", file=sys.stderr)
        return 2
    except relman.RelmanError as err:
        print(f"relman error {err.code}: {err.message}", file=sys.stderr)
        return 2

    for patch in patches["patches"]:
        print(json.dumps(patch, sort_keys=True))
    for warning in imported["warnings"] + patches["warnings"]:
        print(f"warning {warning['code']}: {warning['message']}", file=sys.stderr)
    for e in batch["errors"]:
        print(f"release #{e['index']} not scored: {e['error']['message']}", file=sys.stderr)
    levels = ", ".join(f"{a['release_id']} {a['level']} ({a['score']:.1f})" for a in risk)
    approvals = imported.get("approvals", [])
    decided = sum(1 for a in approvals if "decision" in a)
    print(
        f"{len(tables)} tables; {len(imported.get('actors', []))} actors; "
        f"{len(approvals)} approvals ({decided} decided); "
        f"{len(imported.get('commands', []))} import commands for release votes",
        file=sys.stderr,
    )
    print(
        f"{len(patches['patches'])} patches; risk: {levels or 'none'}; "
        f"{len(conflicts['conflicts'])} conflicts ({'blocking' if conflicts['blocking'] else 'none blocking'})",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
