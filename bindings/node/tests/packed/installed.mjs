// The npm packages as a user gets them: scripts/test-node packs `relman`
// and its platform package `relman-linux-x64-gnu` (release addon, symbols
// stripped by `napi build --strip`), installs both tarballs into a fresh
// folder, and runs this file with RELMAN_PACKED_DIR naming that folder and
// no Rust toolchain on PATH. Not matched by `node --test tests/`: it needs
// that folder.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { runQuickStarts } from '../quick-starts.mjs';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = process.env.RELMAN_PACKED_DIR;
if (!dir) {
  throw new Error('RELMAN_PACKED_DIR is not set: run through scripts/test-node');
}
const modules = join(dir, 'node_modules');
const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));

test('no Rust toolchain is on PATH', () => {
  for (const tool of ['cargo', 'rustc']) {
    const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
    assert.notEqual(r.status, 0, `${tool} is on PATH: ${r.stdout}`);
  }
});

test('relman loads its addon from the platform package', () => {
  const require = createRequire(join(dir, 'consumer.cjs'));
  assert.equal(require.resolve('relman'), join(modules, 'relman', 'index.js'));
  const relman = require('relman');
  assert.equal(typeof relman.assessRisk, 'function');
  const addons = Object.keys(require.cache).filter((f) => f.endsWith('.node'));
  assert.deepEqual(addons, [join(modules, 'relman-linux-x64-gnu', 'relman.linux-x64-gnu.node')]);
  // The main package carries no binary; the platform package is the one
  // its optionalDependencies name (written by `napi pre-publish`), at the
  // same version.
  assert.equal(existsSync(join(modules, 'relman', 'relman.linux-x64-gnu.node')), false);
  const installed = JSON.parse(readFileSync(join(modules, 'relman', 'package.json'), 'utf8'));
  const platform = JSON.parse(readFileSync(join(modules, 'relman-linux-x64-gnu', 'package.json'), 'utf8'));
  assert.equal(installed.version, manifest.version);
  assert.deepEqual(installed.optionalDependencies, { [platform.name]: manifest.version });
  assert.equal(platform.version, manifest.version);
});

test('the installed addon is the stripped release build', () => {
  const addon = join(modules, 'relman-linux-x64-gnu', 'relman.linux-x64-gnu.node');
  const r = spawnSync('nm', [addon], { encoding: 'utf8' });
  // `nm` on a stripped shared object: no symbol table at all.
  assert.match(r.stdout + r.stderr, /no symbols/, 'the addon still has its symbol table');
  const dynamic = spawnSync('nm', ['-D', '--defined-only', addon], { encoding: 'utf8' });
  assert.equal(dynamic.status, 0, dynamic.stderr);
  assert.match(dynamic.stdout, / napi_register_module_v1$/m);
});

test('the README quick start runs against the installed packages, ESM and CommonJS alike', () => {
  runQuickStarts(dir);
});

test('a tsc --strict consumer compiles against the installed typings', () => {
  copyFileSync(join(pkg, 'tests', 'consumer', 'consumer.ts'), join(dir, 'consumer.ts'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: 'es2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      types: ['node'],
      typeRoots: [join(pkg, 'node_modules', '@types')],
      skipLibCheck: false,
    },
    files: ['consumer.ts'],
  }, null, 2));
  const tsc = join(pkg, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--traceResolution'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout.split('\n').filter((l) => /error TS/.test(l)).join('\n') + r.stderr);
  // The typings came from the installed package, not from this folder.
  const resolved = r.stdout.match(/Module name 'relman' was successfully resolved to '([^']+)'/);
  assert.ok(resolved, 'tsc did not resolve relman');
  assert.ok(resolved[1].startsWith(modules + sep), resolved[1]);
});
