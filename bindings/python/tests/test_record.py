"""The record from Python: amend and import through ``relman.apply``, the
differences of ``verify_log``, ``LogTampered`` on a forged vote, and the
identity and approver-deployer refusals (docs/lifecycle.md, "The record").

Each scenario is built here by applying commands, so it does not depend on
the conformance vectors (which test_conformance.py runs)."""

from __future__ import annotations

import copy
import json
import pathlib
from typing import Any, Dict, List

import pytest

import relman

MINOR_IN_PLANNING = (
    pathlib.Path(__file__).resolve().parents[3] / "core" / "tests" / "fixtures" / "records" / "minor-in-planning.json"
)

# The directory of the record tests (shared with the CLI's record tests).
CONTEXT: Dict[str, Any] = json.loads((MINOR_IN_PLANNING.parent / "context.json").read_text())


def planning() -> Dict[str, Any]:
    """A minor release in planning whose gates are met up to approval (the
    fixture the CLI's record tests share)."""
    release: Dict[str, Any] = json.loads(MINOR_IN_PLANNING.read_text())
    release["id"] = "REL-PY-1"
    return release


def command(release: Dict[str, Any], actor: str, name: str, **params: Any) -> Dict[str, Any]:
    """A command issued one minute after the release's last event."""
    minute = len(release.get("log", [])) + 1
    return {"command": name, "actor": actor, "at": f"2026-03-01T10:{minute:02d}:00Z", **params}


def run(release: Dict[str, Any], actor: str, name: str, **params: Any) -> Dict[str, Any]:
    applied = relman.apply(release, command(release, actor, name, **params), CONTEXT)
    new: Dict[str, Any] = applied["release"]
    return new


def in_approval() -> Dict[str, Any]:
    r = planning()
    for _ in range(3):
        r = run(r, "rita", "advance")
    assert r["state"] == "approval"
    return r


def approved_by_mia() -> Dict[str, Any]:
    return run(in_approval(), "mia", "approve", role="cab")


# -- amend -------------------------------------------------------------------


def test_amend_changes_a_sealed_field_and_logs_it() -> None:
    r = run(planning(), "rita", "advance")
    assert r["state"] == "development"
    applied = relman.apply(
        r,
        command(r, "rita", "amend", reason="typo tolerance joins the release", set={"scope": "Suggestions and typo tolerance", "services": ["search"]}),
        CONTEXT,
    )
    new = applied["release"]
    assert new["state"] == "development"
    assert new["scope"] == "Suggestions and typo tolerance" and new["services"] == ["search"]
    event = applied["events"][0]
    assert event["command"] == "amend" and event["seq"] == 2
    assert event["details"]["reason"] == "typo tolerance joins the release"
    assert event["details"]["fields"] == ["scope", "services"]
    assert event["details"]["set"] == {"scope": "Suggestions and typo tolerance", "services": ["search"]}
    verdict = relman.verify_log(new)
    assert verdict["valid"] is True and "differences" not in verdict
    # The input release is never changed.
    assert r["scope"] == "Faster search suggestions"


def test_amend_in_approval_voids_the_round() -> None:
    r = approved_by_mia()
    new = run(r, "rita", "amend", reason="the window moved", set={"planned_start": "2026-03-11T22:00:00Z", "planned_end": "2026-03-11T23:00:00Z"})
    assert new["approval_round"] == 2
    assert new["log"][-1]["details"]["voided_round"] == 1
    quorum = next(q for q in relman.check(new, "deployment", CONTEXT)["requirements"] if q["rule"] == "approval.quorum")
    assert quorum["met"] is False


def test_amend_errors() -> None:
    r = run(planning(), "rita", "advance")
    with pytest.raises(relman.InvalidInput) as e:
        relman.apply(r, command(r, "rita", "amend", reason=" ", set={"scope": "x"}), CONTEXT)
    assert e.value.path == "reason"
    with pytest.raises(relman.InvalidInput) as e:
        relman.apply(r, command(r, "rita", "amend", reason="why", set={}), CONTEXT)
    assert e.value.path == "set"
    # Only the sealed fields can be set: the amendment denies unknown keys.
    with pytest.raises(relman.InvalidInput) as e:
        relman.apply(r, command(r, "rita", "amend", reason="why", set={"title": "New"}), CONTEXT)
    assert "unknown field `title`" in e.value.message
    with pytest.raises(relman.Forbidden) as f:
        relman.apply(r, command(r, "quinn", "amend", reason="why", set={"scope": "x"}), CONTEXT)
    assert f.value.rule == "roles.amend"


# -- import --------------------------------------------------------------------


