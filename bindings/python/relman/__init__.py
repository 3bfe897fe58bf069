"""relman: an embeddable release-management engine, from Python.

Every operation of relman's data contract is a function here, named as in
the Rust core and taking the same parameters. Inputs are plain dicts and
lists (or JSON text as a ``str`` for any document or object parameter);
results are plain dicts. A timestamp may also be a ``datetime`` with tzinfo
(written as RFC 3339 with its offset); a naive ``datetime`` is rejected.

Errors raise :class:`RelmanError` subclasses carrying the stable ``code``,
``message`` and ``path``. The work runs in the Rust core with the GIL
released, so other Python threads keep running.

The types of every parameter and result (TypedDicts) are in the stub
``relman/__init__.pyi`` and ``relman.types``.
"""

from __future__ import annotations

from . import _relman
from ._errors import (
    Forbidden,
    InvalidInput,
    InvalidPolicy,
    LimitExceeded,
    LogTampered,
    Conflict,
    StorageFull,
    PermissionDenied,
    RelmanError,
    TransitionDenied,
    UnsupportedVersion,
)

__version__ = _relman.__version__

OPERATIONS = _relman.OPERATIONS
"""Every operation: ``(name, ((parameter, required), ...), summary)``."""

MAX_NESTING_DEPTH = _relman.MAX_NESTING_DEPTH
"""The deepest nesting of lists and dicts an input may have."""

__all__ = [
    "RelmanError",
    "InvalidInput",
    "InvalidPolicy",
    "UnsupportedVersion",
    "TransitionDenied",
    "Forbidden",
    "LogTampered",
    "Conflict",
    "StorageFull",
    "PermissionDenied",
    "LimitExceeded",
    "OPERATIONS",
    "MAX_NESTING_DEPTH",
    "validate",
    "check",
    "apply",
    "verify_log",
    "assess_risk",
    "assess_risk_many",
    "fit_risk_model",
    "detect_conflicts",
    "suggest_slots",
    "deployment_order",
    "rollout_step",
    "judge_canary",
    "compute_kpis",
    "release_notes",
    "calendar_ics",
    "import_servicenow",
    "export_servicenow",
    "schema",
]

# Every parameter defaults to None at run time so that a missing one is
# relman's InvalidInput naming it (as in every other front end); the stub
# keeps the required ones required, so mypy catches them first. `**unknown`
# likewise turns a misspelt keyword into InvalidInput naming it.

_call = _relman._call


def validate(kind=None, document=None, text=None, **unknown):
    """Validates a document of `kind` (``release``, ``schedule``, ``policy``,
    …) given as a value (`document`) or as JSON text (`text`); returns the
    validation report, or raises :class:`InvalidInput` listing every
    problem (with line and column for text)."""
    return _call("validate", dict(unknown, kind=kind, document=document, text=text))


def check(release=None, target=None, context=None, keys=None, **unknown):
    """The gate report of moving `release` to the `target` state: every
    requirement, met or not (a dry run; nothing changes). With `keys` (the
    host's keyring, a dict: see ``schema("keyring")``) the log is verified
    as a keyed chain."""
    return _call(
        "check", dict(unknown, release=release, target=target, context=context, keys=keys)
    )


def apply(release=None, command=None, context=None, expected_head=None, keys=None, **unknown):
    """Applies a lifecycle `command` to `release` (any command dict, ``amend``
    and ``import`` included): the new release with its audit event,
    notifications and gate report. Raises :class:`TransitionDenied` (with
    ``.violations``) when gates are unmet, :class:`Forbidden` (with
    ``.rule``) for a missing role, separation of duties or a look-alike
    actor id, :class:`LogTampered` (``.path``: the first difference, e.g.
    ``approvals[2]``) when the release is not what its log yields.

    `expected_head`: the log head the caller read the release at; another
    head raises :class:`Conflict` (``.expected``, ``.found``). `keys`: the
    host's keyring (a dict, never stored): the log is verified with it and
    the new event keyed with its ``signing_key``."""
    return _call(
        "apply",
        dict(
            unknown,
            release=release,
            command=command,
            context=context,
            expected_head=expected_head,
            keys=keys,
        ),
    )


def verify_log(release=None, expected_head=None, keys=None, **unknown):
    """Verifies the hash chain of `release`'s audit log (and, if given, that
    it ends at `expected_head`) and that the document is what the log
    yields; ``differences`` lists every field where it is not. With `keys`
    (the host's keyring) every event's MAC or signature is checked, so a
    log rewritten with recomputed hashes is ``unauthenticated``."""
    return _call(
        "verify_log", dict(unknown, release=release, expected_head=expected_head, keys=keys)
    )


