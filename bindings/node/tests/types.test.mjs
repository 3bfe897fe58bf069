// Acceptance 4: the generated index.d.ts types every function. A file
// calling every function type-checks under `tsc --noEmit --strict`; a file
// of deliberately wrong calls fails, with an error on every marked line.

import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(pkg, 'node_modules', 'typescript', 'bin', 'tsc');
const strict = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext',
  '--moduleResolution', 'nodenext', '--types', 'node'];

function runTsc(args) {
  const r = spawnSync(process.execPath, [tsc, ...args], { cwd: pkg, encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

test('a file calling every function type-checks with tsc --noEmit --strict', () => {
  const { status, output } = runTsc(['-p', 'tests/types/tsconfig.json']);
  assert.equal(status, 0, output);
  // The file really calls every function the package declares.
  // Hand-written calls, and one call of every operation generated from
  // relman's catalog (operations.generated.ts, by relman-codegen).
  const source = ['every-function.ts', 'operations.generated.ts']
    .map((f) => readFileSync(join(pkg, 'tests', 'types', f), 'utf8'))
    .join('\n');
  const declared = [...readFileSync(join(pkg, 'index.d.ts'), 'utf8').matchAll(/^export declare function (\w+)/gm)]
    .map((m) => m[1])
    .filter((name) => !name.startsWith('_'));
  assert.ok(declared.length >= 18 + 4);
  for (const name of declared) {
    assert.match(source, new RegExp(`relman\\.${name}\\(`), `no typed call of ${name}`);
  }
});

test('deliberately wrong calls fail to type-check, each one reported', () => {
  const { status, output } = runTsc([...strict, 'tests/types/wrong-calls.ts']);
  assert.notEqual(status, 0, 'tsc accepted wrong calls');
  const source = readFileSync(join(pkg, 'tests', 'types', 'wrong-calls.ts'), 'utf8').split('\n');
  const marked = source.flatMap((line, i) => (/^[^/].*\/\/ error:/.test(line) ? [i + 1] : []));
  assert.ok(marked.length >= 10);
  const reported = new Set([...output.matchAll(/wrong-calls\.ts\((\d+),\d+\): error TS/g)].map((m) => Number(m[1])));
  for (const line of marked) {
    assert.ok(reported.has(line), `no type error on line ${line}: ${source[line - 1]}\n${output}`);
  }
});

test('no `any` in the public signatures', () => {
  const dts = readFileSync(join(pkg, 'index.d.ts'), 'utf8');
  const code = dts.replace(/\/\*\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  assert.doesNotMatch(code, /\bany\b/);
});

test('types.d.ts is what gen-types makes from the current schemas', () => {
  execFileSync(process.execPath, [join(pkg, 'scripts', 'gen-types.mjs'), '--check'], { stdio: 'pipe' });
});

// types.d.ts types a result's property required when its schema gives a
// `default` (gen-types: serde writes it always). Checked on every
// conformance vector's expected result: each schema, with such properties
// added to `required` everywhere, still accepts it.
test('every property a result schema gives a default is in every vector result', async () => {
  const { default: Ajv2020 } = await import('ajv/dist/2020.js');
  const { default: addFormats } = await import('ajv-formats');
  const repo = join(pkg, '..', '..');
  const index = JSON.parse(readFileSync(join(repo, 'schemas', 'index.json'), 'utf8'));
  let added = 0;
  const written = (value) => {
    if (Array.isArray(value)) return value.map(written);
    if (value === null || typeof value !== 'object') return value;
    const out = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'default' ? v : written(v)]));
    if (value.properties && typeof value.properties === 'object') {
      const defaulted = Object.entries(value.properties)
        .filter(([name, prop]) => prop && typeof prop === 'object' && 'default' in prop
          && !(value.required ?? []).includes(name))
        .map(([name]) => name);
      added += defaulted.length;
      if (defaulted.length) out.required = [...(value.required ?? []), ...defaulted];
    }
    return out;
  };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const vectorRoot = join(repo, 'core', 'tests', 'vectors');
  let checked = 0;
  for (const { name, direction, description, file } of index) {
    const op = /^The (?:verdict|result) of (\w+)/.exec(description)?.[1];
    if (direction !== 'output' || !op || !existsSync(join(vectorRoot, op))) continue;
    const validate = ajv.compile(written(JSON.parse(readFileSync(join(repo, 'schemas', file), 'utf8'))));
    for (const vector of readdirSync(join(vectorRoot, op)).filter((f) => f.endsWith('.json'))) {
      const { expected } = JSON.parse(readFileSync(join(vectorRoot, op, vector), 'utf8'));
      if (expected === undefined) continue; // an error vector
      checked += 1;
      assert.ok(validate(expected), `${op}/${vector} (${name}): ${ajv.errorsText(validate.errors)}`);
    }
  }
  assert.ok(added > 20, `only ${added} defaulted properties`);
  assert.ok(checked > 100, `only ${checked} vector results checked`);
});
