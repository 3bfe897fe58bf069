#!/usr/bin/env python3
"""Checks `relman calendar` output with Python's `icalendar` package.

Run by ./scripts/test inside a venv under target/. Parses the .ics the CLI
writes for core/tests/fixtures/ics/dst-schedule.json (UTC and TZID forms)
and checks the event count, the UIDs, the start/end instants across the
Europe/Amsterdam DST change of 2026-10-25 and that the folded long
description unfolds to the original. Prints `ics: N passed, N failed`.
"""
import json
import os
import subprocess
import sys
from datetime import datetime, timezone

import icalendar

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIN = os.environ.get("RELMAN_BIN", os.path.join(ROOT, "target", "debug", "relman"))
FIXTURE = os.path.join(ROOT, "core", "tests", "fixtures", "ics", "dst-schedule.json")

passed = 0
failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}: {detail}")


def utc(s):
    return datetime.fromisoformat(s).astimezone(timezone.utc)


def run(*extra):
    out = subprocess.run(
        [BIN, "--now", "2026-10-20T08:00:00Z", "calendar", FIXTURE, "--horizon-days", "14", *extra],
        check=True,
        capture_output=True,
    )
    return out.stdout


fixture = json.load(open(FIXTURE, encoding="utf-8"))
expected_uids = [
    "release-REL-1@relman.invalid",
    "release-REL-2@relman.invalid",
    "blackout-BO-WEEKEND-20261024T003000Z@relman.invalid",
    "blackout-BO-WEEKEND-20261031T013000Z@relman.invalid",
]
expected_times = {
    "release-REL-1@relman.invalid": (utc("2026-10-24T22:00:00+02:00"), utc("2026-10-25T01:00:00+02:00")),
    "release-REL-2@relman.invalid": (utc("2026-10-25T01:30:00+02:00"), utc("2026-10-25T02:30:00+01:00")),
    # 02:30 local on the Saturday before the switch is CEST, after it CET.
    "blackout-BO-WEEKEND-20261024T003000Z@relman.invalid": (utc("2026-10-24T00:30:00Z"), utc("2026-10-24T02:30:00Z")),
    "blackout-BO-WEEKEND-20261031T013000Z@relman.invalid": (utc("2026-10-31T01:30:00Z"), utc("2026-10-31T03:30:00Z")),
}

for label, extra in [("utc", []), ("tzid", ["--time-zone", "Europe/Amsterdam"])]:
    raw = run(*extra)
    lines = raw.split(b"\r\n")
    check(f"{label}: CRLF only", b"\n" not in raw.replace(b"\r\n", b""))
    check(f"{label}: lines <= 75 octets", all(len(l) <= 75 for l in lines), max(len(l) for l in lines))
    cal = icalendar.Calendar.from_ical(raw)
    events = [c for c in cal.walk("VEVENT")]
    check(f"{label}: event count", len(events) == 4, len(events))
    uids = [str(e["UID"]) for e in events]
    check(f"{label}: UIDs", uids == expected_uids, uids)
    for e in events:
        uid = str(e["UID"])
        start = e.decoded("DTSTART").astimezone(timezone.utc)
        end = e.decoded("DTEND").astimezone(timezone.utc)
        check(f"{label}: {uid} start/end", (start, end) == expected_times[uid], (start, end))
        check(f"{label}: {uid} DTSTAMP", e.decoded("DTSTAMP") == utc("2026-10-20T08:00:00Z"))
    rel2 = next(e for e in events if str(e["UID"]) == "release-REL-2@relman.invalid")
    description = str(rel2["DESCRIPTION"])
    check(f"{label}: long description folded", any(l.startswith(b" ") for l in lines))
    check(
        f"{label}: description unfolds to the original",
        description.startswith("Release REL-2 (patch), state deployment.\n\n" + fixture["releases"][1]["scope"]),
        description[:200],
    )
    if label == "tzid":
        check("tzid: VTIMEZONE present", len(list(cal.walk("VTIMEZONE"))) == 1)
        start = rel2.decoded("DTSTART")
        check("tzid: DTSTART carries the zone", getattr(start.tzinfo, "key", str(start.tzinfo)).endswith("Amsterdam") or "Amsterdam" in str(start.tzinfo), start.tzinfo)

print(f"ics: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
