"""Python binding bench (run by hand, not by the tests).

1. ``assess_risk_many`` over N release dicts (default 100 000) against
   ``json.loads`` of the same payload as JSON text, measured in the same run:
   the ratio is the cost of scoring N releases from Python relative to just
   parsing them. The batch time includes the conversion of every dict to
   relman's JSON values, the parse and checks of every release, the scoring,
   and the conversion of every assessment back to Python dicts.
2. Per-call overhead of ``assess_risk`` on one small release, against a
   no-op native call (``relman._relman._noop``) with the same dict and
   against ``json.loads`` of the release's text.

Use a release-profile wheel:

    CARGO_TARGET_DIR=target target/py-venv/bin/maturin build --release \\
        --manifest-path bindings/python/Cargo.toml --out target/py-wheels-release
    python3 -m venv target/py-bench-venv
    target/py-bench-venv/bin/pip install target/py-wheels-release/relman-*.whl
    nice -n 10 target/py-bench-venv/bin/python benches/python_bench.py [N]

Timings are the best of several repeats, wall clock (time.perf_counter) and
CPU time of the process (time.process_time; the calls are single-threaded),
to damp the noise of the shared machine.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from typing import Any, Callable, Dict, List

import relman
from relman import _relman

KINDS = ["minor", "patch", "major", "emergency"]


def release(i: int) -> Dict[str, Any]:
    """A small but realistic release: changes, tests, a window, a plan."""
    return {
        "id": f"REL-{i:06d}",
        "title": f"Release {i}",
        "kind": KINDS[i % len(KINDS)],
        "state": "testing",
        "owner": "anna.jansen",
        "planned_start": "2026-11-20T21:00:00+01:00",
        "planned_end": "2026-11-20T23:00:00+01:00",
        "services": ["checkout"],
        "environments": ["staging", "production"],
        "changes": [
            {"id": f"CHG-{i}-1", "kind": "normal", "summary": "API change", "affected_cis": ["app-1"]},
            {"id": f"CHG-{i}-2", "kind": "standard", "summary": "Config", "affected_cis": ["db-1"]},
        ],
        "tests": [
            {"kind": "unit", "passed": 1200, "failed": i % 3},
            {"kind": "integration", "passed": 80, "failed": 0},
        ],
        "rollback_plan": {"documented": True, "tested": i % 2 == 0, "estimated_secs": 900},
        "deployment": {"strategy": "canary", "steps": [{"set_weight": 10}, {"set_weight": 100}]},
    }


class Timing:
    """The best wall-clock and the best CPU time (time.process_time) of
    several repeats. On a shared, overloaded machine the CPU time is the
    steadier measure of the work done; both are reported."""

    def __init__(self, wall: float, cpu: float) -> None:
        self.wall = wall
        self.cpu = cpu


def best(f: Callable[[], object], repeat: int) -> Timing:
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        f()
        cpus.append(time.process_time() - c)
        walls.append(time.perf_counter() - w)
    return Timing(min(walls), min(cpus))


def per_call(f: Callable[[], object], n: int, repeat: int = 5) -> Timing:
    def loop() -> None:
        for _ in range(n):
            f()

    t = best(loop, repeat)
    return Timing(t.wall / n, t.cpu / n)


def main(argv: List[str]) -> None:
    n = int(argv[0]) if argv else 100_000
    releases = [release(i) for i in range(n)]
    payload = json.dumps(releases)
    # Check the batch is all successes (a failing release would be cheaper).
    check = relman.assess_risk_many(releases[:100])
    assert not check["errors"], check["errors"][:1]

    print(f"python {platform.python_version()}, relman {relman.__version__}, {platform.machine()}")
    print(f"payload: {n} releases, {len(payload) / 1e6:.1f} MB of JSON")
    params_text = json.dumps({"releases": releases})
    result_text = _relman._call_json("assess_risk_many", params_text)
    print(f"result: {len(result_text) / 1e6:.1f} MB of JSON ({len(result_text) / len(payload):.1f}x the input)")
    t_json = best(lambda: json.loads(payload), 3)
    t_batch = best(lambda: relman.assess_risk_many(releases), 3)
    t_text = best(lambda: relman.assess_risk_many(payload), 3)
    t_core = best(lambda: _relman._call_json("assess_risk_many", params_text), 3)
    t_out = best(lambda: json.loads(result_text), 3)
    t_echo = best(lambda: _relman._echo({"releases": releases}), 3)

    def row(label: str, t: Timing) -> None:
        print(
            f"{label:<46} wall {t.wall * 1e3:9.1f} ms ({t.wall / t_json.wall:5.2f}x)"
            f"   cpu {t.cpu * 1e3:9.1f} ms ({t.cpu / t_json.cpu:5.2f}x)"
        )

    row("json.loads(payload)  [baseline]", t_json)
    row("assess_risk_many(list of dicts)", t_batch)
    row("assess_risk_many(JSON text)", t_text)
    row("  core alone: _call_json (JSON text in/out)", t_core)
    row("  json.loads(result text)", t_out)
    row("  input conversion both ways: _echo(releases)", t_echo)

    one = release(1)
    one_text = json.dumps(one)
    params = {"release": one}

    def us(label: str, t: Timing) -> None:
        print(f"{label:<46} wall {t.wall * 1e6:9.2f} us      cpu {t.cpu * 1e6:9.2f} us")

    us("_noop(one dict) per call", per_call(lambda: _relman._noop(params), 200_000))
    us("json.loads(one release) per call", per_call(lambda: json.loads(one_text), 50_000))
    us("assess_risk(one release) per call", per_call(lambda: relman.assess_risk(one), 20_000))
    us("assess_risk_many([one]) per call", per_call(lambda: relman.assess_risk_many([one]), 20_000))
    us("assess_risk per release inside the batch", Timing(t_batch.wall / n, t_batch.cpu / n))


if __name__ == "__main__":
    main(sys.argv[1:])
