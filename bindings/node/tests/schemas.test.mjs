// Issue #27, acceptance 2: the committed JSON Schemas (`schemas/*.json`,
// written by relman-codegen) are portable. Ajv 2020 in strict mode with
// ajv-formats compiles every one of them without an error or a warning,
// accepts every bundled example against its schema and rejects a set of
// bad records (a malformed timestamp, a wrong enum value, a fractional
// integer, `schema_version: 2`), each of which relman's `validate`
// refuses too. The committed files are what `schema(name)` returns.

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import * as relman from '../index.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const schemaDir = join(repo, 'schemas');
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

// Every message Ajv logs (strict-mode warnings included) fails the test.
const logged = [];
const logger = {
  log: (...a) => logged.push(a.join(' ')),
  warn: (...a) => logged.push(a.join(' ')),
  error: (...a) => logged.push(a.join(' ')),
};
const ajv = new Ajv2020({ strict: true, allErrors: true, logger });
addFormats(ajv);

const index = readJson(join(schemaDir, 'index.json'));
const validators = new Map();
for (const { name, file } of index) {
  validators.set(name, ajv.compile(readJson(join(schemaDir, file))));
}

/** The schema name of a bundled example: by file name, or by its keys. */
function schemaOf(dir, file, doc) {
  if (dir === 'rollout') {
    if ('inputs' in doc) return 'rollout_replay';
    if ('baseline' in doc) return 'canary_comparison';
  }
  const stem = file.replace(/\.json$/, '');
  const name = stem.split('-')[0];
  return validators.has(name) ? name : undefined;
}

const examples = ['data', 'rollout'].flatMap((dir) =>
  readdirSync(join(repo, 'examples', dir))
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({ dir, file, doc: readJson(join(repo, 'examples', dir, file)) })),
);

test('schemas: index lists every schema relman knows, one file each', () => {
  assert.deepEqual(
    index.map((e) => e.name),
    relman.schemaNames(),
  );
  const files = readdirSync(schemaDir).filter((f) => f !== 'index.json').sort();
  assert.deepEqual(files, index.map((e) => e.file).sort());
});

test('schemas: the committed files are what schema(name) returns', () => {
  for (const { name, file } of index) {
    assert.deepEqual(readJson(join(schemaDir, file)), relman.schema(name), name);
  }
});

test('schemas: Ajv 2020 strict compiles all without a warning', () => {
  assert.equal(validators.size, index.length);
  assert.deepEqual(logged, []);
});

test('schemas: no non-standard format', () => {
  const formats = new Set();
  const walk = (v) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      if (typeof v.format === 'string') formats.add(v.format);
      Object.values(v).forEach(walk);
    }
  };
  for (const { file } of index) walk(readJson(join(schemaDir, file)));
  assert.deepEqual([...formats], ['date-time']);
});

test('schemas: Ajv accepts every bundled example', () => {
  assert.ok(examples.length >= 9, `${examples.length} examples`);
  for (const { dir, file, doc } of examples) {
    const name = schemaOf(dir, file, doc);
    assert.ok(name, `examples/${dir}/${file} maps to no schema`);
    const validate = validators.get(name);
    assert.ok(validate(doc), `examples/${dir}/${file} as ${name}: ${ajv.errorsText(validate.errors)}`);
  }
});

const base = readJson(join(repo, 'examples', 'data', 'release-minor.json'));
const badRecords = [
  ['a malformed timestamp', 'planned_start', '2026-12-01 21:00', 'invalid_input'],
  ['a wrong enum value', 'kind', 'huge', 'invalid_input'],
  ['a fractional integer', 'approval_round', 1.5, 'invalid_input'],
  ['schema_version 2', 'schema_version', 2, 'unsupported_version'],
];

for (const [what, field, value, code] of badRecords) {
  test(`schemas: ${what} is rejected by Ajv and by relman`, () => {
    const doc = { ...base, [field]: value };
    const validate = validators.get('release');
    assert.equal(validate(doc), false, `Ajv accepted ${what}`);
    assert.ok(
      validate.errors.some((e) => e.instancePath.startsWith(`/${field}`)),
      JSON.stringify(validate.errors),
    );
    assert.throws(
      () => relman.validate('release', doc),
      (e) => e.code === code && e.path === field,
    );
  });
}

test('schemas: the bad records are bad only in their field', () => {
  assert.ok(validators.get('release')(base));
  assert.equal(relman.validate('release', base).document, 'release');
});

test('schemas: schema_version is pinned in every document that has one', () => {
  for (const { name, file } of index) {
    const schema = readJson(join(schemaDir, file));
    const version = schema.properties?.schema_version;
    if (!version || name === 'validation_report') continue;
    assert.deepEqual(version.enum, [1, null], name);
    assert.equal(validators.get(name)({ schema_version: 2 }), false, name);
  }
});