def assess_risk(release=None, context=None, **unknown):
    """Scores `release`'s risk (0-100, a level) with every factor
    explained."""
    return _call("assess_risk", dict(unknown, release=release, context=context))


def assess_risk_many(releases=None, context=None, **unknown):
    """Scores many releases against one `context` (prepared once). One bad
    release does not sink the batch: its slot in ``assessments`` is None and
    ``errors`` has ``{index, error}`` for it."""
    return _call("assess_risk_many", dict(unknown, releases=releases, context=context))


def fit_risk_model(history=None, options=None, context=None, **unknown):
    """Fits the risk weights to a release `history` (logistic regression):
    the model, its quality (AUC, Brier) and sample counts."""
    return _call(
        "fit_risk_model", dict(unknown, history=history, options=options, context=context)
    )


def detect_conflicts(schedule=None, **unknown):
    """Every dependency, CI, calendar and resource conflict of `schedule`."""
    return _call("detect_conflicts", dict(unknown, schedule=schedule))


def suggest_slots(
    schedule=None,
    item=None,
    duration_secs=None,
    now=None,
    horizon_secs=None,
    count=None,
    **unknown,
):
    """Up to `count` free deployment slots of `duration_secs` for `item` (a
    release or change id of `schedule`), from `now` to `now + horizon_secs`."""
    return _call(
        "suggest_slots",
        dict(
            unknown,
            schedule=schedule,
            item=item,
            duration_secs=duration_secs,
            now=now,
            horizon_secs=horizon_secs,
            count=count,
        ),
    )


def deployment_order(releases=None, **unknown):
    """Deployment waves and the critical path of `releases` by their
    dependencies."""
    return _call("deployment_order", dict(unknown, releases=releases))


def rollout_step(plan=None, state=None, *, input=None, now=None, policy=None, **unknown):
    """The next decision of a blue-green or canary rollout: feed the
    returned ``state`` back with the next `input` (an observation, a tick or
    a command)."""
    return _call(
        "rollout_step",
        dict(unknown, plan=plan, state=state, input=input, now=now, policy=policy),
    )


def judge_canary(baseline=None, canary=None, config=None, policy=None, **unknown):
    """Compares `canary` metric samples with the `baseline` (Mann-Whitney U
    and a Hodges-Lehmann shift per metric): a score and a verdict."""
    return _call(
        "judge_canary",
        dict(unknown, baseline=baseline, canary=canary, config=config, policy=policy),
    )


def compute_kpis(history=None, options=None, policy=None, **unknown):
    """DORA and ITIL release KPIs of `history`, with series and groups."""
    return _call("compute_kpis", dict(unknown, history=history, options=options, policy=policy))


def release_notes(release=None, format=None, **unknown):
    """Release notes of `release` in `format` (``markdown`` or ``html``)."""
    return _call("release_notes", dict(unknown, release=release, format=format))


def calendar_ics(schedule=None, options=None, **unknown):
    """An iCalendar (.ics) of the releases, windows and blackouts of
    `schedule`."""
    return _call("calendar_ics", dict(unknown, schedule=schedule, options=options))


def import_servicenow(
    change_requests=None, releases=None, cis=None, rels=None, approvals=None, **unknown
):
    """A schedule from ServiceNow Table API responses (``{"result": [...]}``
    of change_request, rm_release, cmdb_ci, cmdb_rel_ci,
    sysapproval_approver)."""
    return _call(
        "import_servicenow",
        dict(
            unknown,
            change_requests=change_requests,
            releases=releases,
            cis=cis,
            rels=rels,
            approvals=approvals,
        ),
    )


def export_servicenow(
    schedule=None, risk=None, conflicts=None, gates=None, now=None, **unknown
):
    """Per-record ServiceNow field patches from relman's verdicts (risk
    assessments, a conflict report, gate reports) on an imported
    `schedule`."""
    return _call(
        "export_servicenow",
        dict(
            unknown,
            schedule=schedule,
            risk=risk,
            conflicts=conflicts,
            gates=gates,
            now=now,
        ),
    )


def schema(name=None, **unknown):
    """The JSON Schema (draft 2020-12) of an input or output document by
    `name` (``release``, ``kpi_report``, …; see ``relman.types.SCHEMA_TYPES``)."""
    return _call("schema", dict(unknown, name=name))
