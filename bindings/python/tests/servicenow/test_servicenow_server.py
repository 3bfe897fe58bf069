"""Self-tests of the Table API server, over HTTPS with plain requests, so the
emulator the pysnc tests rely on cannot drift silently: auth, paging
headers, query operators, value modes, journal writes."""

from __future__ import annotations

import re
from typing import Any, Dict, List

import pytest
import requests

from snow_harness import PASSWORD, USER, Snow, https, snow  # noqa: F401 - snow is a fixture
from snow_seed import CHANGE_COUNT
from snow_server import parse_query

TABLE = "/api/now/table/change_request"


def get(s: Snow, path: str, **params: Any) -> requests.Response:
    return https(s.server).get(s.server.url + path, params=params, auth=(USER, PASSWORD))


def links(response: requests.Response) -> Dict[str, int]:
    """rel -> sysparm_offset of each Link."""
    out = {}
    for url, rel in re.findall(r'<([^>]*)>;rel="(\w+)"', response.headers["Link"]):
        out[rel] = int(re.search(r"sysparm_offset=(\d+)", url).group(1))  # type: ignore[union-attr]
    return out


def test_no_or_wrong_credentials_are_refused(snow: Snow) -> None:
    session = https(snow.server)
    anonymous = session.get(snow.server.url + TABLE)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["message"] == "User Not Authenticated"
    wrong = session.get(snow.server.url + TABLE, auth=(USER, "nope"))
    assert wrong.status_code == 401
    assert get(snow, TABLE, sysparm_limit=1).status_code == 200


def test_the_self_signed_certificate_is_not_trusted_by_default(snow: Snow) -> None:
    with pytest.raises(requests.exceptions.SSLError):
        requests.Session().get(snow.server.url + TABLE, verify=True, auth=(USER, PASSWORD))


def test_paging_headers(snow: Snow) -> None:
    first = get(snow, TABLE, sysparm_limit=100)
    assert first.headers["X-Total-Count"] == str(CHANGE_COUNT)
    assert len(first.json()["result"]) == 100
    assert links(first) == {"first": 0, "next": 100, "last": 200}
    middle = get(snow, TABLE, sysparm_limit=100, sysparm_offset=100)
    assert links(middle) == {"first": 0, "prev": 0, "next": 200, "last": 200}
    last = get(snow, TABLE, sysparm_limit=100, sysparm_offset=200)
    assert links(last) == {"first": 0, "prev": 100, "last": 200}
    assert len(last.json()["result"]) == CHANGE_COUNT - 200
    # Following rel=next from the first page reads every record once.
    seen: List[str] = []
    url = snow.server.url + TABLE + "?sysparm_limit=100&sysparm_fields=sys_id"
    session = https(snow.server)
    while url:
        page = session.get(url, auth=(USER, PASSWORD))
        seen += [r["sys_id"] for r in page.json()["result"]]
        nxt = re.search(r'<([^>]*)>;rel="next"', page.headers["Link"])
        url = nxt.group(1) if nxt else ""
    assert sorted(seen) == sorted(snow.server.tables["change_request"])
    # pysnc's flag drops Link but keeps the count it pages by.
    suppressed = get(snow, TABLE, sysparm_limit=100, sysparm_suppress_pagination_header="true")
    assert "Link" not in suppressed.headers
    assert suppressed.headers["X-Total-Count"] == str(CHANGE_COUNT)
    assert "X-Total-Count" not in get(snow, TABLE, sysparm_limit=1, sysparm_no_count="true").headers


ROWS = [
    {"sys_id": "a", "number": "CHG1", "state": "-2", "type": "normal", "parent": "r1", "u_x": ""},
    {"sys_id": "b", "number": "CHG2", "state": "-1", "type": "standard", "parent": "", "u_x": "v"},
    {"sys_id": "c", "number": "PRB3", "state": "3", "type": "emergency", "parent": "r1", "u_x": ""},
    {"sys_id": "d", "number": "CHG4", "state": "-2", "type": "emergency", "parent": "r2", "u_x": ""},
]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("state=-2", "ad"),
        ("state!=-2", "bc"),
        ("stateIN-1,3", "bc"),
        ("stateNOT IN-1,3", "ad"),
        ("numberSTARTSWITHCHG", "abd"),
        ("numberENDSWITH4", "d"),
        ("numberLIKEhg", "abd"),
        ("state=-2^type=normal", "a"),
        ("type=normal^ORtype=standard", "ab"),
        # OR binds to the condition before it, AND joins the groups.
        ("numberSTARTSWITHCHG^type=emergency^ORtype=standard", "bd"),
        ("state=3^NQtype=standard", "bc"),
        ("parentISEMPTY", "b"),
        ("parentISNOTEMPTY^u_xISEMPTY", "acd"),
        ("state>-2", "bc"),
        ("", "abcd"),
    ],
)
def test_query_operators(query: str, expected: str) -> None:
    predicate, _ = parse_query(query)
    assert "".join(r["sys_id"] for r in ROWS if predicate(r)) == expected


