"""The Python surface: the function table, conversions and errors."""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import json
from typing import Any, Dict

import pytest

import relman
from relman import _relman
from conftest import EXAMPLES, PACKAGE, VECTORS, load

MINOR = EXAMPLES / "data" / "release-minor.json"


def release() -> Dict[str, Any]:
    r: Dict[str, Any] = load(MINOR)
    return r


# -- the function table ----------------------------------------------------

def test_public_functions_are_exactly_the_operations() -> None:
    functions = {
        name
        for name, value in vars(relman).items()
        if inspect.isfunction(value) and not name.startswith("_")
    }
    # compute_kpis_arrow is no operation of the data contract (its tables
    # are Arrow objects, not JSON): the one hand-written function.
    assert functions == {name for name, _, _ in _relman.OPERATIONS} | {"compute_kpis_arrow"}
    assert set(relman.__all__) >= functions


def test_runtime_parameters_follow_the_operations_table() -> None:
    for name, params, _ in _relman.OPERATIONS:
        sig = inspect.signature(getattr(relman, name))
        named = [p.name for p in sig.parameters.values() if p.kind != p.VAR_KEYWORD]
        assert named == [p for p, _ in params], name


def test_stub_signatures() -> None:
    """The stub's parameters: the table's names in its order, required ones
    without a default, optional ones defaulting to None; keyword-only in the
    stub exactly where the run time is keyword-only."""
    tree = ast.parse((PACKAGE / "relman" / "__init__.pyi").read_text())
    stubs = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}
    table = {name: params for name, params, _ in _relman.OPERATIONS}
    assert set(stubs) == set(table)
    for name, fn in stubs.items():
        a = fn.args
        positional = [x.arg for x in a.args]
        kwonly = [x.arg for x in a.kwonlyargs]
        assert positional + kwonly == [p for p, _ in table[name]], name
        defaults = dict(zip(positional[len(positional) - len(a.defaults):], a.defaults))
        defaults.update({x.arg: d for x, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None})
        for param, required in table[name]:
            if required:
                assert param not in defaults, f"{name}({param}) is required"
            else:
                d = defaults.get(param)
                assert isinstance(d, ast.Constant) and d.value is None, f"{name}({param})"
        runtime = inspect.signature(getattr(relman, name)).parameters
        assert [p for p in runtime if runtime[p].kind == inspect.Parameter.KEYWORD_ONLY] == kwonly, name


