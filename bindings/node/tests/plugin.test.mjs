// The example plugin examples/node/change-gate-plugin.mjs: beforeDeploy
// allows or denies with reasons, risk and conflicts, and its verdict is
// always core's readiness check (no rules of its own).

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import * as relman from '../index.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const plugin = join(repo, 'examples', 'node', 'change-gate-plugin.mjs');
const { beforeDeploy } = await import(plugin);
const load = (...parts) => JSON.parse(readFileSync(join(repo, ...parts), 'utf8'));
// The bundled directory with the bundled calendar, schedule and CMDB: what
// readiness needs (the risk is assessed, so a CMDB at least).
const ready = () => ({
  ...load('examples', 'data', 'context.json'),
  calendar: load('examples', 'data', 'calendar.json'),
  schedule: load('examples', 'data', 'schedule.json'),
  cmdb: load('examples', 'data', 'cmdb.json'),
});

test('a ready release is allowed, with its risk and no conflict', () => {
  const gate = beforeDeploy(load('examples', 'data', 'release-minor.json'), ready());
  assert.equal(gate.allow, true, gate.reasons.join('\n'));
  assert.deepEqual(gate.reasons, []);
  assert.deepEqual(gate.conflicts, []);
  assert.equal(gate.risk.level, 'medium');
  assert.ok(gate.risk.factors.length > 0);
});

test('readiness fails closed: without a CMDB the assessed risk is not ready', () => {
  const gate = beforeDeploy(load('examples', 'data', 'release-minor.json'), load('examples', 'data', 'context.json'));
  assert.equal(gate.allow, false);
  assert.deepEqual(gate.reasons, ['readiness.context: not ready: the context lacks cmdb: risk uses blast_radius (weight 1.5)']);
});

test('a blocking conflict in the schedule denies, naming it', () => {
  const release = load('examples', 'data', 'release-minor.json');
  const other = {
    id: 'REL-OTHER', title: 'Web farm patch', kind: 'patch', state: 'approval',
    planned_start: release.planned_start, planned_end: release.planned_end, affected_cis: ['web-prd-01'],
  };
  const context = { ...load('examples', 'data', 'context.json'), schedule: { releases: [other] }, cmdb: load('examples', 'data', 'cmdb.json') };
  const gate = beforeDeploy(release, context);
  assert.equal(gate.allow, false);
  assert.ok(gate.reasons.some((r) => r.startsWith('approval.conflicts:')), gate.reasons.join('\n'));
  assert.ok(gate.conflicts.some((c) => c.kind === 'ci_overlap' && c.items.includes('REL-OTHER')));
});

test('a rejected approval denies with the reason', () => {
  const release = load('examples', 'data', 'release-minor.json');
  const context = load('examples', 'data', 'context.json');
  const rejection = { command: 'reject', actor: 'jonas.schmidt', role: 'cab', at: '2026-11-13T09:00:00Z', comment: 'not before the freeze review' };
  const gate = beforeDeploy(relman.apply(release, rejection, context).release, context);
  assert.equal(gate.allow, false);
  assert.ok(gate.reasons.some((r) => r.startsWith('approval.no_rejection:')), gate.reasons.join('\n'));
  // A rejection written straight into the document is no vote: the record
  // does not hold, and that is the reason.
  release.approvals[0].decision = 'rejected';
  const edited = beforeDeploy(release, context);
  assert.equal(edited.allow, false);
  assert.ok(edited.reasons.some((r) => r.startsWith('record.log:')), edited.reasons.join('\n'));
});

test('the verdict is core readiness check, vector by vector', () => {
  for (const name of ['approval_ready_for_deployment', 'approval_double_vote_counts_once',
    'emergency_blackout_override', 'emergency_blackout_without_override']) {
    const v = load('core', 'tests', 'vectors', 'check', `${name}.json`);
    const gate = beforeDeploy(v.input.release, v.input.context);
    assert.equal(gate.allow, v.expected.allowed, name);
    assert.equal(gate.allow, relman.check(v.input.release, 'deployment', v.input.context).allowed, name);
    assert.equal(gate.reasons.length, v.expected.requirements.filter((r) => !r.met).length, name);
  }
});

test('bad input throws the relman error', () => {
  assert.throws(() => beforeDeploy({ id: 'R' }, {}), (e) => e.code === 'invalid_input' && e.path === 'title');
});

test('run as a script it prints the decision and exits 0 on allow', () => {
  const contextFile = join(mkdtempSync(join(tmpdir(), 'relman-plugin-')), 'context.json');
  writeFileSync(contextFile, JSON.stringify(ready()));
  const r = spawnSync(process.execPath, [plugin, join(repo, 'examples', 'data', 'release-minor.json'),
    contextFile], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).allow, true);
});
