"""relman with ServiceNow's own Python client, pysnc, against the Table API
server of snow_server.py: records fetched through pysnc's paging in each
value mode, imported, checked, exported, written back with
``GlideRecord.update()``; assertions on the server's stored records.

The last tests are the findings of issue #23 (each failed against the
first-round importer and exporter) and the worked example of
docs/integrations.md, run as a user runs it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

import pytest
import relman
import requests
from relman.types import Context, RecordPatch, RiskAssessment

import snow_seed
from snow_harness import MODES, DisplayMode, Snow, client_for, fetch, snow  # noqa: F401 - snow is a fixture
from snow_server import TableAPIServer

NOW = "2026-12-01T10:00:00Z"
REPO = Path(__file__).resolve().parents[4]
EXAMPLE = REPO / "examples" / "python" / "servicenow_pysnc.py"
# Every table the import reads that the seed holds.
TABLES = ("change_request", "rm_release", "task_ci", "cmdb_ci", "cmdb_rel_ci", "cmdb_rel_type",
          "sys_user", "sys_user_group", "sys_user_grmember", "sysapproval_approver",
          "cmn_schedule", "cmn_schedule_span")
# What export_servicenow may write on these tables (docs/integrations.md, Export).
EXPORTED = {"risk", "work_notes", "conflict_status", "conflict_last_run", "approval"}
# What the server changes on every write.
AUDIT = {"sys_updated_on", "sys_updated_by", "sys_mod_count"}


def list_gets(server: TableAPIServer, table: str) -> List[Dict[str, str]]:
    return [r.params for r in server.requests if r.method == "GET" and r.path == f"/api/now/table/{table}"]


def fetch_all(snow: Snow, mode: DisplayMode) -> Dict[str, Any]:
    return {table: fetch(snow.client, table, mode) for table in TABLES}


def options_for(mode: DisplayMode) -> Dict[str, Any]:
    if mode is True:
        return {"display_value": "true", "time_zone": "America/Los_Angeles", "date_format": "yyyy-MM-dd"}
    return {"display_value": "all" if mode == "all" else "false"}


def import_all(snow: Snow, mode: DisplayMode, tables: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    return dict(relman.import_servicenow(tables or fetch_all(snow, mode), options_for(mode)))


def all_changes(schedule: Any) -> List[Dict[str, Any]]:
    return [c for r in schedule.get("releases", []) for c in r["changes"]] + list(schedule.get("changes", []))


def context_of(schedule: Any) -> Context:
    return {"cmdb": schedule["cmdb"], "calendar": schedule["calendar"]}


def verdicts(schedule: Any) -> Tuple[List[RiskAssessment], Any]:
    batch = relman.assess_risk_many(schedule["releases"], context_of(schedule))
    assert batch["errors"] == []
    risk = [a for a in batch["assessments"] if a is not None]
    return risk, relman.detect_conflicts(schedule)


def apply_with_pysnc(snow: Snow, patches: Sequence[RecordPatch]) -> None:
    """Each patch written with GlideRecord: query the records by sys_id IN a
    chunk, set each field, update()."""
    by_table: Dict[str, Dict[str, Dict[str, str]]] = {}
    for p in patches:
        assert p["action"] == "update" and p.get("sys_id") is not None
        by_table.setdefault(p["table"], {})[p["sys_id"]] = p["fields"]
    for table, records in by_table.items():
        ids = sorted(records)
        for start in range(0, len(ids), 50):
            gr = snow.client.GlideRecord(table)
            gr.add_query("sys_id", "IN", ",".join(ids[start:start + 50]))
            gr.query()
            seen = 0
            while gr.next():
                for name, value in records[gr.get_value("sys_id")].items():
                    gr.set_value(name, value)
                assert gr.update() == gr.get_value("sys_id")
                seen += 1
            assert seen == len(ids[start:start + 50])


@pytest.mark.parametrize("mode", MODES, ids=str)
def test_pysnc_pages_by_offset_and_total_count(snow: Snow, mode: DisplayMode) -> None:
    rows = fetch(snow.client, "change_request", mode, batch_size=100)["result"]
    server = snow.server
    assert len(rows) == snow_seed.CHANGE_COUNT

    def sys_id(row: Dict[str, Any]) -> str:
        value = row["sys_id"]
        return str(value["value"] if isinstance(value, dict) else value)

    assert [sys_id(r) for r in rows] == sorted(server.tables["change_request"])
    gets = list_gets(server, "change_request")
    # What pysnc 1.2.1 sends: offset paging in its batch size, a sort it
    # appends itself, the Link header suppressed (it pages by X-Total-Count).
    assert [g["sysparm_offset"] for g in gets] == ["0", "100", "200"]
    for g in gets:
        assert g["sysparm_limit"] == "100"
        assert g["sysparm_query"] == "ORDERBYsys_id"
        assert g["sysparm_display_value"] == str(mode).lower()
        assert g["sysparm_exclude_reference_link"] == "true"
        assert g["sysparm_suppress_pagination_header"] == "true"
    stored = server.tables["change_request"][sys_id(rows[0])]
    ci = server.tables["cmdb_ci"][stored["cmdb_ci"]]
    if mode is False:
        assert rows[0]["cmdb_ci"] == ci["sys_id"]
        assert rows[0]["start_date"] == stored["start_date"]
    elif mode is True:
        assert rows[0]["cmdb_ci"] == ci["name"]
        assert rows[0]["start_date"] != stored["start_date"]  # the user's zone
    else:
        assert rows[0]["cmdb_ci"] == {"value": ci["sys_id"], "display_value": ci["name"]}
        assert rows[0]["start_date"]["value"] == stored["start_date"]


@pytest.mark.parametrize("mode", MODES, ids=str)
def test_every_seeded_table_reads_back_through_pysnc(snow: Snow, mode: DisplayMode) -> None:
    """Each table, in pages of 40, equals the server's records: the same
    sys_ids in sys_id order, and in value mode the same values."""
    for table, stored in snow.server.tables.items():
        rows = fetch(snow.client, table, mode, batch_size=40)["result"]
        ids = [r["sys_id"]["value"] if mode == "all" else r["sys_id"] for r in rows]
        assert ids == sorted(stored), table
        assert len(list_gets(snow.server, table)) == max(1, -(-len(stored) // 40)), table
        if mode is False:
            journal = snow.server.schema(table).journal
            assert rows == [dict(stored[i], **dict.fromkeys(journal, "")) for i in ids], table
    assert len(snow.server.tables["task_ci"]) > 3 * 40  # several pages


def test_pysnc_queries_reach_the_server_as_encoded_queries(snow: Snow) -> None:
    gr = snow.client.GlideRecord("change_request")
    gr.add_query("state", "IN", "-2,-1")
    gr.add_query("number", "STARTSWITH", "CHG00301")
    gr.add_query("category", "!=", "Network")
    condition = gr.add_query("type", "emergency")
    condition.add_or_condition("type", "standard")
    gr.order_by_desc("number")
    gr.display_value = False
    gr.query()
    got = [r.get_value("number") for r in gr]
    sent = list_gets(snow.server, "change_request")[-1]["sysparm_query"]
    assert sent == ("stateIN-2,-1^numberSTARTSWITHCHG00301^category!=Network"
                    "^type=emergency^ORtype=standard^ORDERBYDESCnumber")
    expected = sorted(
        (r["number"] for r in snow.server.tables["change_request"].values()
         if r["state"] in ("-2", "-1") and r["number"].startswith("CHG00301")
         and r["category"] != "Network" and r["type"] in ("emergency", "standard")),
        reverse=True,
    )
    assert expected and got == expected


@pytest.mark.parametrize("mode", [False, "all"], ids=str)
def test_import_through_pysnc(snow: Snow, mode: DisplayMode) -> None:
    imported = import_all(snow, mode)
    schedule = imported["schedule"]
    tables = snow.server.tables
    releases = {r["sys_id"]: r["number"] for r in tables["rm_release"].values()}
    assert sorted(r["id"] for r in schedule["releases"]) == sorted(releases.values())
    for release in schedule["releases"]:
        children = {c["number"] for c in tables["change_request"].values() if releases.get(c["parent"]) == release["id"]}
        assert {c["id"] for c in release["changes"]} == children
    changes = all_changes(schedule)
    assert len(changes) == snow_seed.CHANGE_COUNT
    assert len(schedule["changes"]) == snow_seed.BARE_CHANGES
    assert len(schedule["cmdb"]["cis"]) == len(tables["cmdb_ci"])
    cis = {c["sys_id"]: c for c in tables["cmdb_ci"].values()}
    users = tables["sys_user"]
    for change in changes:
        stored = next(r for r in tables["change_request"].values() if r["number"] == change["id"])
        # The primary CI, then the task_ci list (as fetched: in sys_id order).
        listed = [cis[t["ci_item"]]["name"] for _, t in sorted(tables["task_ci"].items())
                  if t["task"] == stored["sys_id"]]
        assert change["affected_cis"] == list(dict.fromkeys([cis[stored["cmdb_ci"]]["name"]] + listed))
        assert change["planned_start"] == stored["start_date"].replace(" ", "T") + "Z"
        assert change.get("approved", False) is (stored["approval"] == "approved")
        # People by sys_id, as their user name.
        assert change["implementer"] == users[stored["assigned_to"]]["user_name"]
        assert change["backout_plan"] == stored["backout_plan"]
    assert imported["warnings"] == []
    # Relationship kinds from the cmdb_rel_type names in every mode.
    types = tables["cmdb_rel_type"]
    kinds = [types[r["type"]]["parent_descriptor"].lower().replace(" ", "_") for _, r in sorted(tables["cmdb_rel_ci"].items())]
    assert [r["kind"] for r in schedule["cmdb"]["relationships"]] == kinds
    # The directory, approvals in every state, the calendar.
    assert len(imported["actors"]) == len(users)
    states = {a["state"] for a in imported["approvals"]}
    assert states == {"approved", "rejected", "requested"}
    assert len(imported["approvals"]) == len(tables["sysapproval_approver"])
    calendar = schedule["calendar"]
    assert [b["name"] for b in calendar["blackouts"]] == ["Year-end freeze: Freeze", "Payments blackout: Month end"]
    assert [w["name"] for w in calendar["maintenance_windows"]] == ["Weekend maintenance: Saturday night"]


def test_round_trip_writes_verdicts_to_the_server(snow: Snow) -> None:
    server = snow.server
    first_import = import_all(snow, "all")
    first = first_import["schedule"]
    risk, conflicts = verdicts(first)
    assert conflicts["conflicts"], "the seed has releases overlapping on shared CIs"
    exported = relman.export_servicenow(first, risk, conflicts, now=NOW, context=context_of(first),
                                        actors=first_import["actors"], time_zone="America/Los_Angeles")
    patches = exported["patches"]
    assert exported["warnings"] == []
    notes_before = {sys_id: list(entries) for sys_id, entries in
                    ((k[1], server.journal_of(k[0], k[1], "work_notes")) for k in server.journal)}
    requests_before = len(server.requests)

    apply_with_pysnc(snow, patches)

    patch_requests = [r for r in server.requests[requests_before:] if r.method == "PATCH"]
    assert len(patch_requests) == len(patches)
    for patch in patches:
        stored = server.tables[patch["table"]][patch["sys_id"]]
        for name, value in patch["fields"].items():
            if name == "work_notes":
                entries = server.journal_of(patch["table"], patch["sys_id"], "work_notes")
                # Appended after what was there, not overwriting it.
                assert entries == notes_before.get(patch["sys_id"], []) + [value]
                assert value.startswith("[relman] 2026-12-01 02:00:00 PST")
            else:
                assert stored[name] == value, (patch["number"], name)
    changes = [p for p in patches if p["table"] == "change_request"]
    assert len(changes) == snow_seed.CHANGE_COUNT
    assert {server.tables["change_request"][p["sys_id"]]["conflict_last_run"] for p in changes} == {"2026-12-01 10:00:00"}
    # Every change request has its own risk on the server.
    assert all(server.tables["change_request"][p["sys_id"]]["risk"] in {"1", "2", "3", "4"} for p in changes)
    releases = [p for p in patches if p["table"] == "rm_release"]
    assert len(releases) == snow_seed.RELEASE_COUNT
    assert all("[relman] Risk" in server.journal_of("rm_release", p["sys_id"], "work_notes")[-1]
               for p in releases)

    # A second import equals the first but for what the export (and the
    # server's audit fields) changed.
    second = import_all(snow, "all")["schedule"]
    written = {p["sys_id"]: set(p["fields"]) for p in patches}

    def without_written(doc: Dict[str, Any]) -> Dict[str, Any]:
        sys_id = doc["sys_id"]["value"] if isinstance(doc["sys_id"], dict) else doc["sys_id"]
        drop = written.get(sys_id, set()) | (AUDIT if sys_id in written else set())
        return {k: v for k, v in doc.items() if k not in drop and k != "changes"}

    def by_id(schedule: Any) -> Dict[str, Dict[str, Any]]:
        docs = list(schedule["releases"]) + all_changes(schedule)
        return {d["id"]: without_written(d) for d in docs}

    assert by_id(second) == by_id(first)
    assert second["cmdb"] == first["cmdb"]
    assert second["calendar"] == first["calendar"]
    again = import_all(snow, "all")
    assert again["actors"] == first_import["actors"]
    assert again["approvals"] == first_import["approvals"]


def test_set_value_on_a_field_not_fetched_is_silently_dropped(snow: Snow) -> None:
    """pysnc's pitfall: a field absent from the GET (left out by
    ``fields``) gets a new GlideElement that is not marked changed, so
    ``update()`` PATCHes an empty body and still reports success."""
    server = snow.server
    target = next(r for r in server.tables["change_request"].values() if r["number"] == "CHG0030002")
    gr = snow.client.GlideRecord("change_request")
    gr.fields = ["sys_id", "number"]
    gr.add_query("number", "CHG0030002")
    gr.query()
    assert gr.next()
    gr.set_value("conflict_status", "Conflict")
    assert gr.get_value("conflict_status") == "Conflict"  # the client's view
    assert gr.update() == target["sys_id"]  # "success"
    assert server.requests[-1].method == "PATCH"
    assert server.requests[-1].body == {}
    assert target["conflict_status"] == "Not Run"  # the server's record

    # Fetched first, the same set_value is sent.
    gr = snow.client.GlideRecord("change_request")
    gr.fields = ["sys_id", "number", "conflict_status"]
    gr.add_query("number", "CHG0030002")
    gr.query()
    assert gr.next()
    gr.set_value("conflict_status", "Conflict")
    gr.update()
    assert server.requests[-1].body == {"conflict_status": "Conflict"}
    assert target["conflict_status"] == "Conflict"


def test_the_environment_ca_bundle_overrides_pysnc_verify(snow: Snow, monkeypatch: pytest.MonkeyPatch) -> None:
    """pysnc's second pitfall: ``ServiceNowClient(verify=path)`` loses to
    ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` (requests' environment merge
    runs with ``verify=None`` on every pysnc request)."""
    import certifi
    from pysnc import ServiceNowClient

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    client = ServiceNowClient(snow.server.url, ("admin", "secret"), verify=str(snow.server.cert), auto_retry=False)
    with pytest.raises(requests.exceptions.SSLError):
        client.GlideRecord("sys_user").get("no-such-id")
    fixed = client_for(snow.server, auto_retry=False)
    assert fixed.GlideRecord("sys_user").get("no-such-id") is False


def test_insert_and_delete_with_pysnc(snow: Snow) -> None:
    server = snow.server
    gr = snow.client.GlideRecord("change_request")
    gr.initialize()
    gr.set_value("short_description", "Inserted by pysnc")
    gr.set_value("type", "standard")
    gr.set_value("work_notes", "created")
    sys_id = str(gr.insert())
    stored = server.tables["change_request"][sys_id]
    assert (stored["short_description"], stored["type"]) == ("Inserted by pysnc", "standard")
    assert server.journal_of("change_request", sys_id, "work_notes") == ["created"]
    assert gr.delete() is True
    assert sys_id not in server.tables["change_request"]


def _stored_by_number(server: TableAPIServer, number: str) -> Dict[str, str]:
    return next(r for r in server.tables["change_request"].values() if r["number"] == number)




# ---- Issue #23: the findings, each failing against the first-round code ----

def test_children_of_a_conflicting_release_get_its_conflict_status_and_their_own_risk(snow: Snow) -> None:
    imported = import_all(snow, "all")
    schedule = imported["schedule"]
    risk, conflicts = verdicts(schedule)
    exported = relman.export_servicenow(schedule, risk, conflicts, now=NOW, context=context_of(schedule))
    apply_with_pysnc(snow, exported["patches"])
    conflicting: Set[str] = {i for c in conflicts["conflicts"] for i in c["items"]}
    children = [c["id"] for r in schedule["releases"] if r["id"] in conflicting for c in r["changes"]]
    assert children
    for number in children:
        stored = _stored_by_number(snow.server, number)
        assert stored["conflict_status"] == "Conflict", number
        assert stored["risk"] in {"1", "2", "3", "4"}, number
        # The work note names the records it conflicts with.
        note = snow.server.journal_of("change_request", stored["sys_id"], "work_notes")[-1]
        assert re.search(r"\[relman\] Conflict \w+ with RLSE\d+ \(CHG\d+", note), note
    # A bare change request is scored as a one-change release too.
    bare = schedule["changes"][0]["id"]
    assert _stored_by_number(snow.server, bare)["risk"] in {"1", "2", "3", "4"}


def test_display_only_dates_are_read_in_the_users_zone_or_refused(snow: Snow) -> None:
    rows = fetch(snow.client, "change_request", True, fields=["sys_id", "number", "short_description",
                                                               "start_date", "end_date"])
    # Declared display-only without the user's zone and format: refused at
    # the first date, never shifted.
    with pytest.raises(relman.InvalidInput) as err:
        relman.import_servicenow({"change_request": rows}, {"display_value": "true"})
    assert err.value.path == "tables.change_request.result[0].start_date"
    # With them: the stored UTC time.
    imported = relman.import_servicenow({"change_request": rows}, options_for(True))
    for change in all_changes(imported["schedule"]):
        stored = _stored_by_number(snow.server, change["id"])
        assert change["planned_start"] == stored["start_date"].replace(" ", "T") + "Z"
    # Undeclared display-only rows give themselves away by their labels.
    labelled = fetch(snow.client, "change_request", True, fields=["sys_id", "number", "state"])
    with pytest.raises(relman.InvalidInput) as err:
        relman.import_servicenow({"change_request": labelled})
    assert err.value.path == "tables.change_request.result[0].state"
    assert "sysparm_display_value=true" in str(err.value)


def test_people_with_the_same_name_stay_apart(snow: Snow) -> None:
    for mode in (False, "all"):
        imported = import_all(snow, mode)
        users = snow.server.tables["sys_user"]
        smiths = {u["user_name"] for u in users.values() if u["name"] == "John Smith"}
        assert len(smiths) == 2
        implementers = {c["implementer"] for c in all_changes(imported["schedule"])}
        stored = {users[r["assigned_to"]]["user_name"] for r in snow.server.tables["change_request"].values()}
        assert smiths <= implementers == stored
    # Display names cannot tell them apart: refused, naming both sys_ids.
    with pytest.raises(relman.InvalidInput) as err:
        import_all(snow, True)
    assert err.value.path is not None and err.value.path.startswith("tables.")
    assert "`John Smith` names 2 sys_user records" in str(err.value)


def run_example(snow: Snow, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, RELMAN_SN_URL=snow.server.url, RELMAN_SN_USER="admin", RELMAN_SN_PASSWORD="secret")
    return subprocess.run([sys.executable, str(EXAMPLE), "--now", NOW, "--time-zone", "Europe/Amsterdam",
                           "--ca-bundle", str(snow.server.cert), *args],
                          env=env, capture_output=True, text=True, timeout=300, check=False)


def test_the_worked_example_runs_against_the_server(snow: Snow) -> None:
    server = snow.server
    # The dry run writes nothing and lists the changes.
    before = len(server.requests)
    dry = run_example(snow, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert all(r.method == "GET" for r in server.requests[before:])
    assert re.search(r"^change_request CHG\d+ conflict_status: 'Not Run' -> 'Conflict'$", dry.stdout, re.M), dry.stdout
    # The real run writes them.
    done = run_example(snow)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].endswith("conflict(s)")
    statuses = {r["conflict_status"] for r in server.tables["change_request"].values()}
    assert "Conflict" in statuses and statuses <= {"Conflict", "No Conflict"}
    assert all(r["risk"] in {"1", "2", "3", "4"} for r in server.tables["change_request"].values())
    # A second dry run finds nothing left to change but the journal.
    again = run_example(snow, "--dry-run")
    assert again.returncode == 0, again.stderr
    fields = {line.split()[2].rstrip(":") for line in again.stdout.splitlines()[:-1]}
    assert fields <= {"work_notes"}, again.stdout


def test_the_docs_show_the_worked_example_verbatim() -> None:
    docs = (REPO / "docs" / "integrations.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", docs, re.S)
    assert EXAMPLE.read_text(encoding="utf-8") in blocks


def test_a_vote_cast_in_relman_is_inserted_as_an_approval_record(snow: Snow) -> None:
    imported = import_all(snow, "all")
    schedule = imported["schedule"]
    release = schedule["releases"][0]
    maria = next(a for a in imported["actors"] if a["id"] == "maria.rossi")
    release["approvals"] = [{"approver": "maria.rossi", "role": "cab", "decision": "approved",
                             "at": "2026-11-30T09:00:00Z", "comment": "CAB 30 Nov"}]
    exported = relman.export_servicenow(schedule, now=NOW, actors=imported["actors"], score_changes=False)
    inserts = [p for p in exported["patches"] if p["action"] == "insert"]
    assert len(inserts) == 1 and inserts[0].get("sys_id") is None
    before = set(snow.server.tables["sysapproval_approver"])
    gr = snow.client.GlideRecord("sysapproval_approver")
    gr.initialize()
    for name, value in inserts[0]["fields"].items():
        gr.set_value(name, value)
    new_id = str(gr.insert())
    assert set(snow.server.tables["sysapproval_approver"]) - before == {new_id}
    stored = snow.server.tables["sysapproval_approver"][new_id]
    assert stored["approver"] == maria["sys_id"]
    assert stored["sysapproval"] == release["sys_id"]
    assert stored["state"] == "approved"
    assert snow.server.journal_of("sysapproval_approver", new_id, "comments") == ["CAB 30 Nov"]
    # Imported again, the vote is an approval record of the release.
    again = import_all(snow, "all")
    assert any(a["sys_id"] == new_id and a["task"] == release["id"] and a["approver"] == "maria.rossi"
               for a in again["approvals"])
