"""Issue #27, acceptance 2: the committed JSON Schemas (``schemas/*.json``,
written by relman-codegen) are portable. Python ``jsonschema`` (Draft
2020-12, its format checker on, the ``format`` extra installed) accepts
every bundled example against its schema and rejects a set of bad records
(a malformed timestamp, a wrong enum value, a fractional integer,
``schema_version: 2``), each of which relman's ``validate`` refuses too.
The committed files are what ``relman.schema(name)`` returns."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

import relman
from conftest import EXAMPLES, ROOT, load

jsonschema = pytest.importorskip("jsonschema")

SCHEMAS = ROOT / "schemas"
INDEX: List[Dict[str, str]] = load(SCHEMAS / "index.json")
NAMES = [e["name"] for e in INDEX]


def validator(name: str) -> Any:
    schema = load(SCHEMAS / f"{name}.json")
    cls = jsonschema.Draft202012Validator
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_of(path: Path, doc: Dict[str, Any]) -> Optional[str]:
    """The schema name of a bundled example: by file name, or by its keys."""
    if path.parent.name == "rollout":
        if "inputs" in doc:
            return "rollout_replay"
        if "baseline" in doc:
            return "canary_comparison"
    name = path.stem.split("-")[0]
    return name if name in NAMES else None


EXAMPLE_FILES = sorted((EXAMPLES / "data").glob("*.json")) + sorted((EXAMPLES / "rollout").glob("*.json"))


def test_the_format_checker_checks_date_times() -> None:
    # Without the `format` extra, date-time would not be checked at all.
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    assert "date-time" in checker.checkers
    assert not checker.conforms("2026-12-01 21:00", "date-time")


def test_index_lists_every_schema_once() -> None:
    files = sorted(p.name for p in SCHEMAS.glob("*.json") if p.name != "index.json")
    assert files == sorted(e["file"] for e in INDEX)
    for name in NAMES:
        assert load(SCHEMAS / f"{name}.json") == relman.schema(name), name


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_bundled_example_is_accepted(path: Path) -> None:
    doc = load(path)
    name = schema_of(path, doc)
    assert name, f"{path} maps to no schema"
    errors = [e.message for e in validator(name).iter_errors(doc)]
    assert errors == [], f"{path.name} as {name}"


def test_there_are_examples() -> None:
    assert len(EXAMPLE_FILES) >= 9


BAD_RECORDS: List[Tuple[str, str, Any, str]] = [
    ("malformed_timestamp", "planned_start", "2026-12-01 21:00", "invalid_input"),
    ("wrong_enum", "kind", "huge", "invalid_input"),
    ("fractional_integer", "approval_round", 1.5, "invalid_input"),
    ("schema_version_2", "schema_version", 2, "unsupported_version"),
]


@pytest.mark.parametrize("what,field,value,code", BAD_RECORDS, ids=[b[0] for b in BAD_RECORDS])
def test_a_bad_record_is_rejected_by_jsonschema_and_by_relman(what: str, field: str, value: Any, code: str) -> None:
    base = load(EXAMPLES / "data" / "release-minor.json")
    assert list(validator("release").iter_errors(base)) == []
    doc = copy.deepcopy(base)
    doc[field] = value
    errors = list(validator("release").iter_errors(doc))
    assert errors, f"jsonschema accepted {what}"
    assert all(list(e.absolute_path)[:1] == [field] for e in errors), [e.message for e in errors]
    with pytest.raises(relman.RelmanError) as info:
        relman.validate("release", doc)
    assert info.value.code == code
    assert info.value.path == field


def test_schema_version_is_pinned_in_every_document_that_has_one() -> None:
    for name in NAMES:
        version = load(SCHEMAS / f"{name}.json").get("properties", {}).get("schema_version")
        if version is None or name == "validation_report":
            continue
        assert version["enum"] == [1, None], name
        assert not validator(name).is_valid({"schema_version": 2}), name
