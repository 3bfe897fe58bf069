#!/usr/bin/env python3
"""Checks `relman calendar` output with four iCalendar parsers.

Run by ./scripts/test ("iCalendar") with a venv under target/ holding
Python `icalendar` and `recurring-ical-events`, and npm `node-ical` and
`ical.js` installed (npm ci) in bindings/cli/tests/ics/.

1. core/tests/fixtures/ics/dst-schedule.json (UTC and TZID forms): event
   count, UIDs, start/end instants across the Europe/Amsterdam DST change of
   2026-10-25, folding and unfolding of a long description.
2. core/tests/fixtures/ics/dst-nights.json, the 2026 spring and autumn DST
   nights of Europe/Berlin and America/New_York, exported with
   --maintenance-windows in UTC, Europe/Berlin and America/New_York: the
   same bytes twice; icalendar, node-ical and ical.js read the same start
   and end for every VEVENT as written; recurring-ical-events, node-ical and
   ical.js expand the RRULE series (with their EXDATEs) to the same
   occurrences, and those equal relman's own expansion in
   dst-nights.expected.json (written by core/tests/ics.rs from
   relman::calendar::period_occurrences).

Prints `ics: N passed, M failed`.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import datetime, timedelta, timezone

import icalendar
import recurring_ical_events

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIN = os.environ.get("RELMAN_BIN", os.path.join(ROOT, "target", "debug", "relman"))
FIXTURES = os.path.join(ROOT, "core", "tests", "fixtures", "ics")
FIXTURE = os.path.join(FIXTURES, "dst-schedule.json")
NIGHTS = os.path.join(FIXTURES, "dst-nights.json")
NIGHTS_EXPECTED = os.path.join(FIXTURES, "dst-nights.expected.json")
NODE_SCRIPT = os.path.join(ROOT, "bindings", "cli", "tests", "ics", "instants.mjs")

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


def secs(d):
    return int(d.astimezone(timezone.utc).timestamp())


def stamp(s):
    return datetime.fromtimestamp(s, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def run(fixture, now, days, *extra):
    out = subprocess.run(
        [BIN, "--now", now, "calendar", fixture, "--horizon-days", str(days), *extra],
        check=True,
        capture_output=True,
    )
    return out.stdout


# ---- 1. dst-schedule.json ---------------------------------------------

fixture = json.load(open(FIXTURE, encoding="utf-8"))
expected_uids = [
    "release-REL-1@relman.invalid",
    "release-REL-2@relman.invalid",
    # Both Saturdays (24 and 31 Oct) in one RRULE series.
    "blackout-BO-WEEKEND-series@relman.invalid",
]
expected_times = {
    "release-REL-1@relman.invalid": [(utc("2026-10-24T22:00:00+02:00"), utc("2026-10-25T01:00:00+02:00"))],
    "release-REL-2@relman.invalid": [(utc("2026-10-25T01:30:00+02:00"), utc("2026-10-25T02:30:00+01:00"))],
    # 02:30 local on the Saturday before the switch is CEST, after it CET.
    "blackout-BO-WEEKEND-series@relman.invalid": [
        (utc("2026-10-24T00:30:00Z"), utc("2026-10-24T02:30:00Z")),
        (utc("2026-10-31T01:30:00Z"), utc("2026-10-31T03:30:00Z")),
    ],
}

for label, extra in [("utc", []), ("tzid", ["--time-zone", "Europe/Amsterdam"])]:
    raw = run(FIXTURE, "2026-10-20T08:00:00Z", 14, *extra)
    lines = raw.split(b"\r\n")
    check(f"{label}: CRLF only", b"\n" not in raw.replace(b"\r\n", b""))
    check(f"{label}: lines <= 75 octets", all(len(l) <= 75 for l in lines), max(len(l) for l in lines))
    cal = icalendar.Calendar.from_ical(raw)
    events = [c for c in cal.walk("VEVENT")]
    check(f"{label}: event count", len(events) == 3, len(events))
    uids = [str(e["UID"]) for e in events]
    check(f"{label}: UIDs", uids == expected_uids, uids)
    for e in events:
        check(f"{label}: {e['UID']} DTSTAMP", e.decoded("DTSTAMP") == utc("2026-10-20T08:00:00Z"))
    occurrences = {}
    for o in recurring_ical_events.of(cal).between(utc("2026-10-20T00:00:00Z"), utc("2026-11-20T00:00:00Z")):
        occurrences.setdefault(str(o["UID"]), []).append(
            (o.decoded("DTSTART").astimezone(timezone.utc), o.decoded("DTEND").astimezone(timezone.utc))
        )
    for uid, want in expected_times.items():
        got = sorted(occurrences.get(uid, []))
        check(f"{label}: {uid} start/end", got == want, got)
    rel2 = next(e for e in events if str(e["UID"]) == "release-REL-2@relman.invalid")
    description = str(rel2["DESCRIPTION"])
    check(f"{label}: long description folded", any(l.startswith(b" ") for l in lines))
    check(
        f"{label}: description unfolds to the original",
        description.startswith("Release REL-2 (patch), state deployment.\n\n" + fixture["releases"][1]["scope"]),
        description[:200],
    )
    if label == "tzid":
        zones = [str(z["TZID"]) for z in cal.walk("VTIMEZONE")]
        check("tzid: VTIMEZONE present", zones == ["Europe/Amsterdam"], zones)
        rel1 = next(e for e in events if str(e["UID"]) == "release-REL-1@relman.invalid")
        start = rel1.decoded("DTSTART")
        check("tzid: DTSTART carries the zone", "Amsterdam" in str(getattr(start.tzinfo, "key", start.tzinfo)), start.tzinfo)

# ---- 2. dst-nights.json: four parsers, relman's own expansion -----------

# One-off and lone occurrences: `<kind>-<id>-<start>@`; series:
# `<kind>-<id>-series@` or `<kind>-<id>-series-<split before it>@`.
UID = re.compile(r"^(release|change)-(.+)@|^(blackout|maintenance)-(.+?)(?:-series(?:-\d{8}T\d{6}Z)?|-\d{8}T\d{6}Z)@")


def source(uid):
    """`blackout-<id>` for every UID relman writes for blackout <id>."""
    m = UID.match(uid)
    if not m:
        return uid
    return f"{m.group(1)}-{m.group(2)}" if m.group(1) else f"{m.group(3)}-{m.group(4)}"


def show(rows):
    return [(r[0], stamp(r[1]), stamp(r[2])) for r in rows[:6]]


def differ(a, b):
    """The first rows on which two sorted lists differ (as multisets), readable."""
    ca, cb = Counter(a), Counter(b)
    return {
        "only in first": show(sorted((ca - cb).elements())),
        "only in second": show(sorted((cb - ca).elements())),
    }


expected = json.load(open(NIGHTS_EXPECTED, encoding="utf-8"))
now, days = expected["now"], expected["horizon_days"]
h_from = utc(now)
h_to = h_from + timedelta(days=days)
want = sorted((i["source"], i["start"], i["end"]) for i in expected["intervals"])
check("nights: relman's expansion is not empty", len(want) > 300, len(want))

with tempfile.TemporaryDirectory() as tmp:
    for zone in [None, "Europe/Berlin", "America/New_York"]:
        label = f"nights {zone or 'UTC'}"
        extra = ["--maintenance-windows"] + (["--time-zone", zone] if zone else [])
        raw = run(NIGHTS, now, days, *extra)
        check(f"{label}: same bytes twice", raw == run(NIGHTS, now, days, *extra))
        check(f"{label}: lines <= 75 octets", all(len(l) <= 75 for l in raw.split(b"\r\n")))
        path = os.path.join(tmp, f"nights-{zone or 'UTC'}.ics".replace("/", "-"))
        with open(path, "wb") as f:
            f.write(raw)
        cal = icalendar.Calendar.from_ical(raw)

        # Every VEVENT as written: Python icalendar.
        comps = []
        for e in cal.walk("VEVENT"):
            start = e.decoded("DTSTART")
            end = e.decoded("DTEND") if "DTEND" in e else start + e.decoded("DURATION")
            comps.append((str(e["UID"]), secs(start), secs(end)))
        comps.sort()
        check(f"{label}: no series is expanded occurrence by occurrence", len(comps) * 5 < len(want), len(comps))
        check(f"{label}: RRULE series with EXDATE", raw.count(b"\r\nRRULE:") >= 10 and b"\r\nEXDATE;TZID=" in raw)

        # Expanded: recurring-ical-events.
        rie = sorted(
            (source(str(o["UID"])), secs(o.decoded("DTSTART")), secs(o.decoded("DTEND")))
            for o in recurring_ical_events.of(cal).between(h_from, h_to)
        )

        node = subprocess.run(
            ["node", NODE_SCRIPT, path, str(secs(h_from)), str(secs(h_to))],
            check=True,
            capture_output=True,
            text=True,
        )
        js = json.loads(node.stdout)
        for parser in ["node-ical", "ical.js"]:
            got = sorted((c["uid"], c["start"], c["end"]) for c in js[parser]["components"])
            check(f"{label}: {parser} reads every VEVENT as icalendar does", got == comps, differ(got, comps))
        check(f"{label}: recurring-ical-events expands to relman's occurrences", rie == want, differ(rie, want))
        for parser in ["node-ical", "ical.js"]:
            got = sorted((source(c["uid"]), c["start"], c["end"]) for c in js[parser]["occurrences"])
            check(f"{label}: {parser} expands to relman's occurrences", got == want, differ(got, want))

print(f"ics: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