def test_the_generated_types_are_current() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(PACKAGE / "gen_types.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


# -- inputs ----------------------------------------------------------------

def test_json_text_parameters_and_their_positions() -> None:
    text = MINOR.read_text()
    assert relman.assess_risk(text) == relman.assess_risk(release())
    with pytest.raises(relman.InvalidInput) as e:
        relman.assess_risk('{"id": "R",\n  "title": }')
    assert e.value.path == "release"
    assert (e.value.line, e.value.column) == (2, 12)
    assert e.value.problems[0]["line"] == 2
    # Scalar parameters stay strings: a JSON-looking target is not parsed.
    with pytest.raises(relman.InvalidInput) as e:
        relman.check(release(), '"development"')  # type: ignore[arg-type]
    assert e.value.path == "target"


def test_every_structured_parameter_takes_json_text() -> None:
    for name, params, _ in _relman.OPERATIONS:
        for param, _ in params:
            if param in _relman.SCALAR_PARAMETERS:
                continue
            with pytest.raises(relman.InvalidInput) as e:
                getattr(relman, name)(**{param: "{"})
            assert e.value.path == param, (name, param)
            assert e.value.line == 1, (name, param)


def test_aware_datetimes_become_rfc3339_with_their_offset() -> None:
    r = release()
    cet = dt.timezone(dt.timedelta(hours=1))
    r["planned_start"] = dt.datetime(2026, 11, 20, 21, 0, tzinfo=cet)
    r["planned_end"] = dt.datetime(2026, 11, 20, 23, 0, tzinfo=dt.timezone.utc)
    v = relman.validate("release", document=r)
    assert v["document"] == "release"
    order = relman.deployment_order([r])
    assert order["waves"][0]["releases"] == [r["id"]]
    notes = relman.release_notes(r, "markdown")
    assert notes["format"] == "markdown"
    sched = load(EXAMPLES / "data" / "schedule.json")
    item = sched["releases"][0]["id"]
    as_text = relman.suggest_slots(sched, item, 3600, "2026-11-01T09:00:00+01:00", 30 * 86400, 2)
    as_dt = relman.suggest_slots(sched, item, 3600, dt.datetime(2026, 11, 1, 9, 0, tzinfo=cet), 30 * 86400, 2)
    assert as_text == as_dt


def test_a_naive_datetime_is_rejected_with_its_path() -> None:
    r = release()
    r["planned_start"] = dt.datetime(2026, 11, 20, 21, 0)
    with pytest.raises(relman.InvalidInput) as e:
        relman.assess_risk(r)
    assert e.value.code == "invalid_input"
    assert e.value.path == "release.planned_start"
    assert "naive datetime" in e.value.message
    with pytest.raises(relman.InvalidInput) as e:
        relman.suggest_slots({}, "R", 1, dt.datetime(2026, 1, 1), 1, 1)
    assert e.value.path == "now"


@pytest.mark.parametrize(
    "value, path, words",
    [
        ({"changes": [{"id": "C1", "x": {1, 2}}]}, "release.changes[0].x", "`set`"),
        ({"id": b"R"}, "release.id", "`bytes`"),
        ({1: "x"}, "release", "keys must be strings"),
        ({"n": float("nan")}, "release.n", "finite"),
        ({"n": 10**30}, "release.n", "out of range"),
    ],
)
def test_values_json_cannot_hold_are_named(value: Any, path: str, words: str) -> None:
    with pytest.raises(relman.InvalidInput) as e:
        relman.assess_risk(value)
    assert e.value.path == path
    assert words in e.value.message


def test_bool_stays_bool_and_int_stays_int() -> None:
    r = release()
    result = relman.assess_risk(r)
    assert isinstance(result["score"], float)
    assert result["release_id"] == r["id"]
    out = relman.deployment_order([r, dict(r, id="R2", depends_on=[r["id"]])])
    assert [w["wave"] for w in out["waves"]] == [1, 2]
    assert all(type(w["wave"]) is int for w in out["waves"])
    assert relman.verify_log(r)["valid"] is True
    # Past planning without a log: a negative verdict, as a real bool.
    verdict = relman.verify_log(dict(r, state="approval", log=[]))
    assert verdict["valid"] is False
    assert verdict["tamper"] is not None and verdict["tamper"]["kind"] == "empty_log"
    # A tuple is a list; True is not the integer 1 (bool is checked first).
    order = relman.deployment_order((r,))
    assert order["waves"][0]["wave"] == 1
    with pytest.raises(relman.InvalidInput) as e:
        relman.suggest_slots({}, "R", True, "2026-01-01T00:00:00Z", 1, 1)
    assert e.value.path == "duration_secs"


def test_a_100k_deep_list_is_limit_exceeded_not_a_crash() -> None:
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(relman.LimitExceeded) as e:
        relman.assess_risk(deep)
    assert e.value.code == "limit_exceeded"
    assert e.value.path is not None and e.value.path.startswith("release[0][0]")
    with pytest.raises(relman.LimitExceeded):
        relman.assess_risk("[" * 100_000)
    nested: Any = {}
    for _ in range(100_000):
        nested = {"a": (nested,)}
    with pytest.raises(relman.LimitExceeded) as e:
        relman.compute_kpis({"deployments": [], "extra": nested})
    assert e.value.path is not None and e.value.path.startswith("history.extra.a[0].a[0]")
    # Exactly at the limit is accepted by the conversion (the core then
    # rejects the shape, not the depth).
    ok: Any = []
    for _ in range(relman.MAX_NESTING_DEPTH - 1):
        ok = [ok]
    with pytest.raises(relman.InvalidInput):
        relman.assess_risk(ok)


# -- errors ----------------------------------------------------------------

def vector_input(name: str) -> Dict[str, Any]:
    i: Dict[str, Any] = load(VECTORS / name)["input"]
    return i


def test_invalid_input() -> None:
    with pytest.raises(relman.InvalidInput) as e:
        relman.check(release(), "nowhere")  # type: ignore[arg-type]
    err = e.value
    assert isinstance(err, relman.RelmanError) and isinstance(err, Exception)
    assert (err.code, err.path) == ("invalid_input", "target")
    assert "unknown variant `nowhere`" in err.message
    assert err.body["code"] == "invalid_input"
    assert err.problems[0]["path"] == "target"
    assert str(err).startswith("invalid_input: ")


def test_missing_and_misspelt_parameters() -> None:
    with pytest.raises(relman.InvalidInput) as e:
        relman.check(target="development")  # type: ignore[call-arg]
    assert e.value.path == "release"
    with pytest.raises(relman.InvalidInput) as e:
        relman.judge_canary({}, {}, confg={})  # type: ignore[call-arg]
    assert e.value.path == "confg"
    assert "takes no parameter `confg`" in e.value.message


def test_invalid_policy() -> None:
    with pytest.raises(relman.InvalidPolicy) as e:
        relman.assess_risk(**vector_input("assess_risk/negative_weight.json"))
    assert (e.value.code, e.value.path) == ("invalid_policy", "policy.risk.weights.emergency")
    assert e.value.problems


def test_strict_policy_names_the_typo_and_suggests_the_key() -> None:
    context = load(EXAMPLES / "data" / "context.json")
    context["policy"] = {
        "lifecycle": {"separation_of_duties": {"forbid_team_aproval": True}, "major": {"quorom": 5}},
        "u_policy_owner": "Change Management Office",
    }
    release = load(MINOR)
    with pytest.raises(relman.InvalidPolicy) as e:
        relman.assess_risk(release, context)
    assert (e.value.code, e.value.path) == ("invalid_policy", "policy.lifecycle.major.quorom")
    # Every unknown key, each with the closest known key of its level.
    assert [p["path"] for p in e.value.problems] == [
        "policy.lifecycle.major.quorom",
        "policy.lifecycle.separation_of_duties.forbid_team_aproval",
    ]
    assert "did you mean `quorum`?" in e.value.problems[0]["message"]
    assert "did you mean `forbid_team_approval`?" in e.value.problems[1]["message"]
    # Host fields (`u_`, `x_`) pass at any level.
    context["policy"] = {"lifecycle": {"major": {"x_source": "charter"}}, "u_policy_owner": "CMO"}
    assert isinstance(relman.assess_risk(release, context)["score"], (int, float))


def test_transition_denied_carries_violations_and_report() -> None:
    with pytest.raises(relman.TransitionDenied) as e:
        relman.apply(**vector_input("apply/denied_lists_every_violation.json"))
    err = e.value
    assert err.code == "transition_denied"
    assert [v["rule"] for v in err.violations] == ["planning.owner", "planning.scope", "planning.window"]
    assert all(v["message"] for v in err.violations)
    assert isinstance(err.report, dict) and err.report["allowed"] is False


def test_forbidden_carries_the_rule() -> None:
    with pytest.raises(relman.Forbidden) as e:
        relman.apply(**vector_input("apply/owner_cannot_approve.json"))
    assert (e.value.code, e.value.rule) == ("forbidden", "sod.owner_approval")


def test_unsupported_version() -> None:
    with pytest.raises(relman.UnsupportedVersion) as e:
        relman.validate(**vector_input("validate/unknown_schema_version.json"))
    assert (e.value.code, e.value.path) == ("unsupported_version", "schema_version")


def test_log_tampered() -> None:
    tampered = vector_input("verify_log/edited_event.json")["release"]
    context = vector_input("apply/advance_from_planning.json")["context"]
    command = {"command": "close", "actor": "alice", "at": "2026-12-30T10:00:00Z"}
    with pytest.raises(relman.LogTampered) as e:
        relman.apply(tampered, command, context)
    assert (e.value.code, e.value.path) == ("log_tampered", "log[4]")


def test_a_panic_becomes_an_internal_relman_error() -> None:
    with pytest.raises(relman.RelmanError) as e:
        _relman._force_panic()
    assert type(e.value) is relman.RelmanError
    assert e.value.code == "internal"
    assert "forced panic" in e.value.message
    # The module still works afterwards.
    assert relman.schema("release")["title"] == "Release"


def test_assess_risk_many_keeps_going_past_a_bad_release() -> None:
    good = release()
    bad = dict(good, id="BAD", kind="huge")
    batch = relman.assess_risk_many([good, bad, good])
    assert batch["assessments"][0] is not None and batch["assessments"][1] is None
    assert batch["errors"][0]["index"] == 1
    assert batch["errors"][0]["error"]["path"] == "kind"


def test_the_garbage_collector_state_is_restored() -> None:
    import gc

    assert gc.isenabled()
    relman.assess_risk_many([release()])
    assert gc.isenabled()
    gc.disable()
    try:
        relman.assess_risk_many([release()])
        assert not gc.isenabled()
    finally:
        gc.enable()
