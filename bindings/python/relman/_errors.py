"""The exceptions of relman, one class per error code.

Every exception carries the error body every relman front end shares (the
``error`` schema): ``.code``, ``.message``, ``.path``, ``.problems`` and the
whole ``.body``; the subclasses add what their code carries.

The exceptions for bad caller input (:class:`InvalidInput`,
:class:`InvalidPolicy`, :class:`UnsupportedVersion` and
:class:`LimitExceeded`) are also :class:`ValueError`, so code that catches
``ValueError`` around argument handling catches them too.

Every exception pickles (``pickle``, ``multiprocessing``,
``concurrent.futures.ProcessPoolExecutor``, Celery): it is rebuilt from its
error body, so the copy has the same class, ``code``, ``message``,
``path`` and the attributes its class adds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Optional, Tuple, Type

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
    """A human message, without the path (that is ``.path``); ``str(err)``
    is ``"<code>: <path>: <message>"``, the body's message as every relman
    front end reports it."""
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
        self.path = body.get("path")
        self.message = _without_path(body["message"], self.path)
        self.problems = list(body.get("problems", []))

    def __str__(self) -> str:
        return f"{self.code}: {self.body['message']}"

    def __reduce__(self) -> Tuple[Type[RelmanError], Tuple[ErrorBody], Dict[str, object]]:
        # BaseException pickles as ``type(self)(*self.args)``, and args is
        # ``(message,)``: rebuild from the body instead, then restore any
        # attribute set later (``__notes__`` included).
        return (type(self), (self.body,), dict(self.__dict__))


class InvalidInput(RelmanError, ValueError):
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


class InvalidPolicy(RelmanError, ValueError):
    """The policy is malformed or inconsistent; ``.problems`` has each issue."""


class UnsupportedVersion(RelmanError, ValueError):
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


class LimitExceeded(RelmanError, ValueError):
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


def _without_path(message: str, path: Optional[str]) -> str:
    """The body's message without its ``"<path>: "`` prefix (the core writes
    the path into the message, after ``"invalid policy: "`` for a policy)."""
    if not path:
        return message
    prefix = f"{path}: "
    if message.startswith(prefix):
        return message[len(prefix):]
    at = message.find(f": {prefix}")
    if at >= 0 and ": " not in message[:at]:
        return message[: at + 2] + message[at + 2 + len(prefix):]
    return message


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
