// What `npm pack` publishes and what a user of the package meets first:
// the packed file list, the licenses, the README quick start (run as
// written, ESM and CommonJS), and a `tsc --strict` consumer that reads
// always-present result fields (`warnings`) without a fallback.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(pkg, '..', '..');
const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
const relman = createRequire(import.meta.url)(join(pkg, 'index.js'));

function packedFiles() {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: pkg, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [report] = JSON.parse(r.stdout);
  return report.files.map((f) => f.path);
}

test('npm pack ships the loader, typings, README and licenses, and no tests', () => {
  const files = packedFiles();
  for (const wanted of ['package.json', 'index.js', 'index.d.ts', 'types.d.ts', 'README.md',
    'LICENSE', 'LICENSE-MIT', 'LICENSE-APACHE']) {
    assert.ok(files.includes(wanted), `npm pack lacks ${wanted}: ${files.join(', ')}`);
  }
  for (const file of files) {
    assert.doesNotMatch(file, /^(tests|scripts|src|node_modules)\//, `npm pack ships ${file}`);
    assert.doesNotMatch(file, /\.test\.|^internal\.cjs$|^Cargo\.toml$|^build\.rs$/, `npm pack ships ${file}`);
  }
  // Every `files` entry names something that exists (no `index.mjs`
  // that was never written).
  for (const entry of manifest.files) {
    const pattern = new RegExp(`^${entry.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`);
    assert.ok(files.some((f) => pattern.test(f)), `files entry ${entry} matches nothing`);
  }
});

test('the package licenses are the repository licenses', () => {
  for (const name of ['LICENSE', 'LICENSE-MIT', 'LICENSE-APACHE']) {
    assert.equal(readFileSync(join(pkg, name), 'utf8'), readFileSync(join(repo, name), 'utf8'), name);
  }
  assert.equal(manifest.license, 'MIT OR Apache-2.0');
});

test('no placeholder URLs in the package metadata or README', () => {
  const texts = [JSON.stringify(manifest), readFileSync(join(pkg, 'README.md'), 'utf8')];
  for (const text of texts) {
    assert.doesNotMatch(text, /example\.(invalid|com|org)|your-?(org|name)|TODO|FIXME/i);
  }
  // There is no public repository: no URL is better than an invented one.
  for (const field of ['repository', 'homepage', 'bugs']) {
    assert.equal(field in manifest, false, `package.json has ${field}`);
  }
});

// The README's two quick starts, run as written against the package
// installed under its name (node_modules/relman links to this folder).
function quickStarts() {
  const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/\(`(quick-start\.(?:mjs|cjs))`\)[^`]*```js\n([\s\S]*?)```/g)];
  return new Map(blocks.map((m) => [m[1], m[2]]));
}

test('the README quick start runs, ESM and CommonJS alike', () => {
  const starts = quickStarts();
  assert.deepEqual([...starts.keys()].sort(), ['quick-start.cjs', 'quick-start.mjs']);
  assert.match(starts.get('quick-start.mjs'), /^import .* from 'relman';/m);
  assert.match(starts.get('quick-start.cjs'), /= require\('relman'\);/);
  const dir = mkdtempSync(join(tmpdir(), 'relman-readme-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(pkg, join(dir, 'node_modules', 'relman'), 'dir');
    const outputs = [];
    for (const [file, code] of starts) {
      writeFileSync(join(dir, file), code);
      const r = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, `${file}: ${r.stderr}`);
      outputs.push(r.stdout);
    }
    assert.equal(outputs[0], outputs[1], 'ESM and CommonJS print differently');
    assert.match(outputs[0],
      /^risk (low|medium|high|critical) \(\d+(\.\d+)?\), \d+ warnings\nto development: (allowed|denied)\nerror invalid_input at \S+\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a tsc --strict consumer reads warnings without a fallback', () => {
  const tsc = join(pkg, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tests/consumer/tsconfig.json'], { cwd: pkg, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const source = readFileSync(join(pkg, 'tests', 'consumer', 'consumer.ts'), 'utf8');
  assert.match(source, /\)\.warnings\.length/);
  assert.doesNotMatch(source, /warnings\?|\?\? \[\]/);
});

test('the results the consumer reads carry warnings at run time too', () => {
  const release = { id: 'REL-1', title: 'Checkout 5.0', kind: 'minor', state: 'planning' };
  const context = { now: new Date(), actors: [{ id: 'alice', roles: ['release_manager'] }] };
  const rows = [{ sys_id: 'c1', number: 'CHG001', short_description: 'Patch' }];
  const results = [
    relman.assessRisk(release, context),
    relman.verifyLog(release),
    relman.closure(release),
    relman.releaseNotes(release, 'markdown'),
    relman.cabAgenda({ releases: [release] }, new Date(0), new Date(), context),
    relman.importServicenow({ change_requests: { result: rows } }),
  ];
  for (const result of results) assert.ok(Array.isArray(result.warnings), JSON.stringify(result));
});
