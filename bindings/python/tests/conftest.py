"""Shared paths and helpers of the relman Python tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
VECTORS = ROOT / "core" / "tests" / "vectors"
EXAMPLES = ROOT / "examples"
PACKAGE = Path(__file__).resolve().parents[1]


def load(path: Path) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)
