"""The exceptions of relman, one class per error code.

Every exception carries the error body every relman front end shares (the
``error`` schema): ``.code``, ``.message``, ``.path``, ``.problems`` and the
whole ``.body``; the subclasses add what their code carries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Optional, Type

if TYPE_CHECKING:
    from .types import ErrorBody, JSONValue, Problem, Violation

__all__ = [
    "RelmanError",
    "InvalidInput",
    "InvalidPolicy",
    "UnsupportedVersion",
    "TransitionDenied",
    "Forbidden",
    "LogTampered",
    "LimitExceeded",
    "Conflict",
    "StorageFull",
    "PermissionDenied",
]


class RelmanError(Exception):
    """An error of a relman operation; the base of every relman exception.

    ``code`` is the stable machine code (``invalid_input``, ``internal``, …);
    a bug in relman (a Rust panic included) is a ``RelmanError`` itself with
    code ``internal``.
    """

    code: str
    """The stable machine code, e.g. ``invalid_input``."""
    message: str
    """A human message."""
    path: Optional[str]
    """The JSON path of the (first) offending value, when there is one."""
    problems: List[Problem]
    """Every problem, for ``invalid_input`` and ``invalid_policy``."""
    body: ErrorBody
    """The whole error body, as every relman front end reports it."""

    def __init__(self, body: ErrorBody) -> None:
        super().__init__(body["message"])
        self.body = body
        self.code = body["code"]
        self.message = body["message"]
        self.path = body.get("path")
        self.problems = list(body.get("problems", []))

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InvalidInput(RelmanError):
    """The input cannot be processed: bad JSON, a wrong type, a missing field,
    an unknown enum value, a naive datetime or a failed semantic check.
    ``.path`` names the offending value; ``.problems`` lists every problem,
    with ``line`` and ``column`` when JSON text was given."""

    line: Optional[int]
    """1-based line in the JSON text, when text was parsed."""
    column: Optional[int]
    """1-based column in the JSON text, when text was parsed."""

    def __init__(self, body: ErrorBody) -> None:
        super().__init__(body)
        self.line = body.get("line")
        self.column = body.get("column")


class InvalidPolicy(RelmanError):
    """The policy is malformed or inconsistent; ``.problems`` has each issue."""


class UnsupportedVersion(RelmanError):
    """A document carries a ``schema_version`` this build does not know."""


class TransitionDenied(RelmanError):
    """A lifecycle command was denied by unmet gates.

    ``.violations`` lists every unmet rule; ``.report`` is the full gate
    report."""

    violations: List[Violation]
    """Every unmet rule: ``rule``, ``message``, ``data``."""
    report: Optional[JSONValue]
    """The full gate report, as data."""

    def __init__(self, body: ErrorBody) -> None:
        super().__init__(body)
        self.violations = list(body.get("violations", []))
        self.report = body.get("report")


class Forbidden(RelmanError):
    """The actor may not do this (separation of duties, a missing role);
    ``.rule`` is the rule that forbids it."""

    rule: Optional[str]
    """The id of the rule that forbids the action."""

    def __init__(self, body: ErrorBody) -> None:
        super().__init__(body)
        self.rule = body.get("rule")


class LogTampered(RelmanError):
    """An audit log does not verify; ``.path`` names the first bad event."""


class LimitExceeded(RelmanError):
    """The input exceeds a documented limit (size, nesting depth, count)."""


class Conflict(RelmanError):
    """Another writer got there first: the release's log no longer ends at
    the head the caller expected (``apply(..., expected_head=...)``).
    ``.expected`` and ``.found`` are the two heads; re-read and retry."""

    expected: Optional[str]
    """The head the caller expected."""
    found: Optional[str]
    """The head the release's log ends at."""

    def __init__(self, body: ErrorBody) -> None:
        super().__init__(body)
        self.expected = body.get("expected")
        self.found = body.get("found")


class StorageFull(RelmanError):
    """A front end that writes files ran out of space (the target is
    unchanged); raised by the CLI, listed for completeness."""


class PermissionDenied(RelmanError):
    """A front end that reads or writes files was refused access; raised by
    the CLI, listed for completeness."""


_BY_CODE: Dict[str, Type[RelmanError]] = {
    "invalid_input": InvalidInput,
    "invalid_policy": InvalidPolicy,
    "unsupported_version": UnsupportedVersion,
    "transition_denied": TransitionDenied,
    "forbidden": Forbidden,
    "log_tampered": LogTampered,
    "limit_exceeded": LimitExceeded,
    "conflict": Conflict,
    "storage_full": StorageFull,
    "permission_denied": PermissionDenied,
}


def _from_body(body: ErrorBody) -> RelmanError:
    """The exception for an error body (called by the native module)."""
    return _BY_CODE.get(body["code"], RelmanError)(body)
