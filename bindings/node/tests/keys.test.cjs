// Keyed audit chains and the compare-and-swap on the log head from Node:
// `keys` on apply, check and verifyLog; a `conflict` error with `expected`
// and `found` (docs/lifecycle.md, "Keyed chains"). Each scenario is built
// by applying commands, independent of the vectors.

const test = require('node:test');
const assert = require('node:assert/strict');
const relman = require('../index.js');

const { context, planning, command, thrown } = require('./minor-release.cjs');

const hmacKeys = {
  signing_key: 'host-1',
  keys: [{ id: 'host-1', alg: 'hmac-sha256', secret: '00112233445566778899aabbccddeeff' }],
};
const edSeed = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const edPublic = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';

/** Planning to approval, then one CAB vote per approver, keyed by `keys`. */
function walk(keys, approvers) {
  let r = planning();
  for (let i = 0; i < 3; i++) r = relman.apply(r, command(r, 'rita', 'advance'), context, null, keys).release;
  for (const who of approvers) {
    r = relman.apply(r, command(r, who, 'approve', { role: 'cab' }), context, null, keys).release;
  }
  return r;
}

test('every event is keyed and a rewrite with recomputed hashes is unauthenticated', () => {
  const genuine = walk(hmacKeys, ['mia']);
  for (const e of genuine.log) assert.deepEqual([e.auth.key_id, e.auth.alg], ['host-1', 'hmac-sha256']);
  assert.equal(relman.verifyLog(genuine, null, hmacKeys).valid, true);
  assert.equal(relman.verifyLog(genuine).warnings[0].code, 'keys_not_checked');
  const rewritten = walk(null, ['carol']);
  rewritten.log.forEach((e, i) => { e.auth = genuine.log[i].auth; });
  assert.equal(relman.verifyLog(rewritten).valid, true);
  const verdict = relman.verifyLog(rewritten, null, hmacKeys);
  assert.equal(verdict.valid, false);
  assert.equal(verdict.tamper.kind, 'unauthenticated');
  assert.equal(verdict.tamper.path, 'log[3]');
  const report = relman.check(rewritten, 'deployment', context, hmacKeys);
  assert.equal(report.requirements.find((q) => q.rule === 'record.log').met, false);
  const err = thrown(() => relman.apply(rewritten, command(rewritten, 'carol', 'approve', { role: 'cab' }), context, null, hmacKeys));
  assert.equal(err.code, 'log_tampered');
  assert.equal(err.path, 'log[3]');
});

test('an Ed25519 public key verifies; a stripped log is refused; bad keyrings name the path', () => {
  const signer = { signing_key: 'ed', keys: [{ id: 'ed', alg: 'ed25519', secret: edSeed }] };
  const auditor = { keys: [{ id: 'ed', alg: 'ed25519', public: edPublic }] };
  const r = walk(signer, []);
  assert.equal(relman.verifyLog(r, null, auditor).valid, true);
  const stripped = structuredClone(r);
  for (const e of stripped.log) delete e.auth;
  const verdict = relman.verifyLog(stripped, null, auditor);
  assert.equal(verdict.tamper.kind, 'unauthenticated');
  assert.equal(verdict.tamper.path, `log[${stripped.log.length - 1}]`);
  const bad = thrown(() => relman.verifyLog(r, null, { keys: [{ id: 'k', alg: 'hmac-sha256', secret: '0011' }] }));
  assert.equal(bad.code, 'invalid_input');
  assert.equal(bad.path, 'keys.keys[0].secret');
  const unsigned = thrown(() => relman.apply(r, command(r, 'mia', 'approve', { role: 'cab' }), context, null, auditor));
  assert.equal(unsigned.code, 'invalid_input');
  assert.equal(unsigned.path, 'keys.signing_key');
});

test('a stale head throws conflict naming both heads', () => {
  const r = walk(null, []);
  const stale = r.log.at(-1).hash;
  const moved = relman.apply(r, command(r, 'mia', 'approve', { role: 'cab' }), context).release;
  const err = thrown(() => relman.apply(moved, command(moved, 'carol', 'approve', { role: 'cab' }), context, stale));
  assert.ok(relman.isRelmanError(err));
  assert.equal(err.code, 'conflict');
  assert.equal(err.path, 'log');
  assert.equal(err.expected, stale);
  assert.equal(err.found, moved.log.at(-1).hash);
  const ok = relman.apply(moved, command(moved, 'carol', 'approve', { role: 'cab' }), context, moved.log.at(-1).hash);
  assert.equal(ok.release.state, 'approval');
});
