// Acceptance 2: every conformance vector of core/tests/vectors runs through
// the Node API (operation `assess_risk` → `assessRisk(...)`, parameters
// positional in the order of `operations()`, or one object for the
// functions that take one), one test per vector. An operation the package
// does not expose fails its vector.

import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';
import * as relman from '../index.js';
import { checkVector, diff, vectorFiles } from './conformance.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const vectorRoot = join(repo, 'core', 'tests', 'vectors');
const table = new Map(relman.operations().map((op) => [op.name, op]));

const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

/**
 * Runs one operation through its camelCase function. A vector that passes
 * a parameter the function has no place for (a misspelt name) cannot be
 * written as a positional call: it goes through `call(name, input)`, the
 * by-name entry, which reports the unknown parameter.
 */
export function run(operation, input) {
  const fn = relman[camel(operation)];
  const op = table.get(operation);
  if (typeof fn !== 'function' || !op) {
    throw new Error(`operation \`${operation}\` is not exposed by the Node package`);
  }
  const known = new Set(op.params.map((p) => p.name));
  const fits = op.takesObject || Object.keys(input ?? {}).every((k) => known.has(k));
  try {
    if (!fits) return { ok: relman.call(operation, input) };
    if (op.takesObject) return { ok: fn(input) };
    return { ok: fn(...op.params.map((p) => input?.[p.name])) };
  } catch (error) {
    return { error };
  }
}

const files = vectorFiles(vectorRoot);

test('vectors are found', () => {
  assert.ok(files.length > 100, `only ${files.length} vectors`);
});

for (const file of files) {
  test(`vector ${relative(vectorRoot, file)}`, () => checkVector(file, run));
}

test('an operation the package does not expose fails its vector', () => {
  assert.throws(() => run('no_such_operation', {}), /not exposed/);
});

test('the float comparison is relative', () => {
  assert.equal(diff({ x: [1.0, 1e300] }, { x: [1.0 + 1e-12, 1e300 * (1 + 1e-12)] }), null);
  assert.notEqual(diff({ x: [1.0001, 1e300] }, { x: [1.0, 1e300] }), null);
  assert.notEqual(diff({ a: 1 }, { a: 1, b: 2 }), null);
});
