"""Keyed audit chains and the compare-and-swap on the log head from Python:
``keys=`` on ``apply``, ``check`` and ``verify_log``; ``Conflict`` with
``.expected`` and ``.found`` (docs/lifecycle.md, "Keyed chains").

Each scenario is built here by applying commands with the binding itself,
so it does not depend on the conformance vectors."""

from __future__ import annotations

import copy
from typing import Any, Dict, List

import pytest

import relman
from test_record import CONTEXT, command, planning

HMAC_KEYS: Dict[str, Any] = {
    "signing_key": "host-1",
    "keys": [{"id": "host-1", "alg": "hmac-sha256", "secret": "00112233445566778899aabbccddeeff"}],
}
ED_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
ED_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"


def walk(keys: Any, approvers: List[str]) -> Dict[str, Any]:
    """Planning to approval, then one CAB vote per approver, keyed by `keys`."""
    r = planning()
    for _ in range(3):
        r = relman.apply(r, command(r, "rita", "advance"), CONTEXT, keys=keys)["release"]
    for who in approvers:
        r = relman.apply(r, command(r, who, "approve", role="cab"), CONTEXT, keys=keys)["release"]
    return r


def test_every_event_is_keyed_and_a_rewrite_is_unauthenticated() -> None:
    genuine = walk(HMAC_KEYS, ["mia"])
    assert all(e["auth"]["key_id"] == "host-1" and e["auth"]["alg"] == "hmac-sha256" for e in genuine["log"])
    assert relman.verify_log(genuine, keys=HMAC_KEYS)["valid"] is True
    # Without the keyring it verifies, with a warning that nothing was checked.
    plain = relman.verify_log(genuine)
    assert plain["valid"] is True and plain["warnings"][0]["code"] == "keys_not_checked"
    # A forger without the key recasts mia's vote as carol's: relman itself
    # recomputes every hash, the genuine MACs are copied over.
    rewritten = walk(None, ["carol"])
    for event, original in zip(rewritten["log"], genuine["log"]):
        event["auth"] = original["auth"]
    assert relman.verify_log(rewritten)["valid"] is True
    verdict = relman.verify_log(rewritten, keys=HMAC_KEYS)
    assert verdict["valid"] is False
    assert verdict["tamper"]["kind"] == "unauthenticated"
    assert verdict["tamper"]["path"] == "log[3]"
    report = relman.check(rewritten, "deployment", CONTEXT, keys=HMAC_KEYS)
    assert next(q for q in report["requirements"] if q["rule"] == "record.log")["met"] is False
    with pytest.raises(relman.LogTampered) as e:
        relman.apply(rewritten, command(rewritten, "carol", "approve", role="cab"), CONTEXT, keys=HMAC_KEYS)
    assert e.value.path == "log[3]"


def test_ed25519_public_key_verifies_and_stripped_logs_are_refused() -> None:
    signer = {"signing_key": "ed", "keys": [{"id": "ed", "alg": "ed25519", "secret": ED_SEED}]}
    auditor = {"keys": [{"id": "ed", "alg": "ed25519", "public": ED_PUBLIC}]}
    r = walk(signer, [])
    assert len(r["log"][-1]["auth"]["mac"]) == 128
    assert relman.verify_log(r, keys=auditor)["valid"] is True
    stripped = copy.deepcopy(r)
    for event in stripped["log"]:
        del event["auth"]
    verdict = relman.verify_log(stripped, keys=auditor)
    assert verdict["tamper"]["kind"] == "unauthenticated"
    assert verdict["tamper"]["path"] == f"log[{len(stripped['log']) - 1}]"
    # Adopting unkeyed logs accepts it, with a warning.
    adopted = relman.verify_log(stripped, keys=dict(auditor, adopt_unkeyed=True))
    assert adopted["valid"] is True and adopted["warnings"][0]["code"] == "unkeyed_log"
    # An auditor's keyring cannot sign new events.
    with pytest.raises(relman.InvalidInput) as e:
        relman.apply(r, command(r, "mia", "approve", role="cab"), CONTEXT, keys=auditor)
    assert e.value.path == "keys.signing_key"


def test_bad_keyrings_name_the_path_and_hide_the_secret() -> None:
    r = planning()
    with pytest.raises(relman.InvalidInput) as e:
        relman.verify_log(r, keys={"keys": [{"id": "k", "alg": "hmac-sha256", "secret": "0011"}]})
    assert e.value.path == "keys.keys[0].secret"
    with pytest.raises(relman.InvalidInput) as e:
        relman.verify_log(r, keys={"keys": [{"id": "k", "alg": "rsa", "secret": "top-secret-value"}]})
    assert "top-secret-value" not in str(e.value)


def test_a_stale_head_raises_conflict_with_both_heads() -> None:
    r = walk(None, [])
    stale = r["log"][-1]["hash"]
    moved = relman.apply(r, command(r, "mia", "approve", role="cab"), CONTEXT)["release"]
    with pytest.raises(relman.Conflict) as e:
        relman.apply(moved, command(moved, "carol", "approve", role="cab"), CONTEXT, expected_head=stale)
    assert isinstance(e.value, relman.RelmanError)
    assert e.value.code == "conflict" and e.value.path == "log"
    assert e.value.expected == stale
    assert e.value.found == moved["log"][-1]["hash"]
    ok = relman.apply(moved, command(moved, "carol", "approve", role="cab"), CONTEXT,
                      expected_head=moved["log"][-1]["hash"])
    assert ok["release"]["state"] == "approval"
