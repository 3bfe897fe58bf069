"""ServiceNow sync: Table API JSON → relman risk and conflicts → patches.

Reads the Table API responses (``{"result": [...]}``) of change_request,
rm_release, cmdb_ci, cmdb_rel_ci and sysapproval_approver from a folder,
imports them as a relman schedule, scores every release's risk (one batch
call) and detects conflicts, then prints the field patch of each record as
one JSON object per line on stdout, ready to PATCH
``/api/now/table/<table>/<sys_id>``. A summary goes to stderr.

    python examples/python/servicenow_sync.py [FOLDER] [--now 2026-11-29T10:00:00Z]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List, Optional

import relman
from relman.types import Context, RiskAssessment, TableResponse

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "core" / "tests" / "fixtures" / "servicenow"

TABLES = {
    "change_requests": "change_request.json",
    "releases": "rm_release.json",
    "cis": "cmdb_ci.json",
    "rels": "cmdb_rel_ci.json",
    "approvals": "sysapproval_approver.json",
}


def read_tables(folder: Path) -> Dict[str, Optional[TableResponse]]:
    """Each table's response, or None when its file is absent."""
    tables: Dict[str, Optional[TableResponse]] = {}
    for param, file in TABLES.items():
        path = folder / file
        tables[param] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    return tables


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--now", default="2026-11-29T10:00:00Z", help="RFC 3339 time of the sync")
    args = parser.parse_args(argv)

    tables = read_tables(args.folder)
    change_requests = tables["change_requests"]
    if change_requests is None:
        print(f"no change_request.json in {args.folder}", file=sys.stderr)
        return 2
    try:
        imported = relman.import_servicenow(
            change_requests,
            releases=tables["releases"],
            cis=tables["cis"],
            rels=tables["rels"],
            approvals=tables["approvals"],
        )
        schedule = imported["schedule"]
        context: Context = {}
        if "cmdb" in schedule:
            context["cmdb"] = schedule["cmdb"]
        batch = relman.assess_risk_many(schedule.get("releases", []), context)
        risk: List[RiskAssessment] = [a for a in batch["assessments"] if a is not None]
        conflicts = relman.detect_conflicts(schedule)
        patches = relman.export_servicenow(schedule, risk, conflicts, now=args.now)
    except relman.InvalidInput as err:
        # Names the record and field, e.g. change_requests.result[3].start_date.
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
    print(
        f"{len(patches['patches'])} patches; risk: {levels or 'none'}; "
        f"{len(conflicts['conflicts'])} conflicts ({'blocking' if conflicts['blocking'] else 'none blocking'})",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
