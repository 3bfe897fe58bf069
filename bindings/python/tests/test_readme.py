"""The package README (the PyPI page): its quick start runs, and it links
nowhere outside the package (relative links break on an index page)."""

from __future__ import annotations

import contextlib
import io
import re
import sys
from typing import List

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.9/3.10
    tomllib = None

import pytest

from conftest import PACKAGE

README = PACKAGE / "README.md"


def python_blocks() -> List[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_quick_start_runs() -> None:
    blocks = python_blocks()
    assert blocks, "no python example in the README"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block, str(README), "exec"), {"__name__": "readme"})
    lines = out.getvalue().splitlines()
    assert lines[0].split()[0] in {"low", "medium", "high", "critical"}, lines
    assert any(line.startswith("invalid_input planned_end ") for line in lines), lines


def test_no_link_leaves_the_package() -> None:
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)]+)\)", text) + re.findall(r'(?:href|src)="([^"]+)"', text)
    for target in targets:
        assert re.match(r"https?://", target) or target.startswith("#"), f"relative link {target!r}"
    assert "../" not in text


@pytest.mark.skipif(tomllib is None, reason="tomllib is Python 3.11+")
def test_project_urls_are_real() -> None:
    meta = tomllib.loads((PACKAGE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for name, url in meta.get("urls", {}).items():
        assert url.startswith("https://") and "example" not in url and "invalid" not in url, (name, url)
    assert meta["readme"] == "README.md"
