"""Calls every relman function with typed arguments.

Checked by ``mypy --strict`` (tests/test_tooling.py) as well as run by
pytest: the stub must accept every documented way of calling.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import List

import relman
from relman.types import (
    Amendment,
    Command,
    Context,
    Difference,
    DifferenceKind,
    IcsOptions,
    KpiOptions,
    Release,
    RiskAssessment,
    RolloutInput,
    Schedule,
    TestRun as RunDoc,
)
from conftest import EXAMPLES, VECTORS, load

UTC = dt.timezone.utc


def test_every_function_type_checks_and_runs() -> None:
    release: Release = load(EXAMPLES / "data" / "release-major.json")
    context: Context = load(EXAMPLES / "data" / "context.json")
    schedule: Schedule = load(EXAMPLES / "data" / "schedule.json")
    history_text = (EXAMPLES / "data" / "history.json").read_text()

    report = relman.validate("release", document=release)
    assert report["schema_version"] >= 1
    assert relman.validate("release", text=json.dumps(release))["warnings"] is not None

    gate = relman.check(release, "development", context)
    allowed: bool = gate["allowed"]
    assert allowed in (True, False)

    command: Command = {"command": "advance", "actor": "anna.jansen", "at": "2026-11-16T09:15:00+01:00"}
    applied = relman.apply(release, command, context)
    assert applied["release"]["state"] == "development"

    assert relman.verify_log(applied["release"], expected_head=None)["valid"]

    # The record: amend a sealed field, import runs from another system.
    amendment: Amendment = {"scope": "Checkout 5.0 without the wallet", "knowledge_articles": ["KB0012"]}
    amend: Command = {
        "command": "amend",
        "actor": "anna.jansen",
        "at": "2026-11-16T09:20:00+01:00",
        "reason": "the wallet moves to 5.1",
        "set": amendment,
    }
    amended = relman.apply(applied["release"], amend, context)
    assert amended["release"]["scope"] == amendment["scope"]
    run: RunDoc = {"kind": "unit", "passed": 2400, "failed": 0}
    import_runs: Command = {
        "command": "import",
        "actor": "anna.jansen",
        "at": "2026-11-16T09:25:00+01:00",
        "source": "jenkins:checkout",
        "records": ["build-812"],
        "tests": [run],
    }
    with_runs = relman.apply(amended["release"], import_runs, context)["release"]
    assert with_runs["tests"][-1].get("source") == "jenkins:checkout"
    forged = copy.deepcopy(with_runs)
    forged["scope"] = "Checkout 5.0"
    log_verdict = relman.verify_log(forged)
    differences: List[Difference] = log_verdict.get("differences", [])
    kinds: List[DifferenceKind] = [d["kind"] for d in differences]
    assert kinds == ["edited"] and differences[0]["path"] == "scope"
    tamper = log_verdict.get("tamper")
    assert tamper is not None and tamper["kind"] == "diverged"

    risk: RiskAssessment = relman.assess_risk(release, context)
    score: float = risk["score"]
    assert 0 <= score <= 100

    batch = relman.assess_risk_many([release, release], context)
    assert len(batch["assessments"]) == 2 and batch["errors"] == []

    fit_vectors = [load(p) for p in sorted((VECTORS / "fit_risk_model").glob("*.json"))]
    fit_input = next(v["input"] for v in fit_vectors if "expected" in v)
    fitted = relman.fit_risk_model(fit_input["history"], fit_input.get("options"), fit_input.get("context"))
    assert fitted is not None

    conflicts = relman.detect_conflicts(schedule)
    blocking: int = conflicts["blocking"]
    assert blocking >= 0

    first = schedule["releases"][0]["id"] if schedule.get("releases") else "none"
    slots = relman.suggest_slots(schedule, first, 3600, dt.datetime(2026, 11, 1, 9, tzinfo=UTC), 30 * 86400, 3)
    assert slots["item"] == first

    order = relman.deployment_order([release])
    assert order["waves"]

    replay = load(EXAMPLES / "rollout" / "canary-good.json")
    step_input: RolloutInput = replay["inputs"][0]
    step = relman.rollout_step(replay["plan"], None, input=step_input, now="2026-11-20T22:00:00+01:00")
    assert step["decision"]

    judge = load(EXAMPLES / "rollout" / "judge-healthy.json")
    verdict = relman.judge_canary(judge["baseline"], judge["canary"], judge.get("config"))
    assert verdict["verdict"] in ("pass", "marginal", "fail")

    options: KpiOptions = {"series": "month"}
    kpis = relman.compute_kpis(history_text, options)
    assert kpis["period"]["days"] > 0

    notes = relman.release_notes(release, "html")
    text: str = notes["text"]
    assert text

    ics_options: IcsOptions = {"now": "2026-11-01T00:00:00Z"}
    ics = relman.calendar_ics(schedule, ics_options)
    assert ics["ics"].startswith("BEGIN:VCALENDAR")

    sn = EXAMPLES.parent / "core" / "tests" / "fixtures" / "servicenow"
    tables = {name: json.loads((sn / f"{name}.json").read_text()) for name in ("change_request", "rm_release", "sysapproval_approver")}
    imported = relman.import_servicenow(tables)
    # Every approval record, typed; people as sys_ids (no sys_user table given).
    assert [a["approver"] for a in imported["approvals"]] == ["u9", "u8", "u7"]
    risks: List[RiskAssessment] = []
    patches = relman.export_servicenow(imported["schedule"], risks, None, None, now=dt.datetime(2026, 11, 29, tzinfo=UTC))
    assert isinstance(patches["patches"], list)

    schema = relman.schema("kpi_report")
    assert schema["title"] == "KpiReport"
