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
        # pysnc is installed beside it (the ServiceNow real-client tests).
        str(EXAMPLES / "python" / "servicenow_pysnc.py"),
        str(EXAMPLES / "python" / "kpi_report.py"),
        # Not spark_kpis.py: pyspark is installed only in scripts/test-spark's
        # environment, where tests/spark runs mypy --strict on it.
        str(TESTS / "test_typed_usage.py"),
        str(TESTS / "typing_consumer.py"),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_typing_consumer_runs() -> None:
    """The consumer mypy checks also works: plain rows in, warnings out."""
    result = run([sys.executable, str(TESTS / "typing_consumer.py")], cwd=ROOT)
    assert result.returncode == 0, result.stderr


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
        # Arrow input: an object with __arrow_c_stream__, not rows.
        ('relman.compute_kpis_arrow([{"id": "D1"}])', 'incompatible type "list[dict[str, str]]"'),
        ('relman.KpiAccumulator().update(incidents=42)', 'incompatible type "int"'),
        ('x: int = relman.compute_kpis_arrow(None)["records"]', 'Incompatible types in assignment'),
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
    # A dated header line (`now`, in UTC), then the risk.
    assert risk_notes and risk_notes[0]["fields"]["work_notes"].startswith("[relman] 2026-11-29 10:00:00 UTC\n[relman] Risk")
    assert "patches; risk:" in result.stderr
    # The directory, approval records and import commands are counted.
    assert "5 tables; 0 actors; 3 approvals (2 decided); 1 import commands" in result.stderr, result.stderr


def test_servicenow_sync_names_a_bad_record(tmp_path: Path) -> None:
    src = ROOT / "core" / "tests" / "fixtures" / "servicenow" / "change_request.json"
    records = json.loads(src.read_text())
    records["result"][0]["start_date"] = "next tuesday"
    (tmp_path / "change_request.json").write_text(json.dumps(records))
    result = run([sys.executable, str(EXAMPLES / "python" / "servicenow_sync.py"), str(tmp_path)], cwd=ROOT)
    assert result.returncode == 2
    assert "bad ServiceNow record at tables.change_request.result[0].start_date" in result.stderr, result.stderr


def test_kpi_report_prints_a_table() -> None:
    result = run([sys.executable, str(EXAMPLES / "python" / "kpi_report.py"), "--group-by", "service"], cwd=ROOT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("KPIs of history.json")
    assert any(line.startswith("dora.deployment_frequency.per_week") for line in lines)
    assert any(line.startswith("dora.change_failure_rate.rate.value") for line in lines)


# RiskAssessment is also a parameter (export_servicenow(risk=...)), but one
# that takes what assess_risk returned: a result handed back.
@pytest.mark.parametrize(
    "name", ["ServiceNowImport", "RiskBatch", "FittedRiskModel", "LogVerdict", "ReleaseNotes", "RiskAssessment"]
)
def test_always_present_outputs_are_required_keys(name: str) -> None:
    """A result's `warnings` (serde always writes it) is a required key."""
    import relman.types

    cls = getattr(relman.types, name)
    assert "warnings" in cls.__required_keys__, sorted(cls.__optional_keys__)


def test_input_documents_keep_defaulted_keys_optional() -> None:
    """A caller writes inputs: a defaulted key stays optional there, even
    when the same type also appears in a result."""
    import relman.types

    assert "config" in relman.types.CanaryComparison.__optional_keys__
    assert "state" in relman.types.RolloutReplay.__optional_keys__
    # Both keys have a schema default (the rule that makes result keys required).
    assert "default" in relman.schema("canary_comparison")["properties"]["config"]
    assert "default" in relman.schema("rollout_replay")["properties"]["state"]


def test_mypy_accepts_plain_rows_as_table_response(tmp_path: Path) -> None:
    """list[dict[str, Any]] rows (what json.load gives) type-check; a
    non-string key does not."""
    good = tmp_path / "good.py"
    good.write_text(
        "from typing import Any, Dict, List, Mapping, Sequence\nimport relman\n"
        "rows: List[Dict[str, Any]] = []\n"
        "relman.import_servicenow({'change_request': {'result': rows}})\n"
        "seq: Sequence[Mapping[str, object]] = rows\n"
        "relman.import_servicenow({'change_request': {'result': seq}, 'cmdb_ci': []}, {'display_value': 'all'})\n"
    )
    assert mypy(str(good), cwd=tmp_path).returncode == 0, mypy(str(good), cwd=tmp_path).stdout
    bad = tmp_path / "bad.py"
    bad.write_text("import relman\nrelman.import_servicenow({1: []})\n")
    result = mypy(str(bad), cwd=tmp_path)
    assert result.returncode == 1 and "Dict entry 0 has incompatible type" in result.stdout, result.stdout


def test_mypy_accepts_arrow_objects(tmp_path: Path) -> None:
    """Anything with __arrow_c_stream__ (a polars DataFrame, a class of
    one's own) type-checks as a table of compute_kpis_arrow and
    KpiAccumulator; the report is a KpiReport."""
    good = tmp_path / "good.py"
    good.write_text(
        "import polars as pl\nimport relman\nfrom relman.types import KpiReport\n"
        "class Mine:\n"
        "    def __arrow_c_stream__(self, requested_schema: object = None) -> object:\n"
        "        return pl.DataFrame().__arrow_c_stream__()\n"
        "frame = pl.DataFrame({'id': ['D1']})\n"
        "report: KpiReport = relman.compute_kpis_arrow(frame, Mine(), None, options={'group_by': 'service'})\n"
        "acc = relman.KpiAccumulator({'group_by': 'team'}, policy=None)\n"
        "acc.update(deployments=frame, releases=Mine())\n"
        "acc.merge(relman.KpiAccumulator())\n"
        "total: int = acc.finish()['records']['deployments_read']\n"
    )
    result = mypy(str(good), cwd=tmp_path)
    assert result.returncode == 0, result.stdout
