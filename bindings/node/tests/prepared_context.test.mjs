// PreparedContext: every `check` conformance vector through a prepared
// context (cold, then warm from its cache), compared with the vector's
// expected output; errors are the same; a tampered release after a cached
// check of the genuine one is denied exactly as `check` denies it.

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import * as relman from '../index.js';
import { diff } from './conformance.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const folder = join(repo, 'core', 'tests', 'vectors', 'check');
const files = readdirSync(folder).filter((f) => f.endsWith('.json')).sort();
const load = (file) => JSON.parse(readFileSync(join(folder, file), 'utf8'));

const attempt = (fn) => {
  try {
    return { ok: fn() };
  } catch (error) {
    return { error };
  }
};

test('there are check vectors', () => assert.ok(files.length >= 5));

for (const file of files) {
  test(`check/${file} through a prepared context`, () => {
    const vector = load(file);
    assert.equal(vector.operation, 'check');
    const { release, target, context, keys } = vector.input;
    const direct = attempt(() => relman.check(release, target, context, keys));
    const built = attempt(() => new relman.PreparedContext(context, keys));
    const results = built.error
      ? [built]
      : [0, 1].map(() => attempt(() => built.ok.check(release, target)));
    for (const got of results) {
      if (vector.expected_error) {
        assert.ok(got.error, `expected an error, got ${JSON.stringify(got.ok)}`);
        assert.equal(got.error.code, vector.expected_error.code);
        if ('path' in vector.expected_error) assert.equal(got.error.path, vector.expected_error.path);
        assert.equal(got.error.code, direct.error.code);
        assert.equal(got.error.message, direct.error.message);
        assert.equal(got.error.path, direct.error.path);
      } else {
        assert.ifError(got.error);
        assert.equal(diff(vector.expected, got.ok), null);
        assert.deepStrictEqual(got.ok, direct.ok);
      }
    }
  });
}

test('a tampered release after a cached check is denied as check denies it', () => {
  const { release, target, context } = load('approval_ready_for_deployment.json').input;
  const prepared = new relman.PreparedContext(context);
  const genuine = prepared.check(release, target);
  assert.equal(genuine.allowed, true);
  assert.equal(prepared.cached(), 1);
  const tampered = structuredClone(release);
  tampered.log[tampered.log.length - 1].actor = 'mallory';
  const got = prepared.check(tampered, target);
  assert.deepStrictEqual(got, relman.check(tampered, target, context));
  assert.equal(got.allowed, false);
  assert.deepStrictEqual(prepared.check(release, target), genuine);
});

test('errors are the operation\'s', () => {
  const { release, context } = load('approval_ready_for_deployment.json').input;
  const prepared = new relman.PreparedContext(context);
  const a = attempt(() => prepared.check(release, 'nowhere'));
  const b = attempt(() => relman.check(release, 'nowhere', context));
  assert.equal(a.error.code, 'invalid_input');
  assert.equal(a.error.message, b.error.message);
  assert.equal(a.error.path, b.error.path);
  const bad = attempt(() => new relman.PreparedContext({ actors: 3 }));
  assert.equal(bad.error.code, 'invalid_input');
});
