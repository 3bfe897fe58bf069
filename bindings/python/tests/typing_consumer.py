"""A consumer of relman as an application writes it, checked by
``mypy --strict`` (tests/test_tooling.py) and run by the tests: ServiceNow
rows as plain ``list[dict[str, Any]]`` (what ``json.load`` or an HTTP
client gives), results read without fallbacks for always-present keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import relman

FIXTURES = Path(__file__).resolve().parents[3] / "core" / "tests" / "fixtures" / "servicenow"


def rows_of(table: str) -> List[Dict[str, Any]]:
    """The rows of a Table API response, as an HTTP client returns them."""
    response: Dict[str, Any] = json.loads((FIXTURES / f"{table}.json").read_text(encoding="utf-8"))
    rows: List[Dict[str, Any]] = response["result"]
    return rows


def warnings_of_import() -> List[str]:
    rows = rows_of("change_request")
    imported = relman.import_servicenow({"change_request": {"result": rows}, "rm_release": {"result": rows_of("rm_release")}})
    # `warnings` and `schedule` are always in the result: no .get(), no fallback.
    messages = [w["message"] for w in imported["warnings"]]
    assert isinstance(imported["schedule"], dict)
    return messages


def main() -> int:
    for message in warnings_of_import():
        print(message)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
