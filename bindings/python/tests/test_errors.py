"""The exception classes: every one pickles (also across processes), the
bad-input ones are ValueErrors, and ``.message`` does not repeat the path."""

from __future__ import annotations

import multiprocessing
import pickle
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Dict, List, Type

import pytest

import relman
from relman import _errors


def all_classes() -> List[Type[relman.RelmanError]]:
    """RelmanError and every subclass (recursively): a new class is covered
    without editing this test."""
    found: List[Type[relman.RelmanError]] = [relman.RelmanError]
    for cls in found:
        found.extend(c for c in cls.__subclasses__() if c not in found and c.__module__.startswith("relman"))
    return found


# The extra attributes each class reads from the body, and a body value for each.
EXTRA: Dict[str, Any] = {
    "line": 3,
    "column": 14,
    "violations": [{"rule": "approval.quorum", "message": "needs 2 approvals", "data": {"have": 1}}],
    "report": {"release": "R-1", "passed": False, "results": []},
    "rule": "sod.author_approver",
    "expected": "sha256:aaaa",
    "found": "sha256:bbbb",
}


def body_for(cls: Type[relman.RelmanError]) -> Dict[str, Any]:
    code = next((c for c, k in _errors._BY_CODE.items() if k is cls), "internal")
    body: Dict[str, Any] = {
        "code": code,
        "message": f"something about {cls.__name__}",
        "path": "releases[2].planned_end",
        "problems": [{"path": "releases[2].planned_end", "message": "bad", "line": 3, "column": 14}],
    }
    body.update(EXTRA)
    return body


def state(err: relman.RelmanError) -> Dict[str, Any]:
    """Everything a caller can read from an exception."""
    return {
        "class": type(err),
        "str": str(err),
        "args": err.args,
        **{k: v for k, v in vars(err).items()},
    }


def test_every_code_has_its_class() -> None:
    classes = all_classes()
    assert len(classes) == len(_errors.__all__), "a class is missing from _errors.__all__"
    assert set(_errors._BY_CODE.values()) == set(classes) - {relman.RelmanError}
    for cls in classes:
        assert getattr(relman, cls.__name__) is cls


@pytest.mark.parametrize("cls", all_classes(), ids=lambda c: c.__name__)
def test_every_exception_pickles(cls: Type[relman.RelmanError]) -> None:
    err = _errors._from_body(body_for(cls))  # type: ignore
    assert type(err) is cls
    if sys.version_info >= (3, 11):
        err.add_note("while syncing")  # kept too: it lives in __dict__
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        copy = pickle.loads(pickle.dumps(err, protocol=protocol))
        assert type(copy) is cls
        assert copy.code == err.code and copy.path == "releases[2].planned_end"
        assert copy.message == f"something about {cls.__name__}"
        assert state(copy) == state(err)
    # The class's own attributes came through (not just the base ones).
    for name in vars(cls).get("__annotations__", {}):
        assert getattr(pickle.loads(pickle.dumps(err)), name) == getattr(err, name) is not None


def raise_in_worker() -> None:
    """Raises relman's InvalidInput (a missing release title) in the caller's process."""
    release: Any = {"id": "R"}
    relman.assess_risk(release, {})


@pytest.mark.parametrize("start", [m for m in ("fork", "spawn") if m in multiprocessing.get_all_start_methods()])
def test_an_exception_raised_in_a_worker_process_arrives_whole(start: str) -> None:
    with pytest.raises(relman.InvalidInput) as here:
        raise_in_worker()
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context(start)) as pool:
        with pytest.raises(relman.InvalidInput) as there:
            pool.submit(raise_in_worker).result()
    assert there.value.code == "invalid_input"
    assert there.value.path == here.value.path
    assert there.value.message == here.value.message
    assert there.value.problems == here.value.problems
    assert there.value.body == here.value.body


@pytest.mark.parametrize(
    "cls, is_value_error",
    [
        (relman.InvalidInput, True),
        (relman.InvalidPolicy, True),
        (relman.UnsupportedVersion, True),
        (relman.LimitExceeded, True),
        (relman.TransitionDenied, False),
        (relman.Forbidden, False),
        (relman.LogTampered, False),
        (relman.Conflict, False),
        (relman.StorageFull, False),
        (relman.PermissionDenied, False),
        (relman.RelmanError, False),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_bad_caller_input_is_a_value_error(cls: Type[relman.RelmanError], is_value_error: bool) -> None:
    assert issubclass(cls, ValueError) is is_value_error
    assert issubclass(cls, relman.RelmanError)


def test_a_bad_input_is_caught_as_value_error() -> None:
    release: Any = {"id": "R"}
    with pytest.raises(ValueError) as e:
        relman.assess_risk(release, '{"contxt": 1')
    assert isinstance(e.value, relman.InvalidInput)
    assert e.value.code == "invalid_input"


def test_message_does_not_repeat_the_path() -> None:
    release: Any = {"id": "R"}
    with pytest.raises(relman.InvalidInput) as e:
        relman.assess_risk(release, contxt={})  # type: ignore[call-arg]
    err = e.value
    assert err.path == "contxt"
    assert err.message == "`assess_risk` takes no parameter `contxt`; its parameters: release, context"
    assert f"{err.path}: {err.message}" == err.body["message"]
    assert str(err) == f"invalid_input: contxt: {err.message}"


def test_a_nested_bad_key_is_named_once() -> None:
    release: Any = {"id": "R"}
    context: Any = {"contxt": object()}
    with pytest.raises(relman.InvalidInput) as e:
        relman.assess_risk(release, context)
    err = e.value
    assert err.path == "context.contxt"
    assert err.message.startswith("cannot convert a `object` to JSON")
    assert "contxt" not in err.message
    assert str(err).count("context.contxt") == 1


@pytest.mark.parametrize(
    "message, path, expected",
    [
        ("contxt: unknown field", "contxt", "unknown field"),
        ("invalid policy: rules[0].id: duplicate", "rules[0].id", "invalid policy: duplicate"),
        ("log: expected the log head a, found b", "log", "expected the log head a, found b"),
        ("a release without a path", None, "a release without a path"),
        ("a message naming x: elsewhere", "y", "a message naming x: elsewhere"),
        ("a: b: c", "b", "a: c"),
    ],
)
def test_the_path_prefix_is_stripped_once(message: str, path: Any, expected: str) -> None:
    assert _errors._without_path(message, path) == expected
