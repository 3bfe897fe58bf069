"""compute_kpis releases the GIL: another Python thread keeps counting.

No wall clock: a background thread increments a counter every few
milliseconds (it needs the GIL to do so); the history is large enough that
the dev build computes for well over 200 ms, during which the counter
must advance at least 3 times. A binding that held the GIL would leave the
counter where it was.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Dict, List

import relman


def large_history(n: int) -> Dict[str, Any]:
    services = [f"svc-{i}" for i in range(20)]
    deployments: List[Dict[str, Any]] = []
    incidents: List[Dict[str, Any]] = []
    for i in range(n):
        day = 1 + i % 28
        month = 1 + (i // 28) % 12
        hour = i % 20
        svc = services[i % len(services)]
        deployments.append(
            {
                "id": f"DEP-{i:06d}",
                "service": svc,
                "environment": "production",
                "team": f"team-{i % 7}",
                "started_at": f"2025-{month:02d}-{day:02d}T{hour:02d}:00:00+01:00",
                "finished_at": f"2025-{month:02d}-{day:02d}T{hour:02d}:30:00+01:00",
                "outcome": "failed" if i % 9 == 0 else "success",
                "kind": "planned",
            }
        )
        if i % 9 == 0:
            incidents.append(
                {
                    "id": f"INC-{i:06d}",
                    "service": svc,
                    "severity": "2",
                    "created_at": f"2025-{month:02d}-{day:02d}T{hour:02d}:40:00+01:00",
                    "resolved_at": f"2025-{month:02d}-{day:02d}T{hour + 2:02d}:40:00+01:00",
                    "caused_by": f"DEP-{i:06d}",
                }
            )
    return {"deployments": deployments, "incidents": incidents}


def test_compute_kpis_releases_the_gil() -> None:
    history = large_history(60_000)
    ticks = 0
    stop = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.005)

    options = {"series": "week", "group_by": "service"}
    ticker = threading.Thread(target=count)
    ticker.start()
    try:
        time.sleep(0.02)
        before = ticks
        report = relman.compute_kpis(history, options)  # type: ignore[arg-type]
        during = ticks - before
    finally:
        stop.set()
        ticker.join()
    assert report["records"]["deployments_read"] == 60_000
    # Conversion before and after the core call holds the GIL; the core call
    # does not. The issue asks for >= 3; a build without `py.detach` was
    # measured at 2 (ticks slipping in around the native call). The release
    # wheel's core call is short (tens of ms for 30 000 deployments: 9 ticks
    # were seen on a loaded machine), so the history is 60 000 deployments
    # and the bar 5: above what a GIL-holding call lets through, below what
    # a released GIL gives under load.
    assert during >= 5, f"the counter advanced only {during} times during compute_kpis"
