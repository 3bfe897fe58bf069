"""PreparedContext through UniFFI's Python bindings of the library the
Swift package links: every `check` conformance vector through a prepared
context (the typed `check` and `check_json`, cold then warm from its
cache), compared with the vector's expected output; errors map as
`check`'s; a tampered release after a cached check of the genuine one is
denied exactly as `check` denies it."""

import copy
import json

import pytest

import relman_uniffi as r
from vector_support import VECTORS, body, check_outcome, text

VECTORS = VECTORS / "check"
FILES = sorted(VECTORS.glob("*.json"))


def test_there_are_check_vectors():
    assert len(FILES) >= 5


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_check_vector_through_a_prepared_context(path):
    vector = json.loads(path.read_text())
    given = {k: v for k, v in vector["input"].items() if v is not None}
    try:
        prepared = r.PreparedContext(context=text(given.get("context")), keys=text(given.get("keys")))
    except r.RelmanError as e:
        check_outcome(vector, "error", body(e))
        return
    per_call = {k: v for k, v in given.items() if k in ("release", "target")}
    for _ in range(2):
        try:
            out = "ok", json.loads(prepared.check_json(json.dumps(per_call)))
        except r.RelmanError as e:
            out = "error", body(e)
        check_outcome(vector, *out)
    # The typed method, where the vector's documents are values of the
    # typed records (otherwise a Swift caller could not build them).
    try:
        release = r.release_from_json(text(given["release"]))
        target = r.ReleaseState[given["target"].upper()]
    except (r.RelmanError, KeyError):
        return
    for _ in range(2):
        try:
            out = "ok", json.loads(r.gate_report_to_json(prepared.check(release=release, target=target)))
        except r.RelmanError as e:
            out = "error", body(e)
        check_outcome(vector, *out)


def test_a_tampered_release_after_a_cached_check_is_denied_as_check_denies_it():
    given = json.loads((VECTORS / "approval_ready_for_deployment.json").read_text())["input"]
    prepared = r.PreparedContext(context=text(given["context"]))
    params = {"release": given["release"], "target": given["target"]}
    genuine = json.loads(prepared.check_json(json.dumps(params)))
    assert genuine["allowed"] is True
    assert prepared.cached() == 1
    tampered = copy.deepcopy(given["release"])
    tampered["log"][-1]["actor"] = "mallory"
    got = json.loads(prepared.check_json(json.dumps({"release": tampered, "target": given["target"]})))
    want = json.loads(r.call_json("check", json.dumps(dict(given, release=tampered))))
    assert got == want
    assert got["allowed"] is False


def test_bad_context_text_is_invalid_input_at_context():
    with pytest.raises(r.RelmanError) as err:
        r.PreparedContext(context="{not json")
    assert err.value.code == "invalid_input"
