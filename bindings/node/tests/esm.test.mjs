// `import` works: named and default imports, by path and by package name.

import test from 'node:test';
import assert from 'node:assert/strict';
import relmanDefault, { assessRisk, operations, computeKpisAsync } from 'relman';
import * as byPath from '../index.js';

test('named and default imports of the package', () => {
  assert.equal(typeof assessRisk, 'function');
  assert.equal(typeof computeKpisAsync, 'function');
  assert.equal(relmanDefault.assessRisk, assessRisk);
  assert.equal(byPath.assessRisk, assessRisk);
  assert.equal(operations().length, relmanDefault.operations().length);
  assert.ok(operations().length >= 18);
  const verdict = relmanDefault.verifyLog({ id: 'R', title: 'T', kind: 'minor', state: 'planning' });
  assert.equal(verdict.valid, true);
});

test('a dynamic import gives the same module', async () => {
  const dynamic = await import('relman');
  assert.equal(dynamic.assessRisk, assessRisk);
});
