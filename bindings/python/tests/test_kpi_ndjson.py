"""compute_kpis_ndjson from Python: text, bytes, a path and any iterable of
lines (streamed through the native reader) give the report of
compute_kpis over the same history; errors name the line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import relman

ROOT = Path(__file__).resolve().parents[3]
HISTORY = json.loads((ROOT / "core/tests/data/kpi-history.json").read_text())
OPTIONS = {"from": "2026-11-02T00:00:00Z", "to": "2026-11-23T00:00:00Z", "group_by": "service"}


def lines() -> list[str]:
    out = []
    for key, item in (("releases", "release"), ("incidents", "incident"), ("deployments", "deployment")):
        for record in reversed(HISTORY.get(key, [])):
            out.append(json.dumps({item: record}) + "\r\n")
            out.append("\n")
    return out


def test_every_form_of_input_gives_the_document_report(tmp_path: Path) -> None:
    want = relman.compute_kpis(HISTORY, OPTIONS)
    text = "".join(lines())
    path = tmp_path / "history.ndjson"
    path.write_text(text)
    assert relman.compute_kpis_ndjson(text, OPTIONS) == want
    assert relman.compute_kpis_ndjson(text.encode(), OPTIONS) == want
    assert relman.compute_kpis_ndjson(path, OPTIONS) == want
    assert relman.compute_kpis_ndjson(lines(), OPTIONS) == want
    assert relman.compute_kpis_ndjson((line.encode() for line in lines()), OPTIONS) == want
    with open(path, "rb") as f:
        assert relman.compute_kpis_ndjson(f, OPTIONS) == want
    with open(path, encoding="utf-8", newline="") as g:
        assert relman.compute_kpis_ndjson(g, options=OPTIONS) == want


def test_streamed_errors_name_the_line(tmp_path: Path) -> None:
    good = lines()[0]
    path = tmp_path / "bad.jsonl"
    path.write_text(good + "\n" + '{"change": {"id": "C"}}\n')
    for source in (path, path.read_bytes(), path.read_text(), path.read_text().splitlines()):
        with pytest.raises(relman.InvalidInput) as err:
            relman.compute_kpis_ndjson(source)
        assert err.value.path == "line 3: change"
        assert err.value.body["line"] == 3
    truncated = [good, good[:20]]
    with pytest.raises(relman.InvalidInput) as err:
        relman.compute_kpis_ndjson(iter(truncated))
    assert err.value.path == "line 2"
    assert "truncated" in err.value.message
    no_zone = '{"deployment": {"id": "d", "service": "s", "environment": "production", "finished_at": "2026-11-07T12:00:00", "outcome": "success"}}\n'
    with pytest.raises(relman.InvalidInput) as err:
        relman.compute_kpis_ndjson([no_zone.encode()])
    assert err.value.path == "line 1: deployment.finished_at"
    with pytest.raises(relman.InvalidInput) as err:
        relman.compute_kpis_ndjson([b"\xff\n"])
    assert err.value.path == "line 1"
    with pytest.raises(TypeError):
        relman.compute_kpis_ndjson([1, 2])
    with pytest.raises(relman.InvalidInput) as err:
        relman.compute_kpis_ndjson(42)
    assert err.value.path == "text"
    with pytest.raises(relman.InvalidInput) as err:
        relman.compute_kpis_ndjson([good], {"time_zone": "Mars/Base"})
    assert err.value.path == "options.time_zone"


def test_the_native_reader_is_spent_by_finish() -> None:
    reader = relman._relman.KpiNdjson()
    reader.feed(lines()[:2])
    reader.feed(lines()[2:])
    report = reader.finish()
    assert report["records"]["deployments_read"] == len(HISTORY["deployments"])
    with pytest.raises(relman.InvalidInput):
        reader.finish()
