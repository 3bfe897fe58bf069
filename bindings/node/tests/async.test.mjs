// Acceptance 5: the heavy operations also run off the main thread
// (AsyncTask on the libuv pool) and return Promises; while an async KPI
// call runs, the event loop keeps turning.

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import * as relman from '../index.js';
import { syntheticHistory } from './history.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const load = (...parts) => JSON.parse(readFileSync(join(repo, ...parts), 'utf8'));

test('setInterval fires while computeKpisAsync runs on a large history', async () => {
  // 10 000 deployments: about a second of KPI work in the dev build.
  const history = syntheticHistory(10_000);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  try {
    const pending = relman.computeKpisAsync(history, { series: 'week', group_by: 'service' });
    assert.ok(pending instanceof Promise);
    const report = await pending;
    assert.equal(report.records.deployments_read, 10_000);
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticks >= 3, `the interval fired only ${ticks} times during the call`);
});

test('each async function resolves to what its sync twin returns', async () => {
  const history = load('examples', 'data', 'history.json');
  const schedule = load('examples', 'data', 'schedule.json');
  const context = load('examples', 'data', 'context.json');
  const releases = ['release-minor.json', 'release-major.json', 'release-emergency.json'].map((f) =>
    load('examples', 'data', f),
  );
  assert.deepEqual(await relman.computeKpisAsync(history), relman.computeKpis(history));
  assert.deepEqual(await relman.detectConflictsAsync(schedule), relman.detectConflicts(schedule));
  assert.deepEqual(await relman.assessRiskManyAsync(releases, context), relman.assessRiskMany(releases, context));
  const fit = load('core', 'tests', 'vectors', 'fit_risk_model', 'forty_releases.json').input;
  assert.deepEqual(
    await relman.fitRiskModelAsync(fit.history, fit.options, fit.context),
    relman.fitRiskModel(fit.history, fit.options, fit.context),
  );
});

test('async errors reject with the same codes and paths', async () => {
  const bad = load('core', 'tests', 'vectors', 'compute_kpis', 'from_after_to.json').input;
  await assert.rejects(relman.computeKpisAsync(bad.history, bad.options), (e) => {
    return e instanceof Error && e.code === 'invalid_input' && e.path === 'options.to';
  });
  let deep = [];
  for (let i = 0; i < 100_000; i++) deep = [deep];
  await assert.rejects(relman.detectConflictsAsync(deep), (e) => e.code === 'limit_exceeded');
  await assert.rejects(relman.assessRiskManyAsync('not a list'), (e) => e.code === 'invalid_input' && e.path === 'releases');
});