def test_import_with_adopt_brings_a_release_past_planning_into_the_record() -> None:
    # A release that reaches relman in approval, with a vote cast elsewhere
    # and no log.
    release = dict(planning(), state="approval")
    release["approvals"] = [{"approver": "carol", "role": "cab", "decision": "approved", "at": "2026-03-01T08:00:00Z"}]
    # Without a log past planning the release is refused, except by an
    # adopting import.
    verdict = relman.verify_log(release)
    assert verdict["valid"] is False
    assert verdict["tamper"] is not None and verdict["tamper"]["kind"] == "empty_log"
    with pytest.raises(relman.LogTampered) as e:
        relman.apply(release, command(release, "rita", "advance"), CONTEXT)
    assert e.value.path == "log"

    imported = command(release, "rita", "import", source="servicenow:acme", records=["RLSE0010041"], adopt=True)
    applied = relman.apply(release, imported, CONTEXT)
    adopted = applied["release"]
    event = applied["events"][0]
    assert event["command"] == "import" and event["seq"] == 1
    assert event["details"]["source"] == "servicenow:acme"
    assert event["details"]["records"] == ["RLSE0010041"]
    assert "adopt" in event["details"] and "seal" in event["details"]
    assert [(a["approver"], a["source"]) for a in adopted["approvals"]] == [("carol", "servicenow:acme")]
    assert adopted["tests"] and all(t["source"] == "servicenow:acme" for t in adopted["tests"])
    assert relman.verify_log(adopted)["valid"] is True
    report = relman.check(adopted, "deployment", CONTEXT)
    record = report["requirements"][0]
    assert record["rule"] == "record.log" and record["met"] is True
    assert record["data"]["imports"] == [{"seq": 1, "source": "servicenow:acme", "records": ["RLSE0010041"], "adopt": True}]
    # The adopted vote counts: the release may go to deployment.
    assert report["allowed"] is True, [r for r in report["requirements"] if not r["met"]]


def test_imported_votes_count_and_carry_their_source() -> None:
    r = in_approval()
    vote = {"approver": "carol", "role": "cab", "decision": "approved", "at": "2026-03-01T10:03:30Z"}
    new = run(r, "rita", "import", source="servicenow:acme", records=["sysapproval-1"], approvals=[vote])
    assert new["approvals"][-1]["approver"] == "carol"
    assert new["approvals"][-1]["source"] == "servicenow:acme"
    assert relman.verify_log(new)["valid"] is True
    report = relman.check(new, "deployment", CONTEXT)
    quorum = next(q for q in report["requirements"] if q["rule"] == "approval.quorum")
    assert quorum["met"] is True
    # An imported vote is checked like a cast one: the owner may not approve.
    owner_vote = dict(vote, approver="rita")
    with pytest.raises(relman.Forbidden) as e:
        relman.apply(r, command(r, "rita", "import", source="servicenow:acme", approvals=[owner_vote]), CONTEXT)
    assert e.value.rule == "sod.owner_approval"
    # An import vouches for something.
    with pytest.raises(relman.InvalidInput) as i:
        relman.apply(r, command(r, "rita", "import", source="servicenow:acme"), CONTEXT)
    assert i.value.path == "approvals"


# -- forged votes -------------------------------------------------------------


def forged() -> Dict[str, Any]:
    """An approved release with a second vote written straight into the
    document."""
    r = copy.deepcopy(approved_by_mia())
    r["approvals"].append({"approver": "carol", "role": "cab", "decision": "approved", "at": "2026-03-01T10:05:00Z"})
    return r


def test_verify_log_lists_the_differences_of_a_forged_vote() -> None:
    verdict = relman.verify_log(forged())
    assert verdict["valid"] is False
    assert verdict["tamper"] is not None
    assert verdict["tamper"]["kind"] == "diverged" and verdict["tamper"]["path"] == "approvals[1]"
    differences: List[Any] = list(verdict.get("differences", []))
    assert [(d["kind"], d["path"]) for d in differences] == [("unlogged", "approvals[1]")]
    assert "seq" not in differences[0]  # no event cast it
    assert "carol" in differences[0]["message"]


def test_verify_log_names_the_event_behind_an_edited_vote() -> None:
    r = copy.deepcopy(approved_by_mia())
    r["approvals"][0]["decision"] = "rejected"
    verdict = relman.verify_log(r)
    differences = verdict.get("differences", [])
    assert differences and differences[0]["kind"] == "edited"
    assert differences[0]["path"].startswith("approvals[0]")
    assert differences[0].get("seq") == 4


def test_apply_on_a_forged_vote_is_log_tampered_at_the_vote() -> None:
    r = forged()
    with pytest.raises(relman.LogTampered) as e:
        relman.apply(r, command(r, "rita", "advance"), CONTEXT)
    err = e.value
    assert (err.code, err.path) == ("log_tampered", "approvals[1]")
    assert err.body["path"] == "approvals[1]"
    report = relman.check(r, "deployment", CONTEXT)
    first = report["requirements"][0]
    assert first["rule"] == "record.log" and first["met"] is False
    assert report["allowed"] is False


# -- identity and separation of duties ------------------------------------------


@pytest.mark.parametrize("actor", ["Carol", "carol ", "c\u0430rol", "ca\u200brol"])
def test_a_look_alike_actor_id_is_forbidden(actor: str) -> None:
    r = in_approval()
    with pytest.raises(relman.Forbidden) as e:
        relman.apply(r, command(r, actor, "approve", role="cab"), CONTEXT)
    assert (e.value.code, e.value.rule) == ("forbidden", "identity.confusable")
    assert "carol" in e.value.message


def test_an_approver_may_not_start_the_deployment() -> None:
    r = approved_by_mia()
    with pytest.raises(relman.Forbidden) as e:
        relman.apply(r, command(r, "mia", "start_deployment"), CONTEXT)
    assert e.value.rule == "sod.approver_deployment"
    # Another release manager may.
    assert run(r, "rita", "start_deployment")["state"] == "deployment"
    # The policy can relax it; the event records that it did.
    relaxed = dict(CONTEXT, policy={"lifecycle": {"separation_of_duties": {"forbid_approver_deployment": False}}})
    applied = relman.apply(r, command(r, "mia", "start_deployment"), relaxed)
    assert applied["events"][0]["details"]["sod_relaxed"] == ["separation_of_duties.forbid_approver_deployment"]
