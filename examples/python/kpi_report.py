"""KPI report: DORA and ITIL release KPIs of a history file, as a table.

    python examples/python/kpi_report.py [HISTORY] [--from T] [--to T] [--group-by service]

HISTORY defaults to examples/data/history.json.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional, Tuple

import relman
from relman.types import KpiOptions

DEFAULT_HISTORY = Path(__file__).resolve().parents[1] / "data" / "history.json"


def cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def rows(kpis: object, prefix: str = "") -> List[Tuple[str, str]]:
    """Flattens the numbers and tiers of the KPI report into (name, value)."""
    out: List[Tuple[str, str]] = []
    if isinstance(kpis, dict):
        for key, value in kpis.items():
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, (dict, list)):
                out.extend(rows(value, name))
            elif (isinstance(value, (int, float)) and not isinstance(value, bool)) or key == "tier":
                out.append((name, cell(value)))
    return out


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description="DORA and ITIL KPIs of a release history")
    parser.add_argument("history", nargs="?", type=Path, default=DEFAULT_HISTORY)
    parser.add_argument("--from", dest="start", help="RFC 3339 start of the period")
    parser.add_argument("--to", dest="end", help="RFC 3339 end of the period")
    parser.add_argument("--group-by", choices=["service", "team", "environment"])
    args = parser.parse_args(argv)

    options: KpiOptions = {}
    if args.start:
        options["from"] = args.start
    if args.end:
        options["to"] = args.end
    if args.group_by:
        options["group_by"] = args.group_by
    try:
        report = relman.compute_kpis(args.history.read_text(encoding="utf-8"), options)
    except relman.RelmanError as err:
        where: Optional[str] = err.path
        print(f"{err.code} at {where or '(document)'}: {err.message}", file=sys.stderr)
        return 2

    period = report["period"]
    print(
        f"KPIs of {args.history.name}: {period.get('first_day') or '?'} to "
        f"{period.get('last_day') or '?'} ({period['days']} days)"
    )
    table = rows(report["kpis"])
    width = max(len(name) for name, _ in table)
    print(f"{'kpi':<{width}}  value")
    print(f"{'-' * width}  -----")
    for name, value in table:
        print(f"{name:<{width}}  {value}")
    for group in report.get("groups", []):
        print(f"\n{group['key']}")
        for name, value in rows(group["kpis"]):
            print(f"  {name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
