"""The types hold: mypy --strict on the examples and the typed usage test,
a wrong call fails mypy, stubtest finds no mismatch; the examples run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from conftest import EXAMPLES, PACKAGE, ROOT

TESTS = Path(__file__).resolve().parent


def run(args: List[str], cwd: Path = TESTS) -> "subprocess.CompletedProcess[str]":
    env = dict(os.environ, MYPYPATH=str(TESTS))
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env)


def mypy(*paths: str, cwd: Path = TESTS) -> "subprocess.CompletedProcess[str]":
    return run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir=/dev/null", *paths], cwd=cwd)


def test_mypy_strict_passes_on_examples_and_typed_usage() -> None:
    result = mypy(
        str(EXAMPLES / "python" / "servicenow_sync.py"),
        str(EXAMPLES / "python" / "kpi_report.py"),
        str(TESTS / "test_typed_usage.py"),
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "snippet, message",
    [
        ('relman.assess_risk(42)', 'incompatible type "int"'),
        ('relman.check({"id": "R"}, "nowhere")', 'incompatible type "Literal[\'nowhere\']"'),
        ('relman.judge_canary({}, {}, confg={})', 'Unexpected keyword argument "confg"'),
        ('relman.suggest_slots({}, "R", 60, "2026-01-01T00:00:00Z", 60)', 'Missing positional argument "count"'),
        ('x: int = relman.assess_risk("{}")["score"]', 'Incompatible types in assignment'),
        # An amendment sets sealed fields only; an import names its source.
        ('relman.apply("{}", {"command": "amend", "actor": "a", "at": "2026-01-01T00:00:00Z", "reason": "r", "set": {"title": "T"}})',
         'Argument 2 to "apply" has incompatible type'),
        ('relman.apply("{}", {"command": "import", "actor": "a", "at": "2026-01-01T00:00:00Z", "adopt": True})',
         'Argument 2 to "apply" has incompatible type'),
    ],
)
def test_a_wrong_call_fails_mypy(tmp_path: Path, snippet: str, message: str) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(f"import relman\n{snippet}\n")
    result = mypy(str(bad), cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    assert message in result.stdout, result.stdout


def test_stubtest_finds_no_mismatch(tmp_path: Path) -> None:
    result = run(
        [sys.executable, "-m", "mypy.stubtest", "relman", "--allowlist", str(PACKAGE / "stubtest-allowlist.txt")],
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_servicenow_sync_prints_one_patch_per_record() -> None:
    result = run([sys.executable, str(EXAMPLES / "python" / "servicenow_sync.py")], cwd=ROOT)
    assert result.returncode == 0, result.stderr
    patches = [json.loads(line) for line in result.stdout.splitlines()]
    assert patches, result.stderr
    tables = {p["table"] for p in patches}
    assert tables == {"rm_release", "change_request"}
    assert all(p["sys_id"] and p["fields"] for p in patches)
    risk_notes = [p for p in patches if "work_notes" in p["fields"] and p["table"] == "rm_release"]
    assert risk_notes and risk_notes[0]["fields"]["work_notes"].startswith("[relman] Risk")
    assert "patches; risk:" in result.stderr


def test_servicenow_sync_names_a_bad_record(tmp_path: Path) -> None:
    src = ROOT / "core" / "tests" / "fixtures" / "servicenow" / "change_request.json"
    records = json.loads(src.read_text())
    records["result"][0]["start_date"] = "next tuesday"
    (tmp_path / "change_request.json").write_text(json.dumps(records))
    result = run([sys.executable, str(EXAMPLES / "python" / "servicenow_sync.py"), str(tmp_path)], cwd=ROOT)
    assert result.returncode == 2
    assert "bad ServiceNow record at change_requests" in result.stderr, result.stderr


def test_kpi_report_prints_a_table() -> None:
    result = run([sys.executable, str(EXAMPLES / "python" / "kpi_report.py"), "--group-by", "service"], cwd=ROOT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("KPIs of history.json")
    assert any(line.startswith("dora.deployment_frequency.per_week") for line in lines)
    assert any(line.startswith("dora.change_failure_rate.rate.value") for line in lines)
