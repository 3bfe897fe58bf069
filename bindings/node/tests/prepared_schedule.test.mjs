// PreparedSchedule: every conformance vector of `detect_conflicts` runs
// through a prepared schedule (built once, asked twice) and is held to the
// vector's expected output or error, exactly like `detectConflicts`.

import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import * as relman from '../index.js';
import { checkVector, vectorFiles } from './conformance.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const vectorRoot = join(repo, 'core', 'tests', 'vectors');
const files = vectorFiles(vectorRoot).filter((f) => f.split(/[\\/]/).at(-2) === 'detect_conflicts');

function prepared(operation, input) {
  assert.equal(operation, 'detect_conflicts');
  try {
    const p = new relman.PreparedSchedule(input?.schedule);
    const first = p.conflicts();
    assert.deepEqual(p.conflicts(), first);
    return { ok: first };
  } catch (error) {
    return { error };
  }
}

test('there are detect_conflicts vectors', () => {
  assert.ok(files.length >= 5, `only ${files.length}`);
});

for (const file of files) {
  test(`prepared ${file.split(/[\\/]/).at(-1)}`, () => {
    checkVector(file, prepared);
    // The same outcome as the operation, errors included.
    const vector = JSON.parse(readFileSync(file, 'utf8'));
    const a = prepared('detect_conflicts', vector.input);
    let b;
    try {
      b = { ok: relman.detectConflicts(vector.input.schedule) };
    } catch (error) {
      b = { error };
    }
    if ('ok' in a) assert.deepEqual(a.ok, b.ok);
    else {
      assert.equal(a.error.code, b.error.code);
      assert.equal(a.error.path, b.error.path);
      assert.equal(a.error.message, b.error.message);
    }
  });
}

test('a bad schedule throws like detectConflicts', () => {
  assert.throws(() => new relman.PreparedSchedule({ releases: [{ id: 3 }] }), (e) => {
    let op;
    try {
      relman.detectConflicts({ releases: [{ id: 3 }] });
    } catch (error) {
      op = error;
    }
    return e.code === op.code && e.path === op.path && e.message === op.message;
  });
});
