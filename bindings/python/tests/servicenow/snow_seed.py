"""Seed data for the Table API server: a deterministic ServiceNow instance.

Field names and value encodings are those of ServiceNow's out-of-box tables
as the Table API returns them with ``sysparm_display_value=false``: choice
fields as their stored codes (``change_request.state`` ``-2``), references
as 32-hex sys_ids, dates ``YYYY-MM-DD HH:MM:SS`` in UTC, booleans
``"true"`` / ``"false"``, schedule spans in the schedule's own
``YYYYMMDDTHHMMSS`` form and zone.

The instance holds ``CHANGE_COUNT`` change requests (three pages and more at
pysnc's default batch of 100), most inside one of ``RELEASE_COUNT``
``rm_release`` records (``change_request.parent``); releases come in pairs
whose windows overlap on shared CIs, so relman finds conflicts; the rest are
bare change requests. Each change has a ``task_ci`` list, most have approvals
(``sysapproval_approver``), and users, groups, group members, CIs with
classes, CI relationships and blackout / maintenance schedules
(``cmn_schedule`` + ``cmn_schedule_span``) complete the picture. Two users
are both named "John Smith".
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Dict, List, Tuple

from snow_server import JOURNAL_FIELDS, Record, TableSchema

CHANGE_COUNT = 230
RELEASE_COUNT = 12
BARE_CHANGES = 26  # change requests with no release
SEED = 23
DATE = "%Y-%m-%d %H:%M:%S"

CHANGE_STATES = {"-5": "New", "-4": "Assess", "-3": "Authorize", "-2": "Scheduled",
                 "-1": "Implement", "0": "Review", "3": "Closed", "4": "Canceled"}
RISKS = {"1": "Very High", "2": "High", "3": "Moderate", "4": "Low"}
IMPACTS = {"1": "1 - High", "2": "2 - Medium", "3": "3 - Low"}
PRIORITIES = {"1": "1 - Critical", "2": "2 - High", "3": "3 - Moderate", "4": "4 - Low", "5": "5 - Planning"}
APPROVALS = {"not requested": "Not Yet Requested", "requested": "Requested",
             "approved": "Approved", "rejected": "Rejected"}
CHANGE_TYPES = {"standard": "Standard", "normal": "Normal", "emergency": "Emergency"}
CONFLICT_STATUSES = {"Not Run": "Not Run", "Conflict": "Conflict", "No Conflict": "No Conflict"}
RELEASE_STATES = {"-5": "Pending", "1": "Open", "2": "Work in Progress", "3": "Closed Complete",
                  "4": "Closed Incomplete", "7": "Closed Skipped"}
APPROVER_STATES = {"requested": "Requested", "approved": "Approved", "rejected": "Rejected",
                   "not_required": "No Longer Required", "cancelled": "Cancelled"}
CI_CLASSES = ("cmdb_ci_linux_server", "cmdb_ci_win_server", "cmdb_ci_db_mssql_instance",
              "cmdb_ci_app_server_tomcat", "cmdb_ci_service", "cmdb_ci_lb_bigip")
CRITICALITY = ("1 - most critical", "2 - somewhat critical", "3 - less critical", "4 - not critical")
GROUPS = ("CAB Approval", "Change Management", "Database", "Network", "Web Operations",
          "Service Desk", "Catalog Team")
PEOPLE = ("John Smith", "John Smith", "Maria Rossi", "Chidi Okafor", "Lukas Brandt", "Aiko Tanaka",
          "Priya Raman", "Sven Larsen", "Fatima Zahra", "Diego Alvarez", "Olga Petrova", "Tom Baker",
          "Nia Brooks", "Kenji Sato", "Elena Novak", "Omar Haddad", "Grace Lee", "Ravi Kumar",
          "Anna Schmidt", "Luis Ortega", "Mei Chen", "Pieter de Vries", "Sara Cohen", "Ivan Horvat")


def schemas() -> Dict[str, TableSchema]:
    """The reference, choice, date and journal fields of each seeded table."""
    task_dates = ("sys_created_on", "sys_updated_on", "opened_at")
    return {
        "change_request": TableSchema(
            display_field="number", number_prefix="CHG",
            references={"cmdb_ci": "cmdb_ci", "assigned_to": "sys_user", "requested_by": "sys_user",
                        "assignment_group": "sys_user_group", "parent": "rm_release"},
            choices={"state": CHANGE_STATES, "risk": RISKS, "impact": IMPACTS, "priority": PRIORITIES,
                     "approval": APPROVALS, "type": CHANGE_TYPES, "conflict_status": CONFLICT_STATUSES},
            dates=task_dates + ("start_date", "end_date", "conflict_last_run"),
            journal=JOURNAL_FIELDS),
        "rm_release": TableSchema(
            display_field="number", number_prefix="RLSE",
            references={"assigned_to": "sys_user", "assignment_group": "sys_user_group"},
            choices={"state": RELEASE_STATES, "priority": PRIORITIES},
            dates=task_dates + ("planned_start_date", "planned_end_date"),
            journal=JOURNAL_FIELDS),
        "task_ci": TableSchema(display_field="sys_id", references={"task": "task", "ci_item": "cmdb_ci"}),
        "cmdb_ci": TableSchema(references={"support_group": "sys_user_group", "managed_by": "sys_user"}),
        "cmdb_rel_type": TableSchema(),
        "cmdb_rel_ci": TableSchema(display_field="sys_id",
                                   references={"parent": "cmdb_ci", "child": "cmdb_ci", "type": "cmdb_rel_type"}),
        "sys_user": TableSchema(),
        "sys_user_group": TableSchema(references={"manager": "sys_user"}),
        "sys_user_grmember": TableSchema(display_field="sys_id",
                                         references={"user": "sys_user", "group": "sys_user_group"}),
        "sysapproval_approver": TableSchema(
            display_field="sys_id",
            references={"approver": "sys_user", "sysapproval": "task", "document_id": "change_request",
                        "group": "sysapproval_group"},
            choices={"state": APPROVER_STATES}, journal=("comments",)),
        "cmn_schedule": TableSchema(),
        "cmn_schedule_span": TableSchema(references={"schedule": "cmn_schedule"}),
    }


class _Ids:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def __call__(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"


def _stamp(when: datetime) -> str:
    return when.strftime(DATE)


def generate(seed: int = SEED) -> Tuple[Dict[str, List[Record]], List[Tuple[str, str, str, str]]]:
    """The tables, and the journal entries to seed: (table, sys_id, field, text)."""
    rng = random.Random(seed)
    sys_id = _Ids(rng)
    created = datetime(2026, 10, 1, 8, 0, 0)
    journal: List[Tuple[str, str, str, str]] = []

    def audit(record: Record, when: datetime) -> Record:
        record.update(sys_created_on=_stamp(when), sys_created_by="admin",
                      sys_updated_on=_stamp(when + timedelta(hours=2)), sys_updated_by="admin",
                      sys_mod_count="1")
        return record

    users: List[Record] = []
    for i, name in enumerate(PEOPLE):
        first, last = name.split(" ", 1)
        login = f"{first}.{last}".lower().replace(" ", "") + ("2" if name == "John Smith" and i == 1 else "")
        users.append(audit({"sys_id": sys_id(), "user_name": login, "name": name, "first_name": first,
                            "last_name": last, "email": f"{login}@example.com", "active": "true",
                            "time_zone": "America/Los_Angeles", "sys_class_name": "sys_user"}, created))
    groups: List[Record] = []
    for i, name in enumerate(GROUPS):
        groups.append(audit({"sys_id": sys_id(), "name": name, "description": f"{name} group",
                             "manager": users[(i * 3 + 2) % len(users)]["sys_id"], "active": "true",
                             "type": "", "email": ""}, created))
    members: List[Record] = []
    for i, user in enumerate(users):
        for group in {groups[i % len(groups)]["sys_id"], groups[(i * 5 + 1) % len(groups)]["sys_id"]}:
            members.append(audit({"sys_id": sys_id(), "user": user["sys_id"], "group": group}, created))
    cab = [u for i, u in enumerate(users) if i % len(GROUPS) == 0 or (i * 5 + 1) % len(GROUPS) == 0]

    cis: List[Record] = []
    for i in range(40):
        cls = CI_CLASSES[i % len(CI_CLASSES)]
        env = "Production" if i % 4 else "Test"
        name = f"{cls.split('_')[-1]}-{'prd' if env == 'Production' else 'tst'}-{i:02d}"
        cis.append(audit({"sys_id": sys_id(), "name": name, "sys_class_name": cls,
                          "business_criticality": CRITICALITY[i % 4],
                          "support_group": groups[i % len(groups)]["sys_id"],
                          "managed_by": users[i % len(users)]["sys_id"], "environment": env,
                          "operational_status": "1", "ip_address": f"10.20.{i // 10}.{i + 10}",
                          "u_rack": f"AMS1-R{i % 16:02d}"}, created))
    rel_types = [audit({"sys_id": sys_id(), "name": n, "parent_descriptor": n.split("::")[0],
                        "child_descriptor": n.split("::")[1]}, created)
                 for n in ("Depends on::Used by", "Runs on::Runs", "Contains::Contained by")]
    rels: List[Record] = []
    for i in range(0, 36, 3):
        rels.append(audit({"sys_id": sys_id(), "parent": cis[i]["sys_id"], "child": cis[i + 1]["sys_id"],
                           "type": rel_types[i % 3]["sys_id"], "connection_strength": "always"}, created))

    releases: List[Record] = []
    windows: List[Tuple[datetime, datetime]] = []
    for i in range(RELEASE_COUNT):
        # Pairs of releases on the same evening overlap by an hour.
        day = datetime(2026, 12, 2, 2, 0, 0) + timedelta(days=2 * (i // 2))
        start = day + timedelta(hours=i % 2)
        end = start + timedelta(hours=3)
        windows.append((start, end))
        releases.append(audit({
            "sys_id": sys_id(), "number": f"RLSE00{10041 + i:05d}",
            "short_description": f"Storefront train {i + 1}", "description": f"Release train {i + 1} of Q4",
            "state": ("1", "2", "-5", "2")[i % 4], "priority": "3",
            "planned_start_date": _stamp(start), "planned_end_date": _stamp(end),
            "assigned_to": users[2 + i % 6]["sys_id"], "assignment_group": groups[1]["sys_id"],
            "active": "true", "sys_class_name": "rm_release", "u_release_train": f"Q4-{chr(65 + i)}",
        }, created + timedelta(days=i)))

    changes: List[Record] = []
    task_cis: List[Record] = []
    approvals: List[Record] = []
    in_releases = CHANGE_COUNT - BARE_CHANGES
    for i in range(CHANGE_COUNT):
        number = f"CHG00{30001 + i:05d}"
        if i < in_releases:
            r = i % RELEASE_COUNT
            parent = releases[r]["sys_id"]
            start = windows[r][0] + timedelta(minutes=15 * (i % 4))
            end = start + timedelta(minutes=60 + 15 * (i % 3))
            # The two releases of a pair share their first CIs.
            ci_base = (r // 2) * 6
        else:
            parent = ""
            start = datetime(2026, 12, 20, 18, 0, 0) + timedelta(hours=3 * (i - in_releases))
            end = start + timedelta(hours=1)
            ci_base = 30
        ci_ids = [cis[(ci_base + (i + k) % 5) % len(cis)]["sys_id"] for k in range(1 + i % 3)]
        assignee = users[(i * 7) % len(users)]
        record = audit({
            "sys_id": sys_id(), "number": number, "type": ("normal", "standard", "normal", "emergency")[i % 4],
            "short_description": f"Change {i + 1}: {('patch', 'deploy', 'upgrade', 'reconfigure')[i % 4]} "
                                 f"{('web tier', 'catalog', 'payments', 'search', 'checkout')[i % 5]}",
            "description": f"Planned work for change {i + 1}.",
            "category": ("Software", "Hardware", "Network", "Database")[i % 4],
            "state": ("-2", "-3", "-1", "-4", "-5")[i % 5], "risk": ("4", "3", "2", "3")[i % 4],
            "impact": ("3", "2", "1")[i % 3], "priority": ("4", "3", "2", "4")[i % 4],
            "approval": ("approved", "requested", "approved", "not requested")[i % 4],
            "cmdb_ci": ci_ids[0], "assigned_to": assignee["sys_id"],
            "requested_by": users[(i * 3 + 1) % len(users)]["sys_id"],
            "assignment_group": groups[i % len(groups)]["sys_id"],
            "start_date": _stamp(start), "end_date": _stamp(end), "opened_at": _stamp(created),
            "parent": parent, "justification": f"Needed for train {i % RELEASE_COUNT + 1}.",
            "implementation_plan": "1. Drain node\n2. Deploy\n3. Undrain",
            "backout_plan": "Redeploy the previous build.", "test_plan": "Smoke tests on the node.",
            "conflict_status": "Not Run", "conflict_last_run": "", "on_hold": "false",
            "sys_class_name": "change_request", "u_change_train": f"T{i % 7}",
        }, created + timedelta(days=i % 30, minutes=i))
        changes.append(record)
        if i % 10 == 0:
            journal.append(("change_request", record["sys_id"], "work_notes", f"Seeded note on {number}"))
        for ci in ci_ids:
            task_cis.append(audit({"sys_id": sys_id(), "task": record["sys_id"], "ci_item": ci,
                                   "applied": "false", "manually_added": "true"}, created))
        for k in range(i % 3):
            state = ("approved", "rejected", "requested")[(i + k) % 3] if i % 9 else "approved"
            approval = audit({
                "sys_id": sys_id(), "approver": cab[(i + k) % len(cab)]["sys_id"], "state": state,
                "sysapproval": record["sys_id"], "document_id": record["sys_id"],
                "source_table": "change_request", "group": "", "due_date": "", "u_delegated": "false",
            }, created + timedelta(days=i % 30, hours=k))
            approvals.append(approval)
            if state != "requested":
                journal.append(("sysapproval_approver", approval["sys_id"], "comments",
                                f"{state.capitalize()} for {number}"))

    schedules: List[Record] = []
    spans: List[Record] = []
    for name, kind, zone in (("Year-end freeze", "blackout", "America/Los_Angeles"),
                             ("Payments blackout", "blackout", "Europe/Amsterdam"),
                             ("Weekend maintenance", "maintenance", "Europe/Amsterdam")):
        schedule = audit({"sys_id": sys_id(), "name": name, "type": kind, "time_zone": zone,
                          "sys_class_name": f"cmn_schedule_{kind}", "description": f"{name} schedule",
                          "parent": ""}, created)
        schedules.append(schedule)
    spans.append(audit({"sys_id": sys_id(), "schedule": schedules[0]["sys_id"], "name": "Freeze",
                        "type": "exclude", "start_date_time": "20261218T000000",
                        "end_date_time": "20270104T000000", "all_day": "true", "repeat_type": "",
                        "repeat_count": "1", "days_of_week": "", "show_as": "busy"}, created))
    spans.append(audit({"sys_id": sys_id(), "schedule": schedules[1]["sys_id"], "name": "Month end",
                        "type": "exclude", "start_date_time": "20261130T180000",
                        "end_date_time": "20261201T060000", "all_day": "false", "repeat_type": "monthly",
                        "repeat_count": "1", "days_of_week": "", "show_as": "busy"}, created))
    spans.append(audit({"sys_id": sys_id(), "schedule": schedules[2]["sys_id"], "name": "Saturday night",
                        "type": "include", "start_date_time": "20261205T220000",
                        "end_date_time": "20261206T020000", "all_day": "false", "repeat_type": "weekly",
                        "repeat_count": "1", "days_of_week": "6", "show_as": "busy"}, created))

    tables = {
        "sys_user": users, "sys_user_group": groups, "sys_user_grmember": members,
        "cmdb_ci": cis, "cmdb_rel_type": rel_types, "cmdb_rel_ci": rels,
        "rm_release": releases, "change_request": changes, "task_ci": task_cis,
        "sysapproval_approver": approvals, "cmn_schedule": schedules, "cmn_schedule_span": spans,
    }
    return tables, journal