def test_order_by(snow: Snow) -> None:
    rows = get(snow, TABLE, sysparm_query="ORDERBYDESCnumber", sysparm_fields="number", sysparm_limit=5).json()
    numbers = [r["number"] for r in rows["result"]]
    assert numbers == sorted((r["number"] for r in snow.server.tables["change_request"].values()), reverse=True)[:5]
    _, order = parse_query("state=-2^ORDERBYtype^ORDERBYDESCnumber")
    assert order == [("type", False), ("number", True)]


@pytest.mark.parametrize("query", ["stateBETWEEN1@2", "State=1", "^ORstate=1"])
def test_an_unknown_query_is_refused_not_ignored(snow: Snow, query: str) -> None:
    response = get(snow, TABLE, sysparm_query=query)
    assert response.status_code == 400, response.text


def test_an_unknown_parameter_is_refused(snow: Snow) -> None:
    assert get(snow, TABLE, sysparm_bogus="1").status_code == 400


def test_value_modes(snow: Snow) -> None:
    record = next(r for r in snow.server.tables["change_request"].values() if r["parent"])
    path = f"{TABLE}/{record['sys_id']}"
    ci = snow.server.tables["cmdb_ci"][record["cmdb_ci"]]
    plain = get(snow, path).json()["result"]
    assert plain["cmdb_ci"] == {"link": f"{snow.server.url}/api/now/table/cmdb_ci/{ci['sys_id']}",
                                "value": ci["sys_id"]}
    assert plain["state"] == record["state"]
    assert plain["start_date"] == record["start_date"]
    excluded = get(snow, path, sysparm_exclude_reference_link="true").json()["result"]
    assert excluded["cmdb_ci"] == ci["sys_id"]
    shown = get(snow, path, sysparm_display_value="true", sysparm_exclude_reference_link="true").json()["result"]
    assert shown["cmdb_ci"] == ci["name"]
    assert shown["state"] == {"-5": "New", "-4": "Assess", "-3": "Authorize", "-2": "Scheduled",
                              "-1": "Implement"}[record["state"]]
    # Display dates are in the user's zone: Los Angeles is UTC-8 in December.
    assert record["start_date"].startswith("2026-12-")
    assert shown["start_date"] != record["start_date"]
    hours = int(record["start_date"][11:13])
    assert int(shown["start_date"][11:13]) == (hours - 8) % 24
    both = get(snow, path, sysparm_display_value="all").json()["result"]
    assert both["cmdb_ci"] == {"display_value": ci["name"], "value": ci["sys_id"], "link": plain["cmdb_ci"]["link"]}
    assert both["number"] == {"display_value": record["number"], "value": record["number"]}
    limited = get(snow, path, sysparm_fields="number,no_such_field").json()["result"]
    assert limited == {"number": record["number"]}


def test_journal_fields_append_and_read_back_empty_in_value_mode(snow: Snow) -> None:
    # The first change request has a seeded work note, which stays.
    sys_id = next(r["sys_id"] for r in snow.server.tables["change_request"].values() if r["number"] == "CHG0030001")
    session = https(snow.server)
    url = f"{snow.server.url}{TABLE}/{sys_id}"
    for note in ("first", "second"):
        r = session.patch(url, json={"work_notes": note, "no_such_field": "x"}, auth=(USER, PASSWORD))
        assert r.status_code == 200
    assert snow.server.journal_of("change_request", sys_id, "work_notes") == ["Seeded note on CHG0030001", "first", "second"]
    assert "no_such_field" not in snow.server.tables["change_request"][sys_id]
    record = get(snow, f"{TABLE}/{sys_id}", sysparm_display_value="all").json()["result"]
    assert record["work_notes"]["value"] == ""
    shown = record["work_notes"]["display_value"]
    assert shown.index("second") < shown.index("first")  # newest first


def test_post_get_delete(snow: Snow) -> None:
    session = https(snow.server)
    created = session.post(snow.server.url + TABLE, json={"short_description": "new", "comments": "hi"},
                           auth=(USER, PASSWORD))
    assert created.status_code == 201
    sys_id = created.json()["result"]["sys_id"]
    stored = snow.server.tables["change_request"][sys_id]
    assert stored["short_description"] == "new"
    assert stored["number"].startswith("CHG")
    assert snow.server.journal_of("change_request", sys_id, "comments") == ["hi"]
    deleted = session.delete(f"{snow.server.url}{TABLE}/{sys_id}", auth=(USER, PASSWORD))
    assert deleted.status_code == 204
    missing = get(snow, f"{TABLE}/{sys_id}")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "No Record found"
