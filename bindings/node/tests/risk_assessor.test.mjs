// RiskAssessor: every `assess_risk` and `assess_risk_many` conformance
// vector through a prepared assessor (twice), compared with the vector's
// expected output and with the function called directly; an invalid
// context fails the constructor with the operation's error; bad releases
// fail (or fill a batch slot) as the operation's do.

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import * as relman from '../index.js';
import { diff } from './conformance.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const vectors = join(repo, 'core', 'tests', 'vectors');
const list = (op) => readdirSync(join(vectors, op)).filter((f) => f.endsWith('.json')).sort();
const load = (op, file) => JSON.parse(readFileSync(join(vectors, op, file), 'utf8'));

const attempt = (fn) => {
  try {
    return { ok: fn() };
  } catch (error) {
    return { error };
  }
};

const sameError = (a, b) => {
  assert.ok(a.error, `expected an error, got ${JSON.stringify(a.ok)}`);
  assert.ok(b.error);
  assert.equal(a.error.code, b.error.code);
  assert.equal(a.error.message, b.error.message);
  assert.equal(a.error.path, b.error.path);
};

const cases = [
  ['assess_risk', 'release', (a, x) => a.assess(x), (x, c) => relman.assessRisk(x, c)],
  ['assess_risk_many', 'releases', (a, x) => a.assessMany(x), (x, c) => relman.assessRiskMany(x, c)],
];

for (const [op, param, method, direct] of cases) {
  const files = list(op);
  test(`there are ${op} vectors`, () => assert.ok(files.length >= 3));
  for (const file of files) {
    test(`${op}/${file} through a RiskAssessor`, () => {
      const vector = load(op, file);
      assert.equal(vector.operation, op);
      const { context, ...rest } = vector.input;
      assert.deepStrictEqual(Object.keys(rest), [param]);
      const arg = rest[param];
      const called = attempt(() => direct(arg, context));
      const built = attempt(() => new relman.RiskAssessor(context));
      const results = built.error ? [built] : [0, 1].map(() => attempt(() => method(built.ok, arg)));
      for (const got of results) {
        if (vector.expected_error) {
          sameError(got, called);
          assert.equal(got.error.code, vector.expected_error.code);
          if ('path' in vector.expected_error) assert.equal(got.error.path, vector.expected_error.path);
        } else {
          assert.ifError(got.error);
          assert.equal(diff(vector.expected, got.ok), null);
          assert.deepStrictEqual(got.ok, called.ok);
        }
      }
    });
  }
}

test("errors are the operation's", () => {
  const { releases, context } = load('assess_risk_many', 'mixed_batch.json').input;
  const assessor = new relman.RiskAssessor(context);
  for (const bad of [{ id: 3 }, '{not json', 7, undefined]) {
    sameError(attempt(() => assessor.assess(bad)), attempt(() => relman.assessRisk(bad, context)));
  }
  sameError(
    attempt(() => assessor.assessMany({ not: 'a list' })),
    attempt(() => relman.assessRiskMany({ not: 'a list' }, context)),
  );
  const bad = attempt(() => new relman.RiskAssessor('{not json'));
  sameError(bad, attempt(() => relman.assessRisk(releases[0], '{not json')));
  assert.deepStrictEqual(
    assessor.assessMany(releases),
    relman.assessRiskMany(releases, context),
  );
});
