"""relman with ServiceNow's Python client: fetch, check, write back.

Fetches the tables relman reads with pysnc's GlideRecord (every field, so
that pysnc sends what is set), imports them, detects conflicts, scores every
change request and writes the verdicts back with ``GlideRecord.update()``:
risk, conflict status with the conflicting records in a work note, and the
time of the run. ``--dry-run`` prints what would change instead.

    RELMAN_SN_URL=https://acme.service-now.com RELMAN_SN_USER=... \\
    RELMAN_SN_PASSWORD=... python examples/python/servicenow_pysnc.py \\
        [--now 2026-12-01T10:00:00Z] [--time-zone Europe/Amsterdam] \\
        [--ca-bundle ca.pem] [--dry-run]

Prints one summary line per written record and the totals.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Dict, List

import relman
from pysnc import ServiceNowClient  # type: ignore[import-untyped]  # pysnc ships no types
from relman.types import Context, RecordPatch

# The tables relman reads, as the Table API names them.
TABLES = [
    "change_request", "rm_release", "task_ci", "cmdb_ci", "cmdb_rel_ci", "cmdb_rel_type",
    "sys_user", "sys_user_group", "sys_user_grmember", "sysapproval_approver",
    "cmn_schedule", "cmn_schedule_span",
]


def fetch(client: ServiceNowClient, table: str) -> List[Dict[str, Any]]:
    """Every record of `table` with stored values and display values
    (``sysparm_display_value=all``, pysnc's default), page by page."""
    gr = client.GlideRecord(table, batch_size=500)
    gr.display_value = "all"
    gr.query()
    return [record.serialize(display_value="all") for record in gr]


def write(client: ServiceNowClient, patches: List[RecordPatch]) -> int:
    """Each patch through GlideRecord: an update of the record's fields, or
    an insert (an approval cast in relman). Returns the records written."""
    written = 0
    for patch in patches:
        gr = client.GlideRecord(patch["table"])
        if patch["action"] == "insert":
            gr.initialize()
            for name, value in patch["fields"].items():
                gr.set_value(name, value)
            gr.insert()
        else:
            # get() fetches every field, so each set_value is sent.
            if not gr.get(patch["sys_id"]):
                print(f"{patch['table']} {patch['number']}: gone, skipped", file=sys.stderr)
                continue
            for name, value in patch["fields"].items():
                gr.set_value(name, value)
            gr.update()
        written += 1
        print(f"{patch['action']} {patch['table']} {patch['number']}: {', '.join(sorted(patch['fields']))}")
    return written


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--now", required=True, help="RFC 3339 time of the run")
    parser.add_argument("--time-zone", default="UTC", help="zone of the times in work notes")
    parser.add_argument("--ca-bundle", help="CA certificate file of the instance")
    parser.add_argument("--dry-run", action="store_true", help="print the changes, write nothing")
    args = parser.parse_args(argv)

    client = ServiceNowClient(
        os.environ["RELMAN_SN_URL"],
        (os.environ["RELMAN_SN_USER"], os.environ["RELMAN_SN_PASSWORD"]),
        verify=args.ca_bundle or True,
    )
    # pysnc's verify= loses to REQUESTS_CA_BUNDLE unless the session
    # ignores the environment (docs/integrations.md, "Tested with pysnc").
    client.session.trust_env = False

    tables = {table: fetch(client, table) for table in TABLES}
    try:
        imported = relman.import_servicenow(tables, {"display_value": "all"})
    except relman.InvalidInput as err:
        # Names the table, record and field, e.g.
        # tables.change_request[3].start_date.
        print(f"bad ServiceNow record at {err.path}: {err}", file=sys.stderr)
        return 2
    schedule = imported["schedule"]
    conflicts = relman.detect_conflicts(schedule)
    context: Context = {"cmdb": schedule.get("cmdb"), "calendar": schedule.get("calendar")}
    exported = relman.export_servicenow(
        schedule,
        conflicts=conflicts,
        now=args.now,
        context=context,
        time_zone=args.time_zone,
        actors=imported.get("actors", []),
        fetched={"change_request": tables["change_request"], "rm_release": tables["rm_release"]},
        dry_run=args.dry_run,
    )
    for warning in imported["warnings"] + exported["warnings"]:
        print(f"warning {warning['code']} at {warning.get('path', '')}: {warning['message']}", file=sys.stderr)
    if args.dry_run:
        for d in exported.get("diff", []):
            print(f"{d['table']} {d['number']} {d['field']}: {d.get('before')!r} -> {d['after']!r}")
        print(f"{len(exported.get('diff', []))} field(s) would change")
        return 0
    written = write(client, exported["patches"])
    print(f"{written} record(s) written, {len(conflicts['conflicts'])} conflict(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
