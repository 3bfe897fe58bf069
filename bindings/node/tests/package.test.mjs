// What `npm pack` publishes and what a user of the package meets first:
// the packed file list, the licenses, the README quick start (run as
// written, ESM and CommonJS), and a `tsc --strict` consumer that reads
// always-present result fields (`warnings`) without a fallback.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { runQuickStarts } from './quick-starts.mjs';

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
    // The addon travels in the platform packages (npm/<platform>), not here.
    assert.doesNotMatch(file, /\.node$|^npm\//, `npm pack ships ${file}`);
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

// The platform packages `napi create-npm-dirs` made for napi.targets
// (scripts/test-node checks they are what it makes).
const platforms = readdirSync(join(pkg, 'npm')).map((name) => {
  const dir = join(pkg, 'npm', name);
  return { dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) };
});

test('the package licenses are the repository licenses, in every platform package too', () => {
  assert.equal(platforms.length, manifest.napi.targets.length);
  for (const dir of [pkg, ...platforms.map((p) => p.dir)]) {
    for (const name of ['LICENSE', 'LICENSE-MIT', 'LICENSE-APACHE']) {
      assert.equal(readFileSync(join(dir, name), 'utf8'), readFileSync(join(repo, name), 'utf8'), `${dir}/${name}`);
    }
  }
  for (const m of [manifest, ...platforms.map((p) => p.manifest)]) {
    assert.equal(m.license, 'MIT OR Apache-2.0', m.name);
  }
});

test('every platform package is relman-<platform> at the main version, with README and licenses', () => {
  for (const { dir, manifest: m } of platforms) {
    assert.equal(m.name, `relman-${dir.split(/[\\/]/).pop()}`);
    assert.equal(m.version, manifest.version);
    for (const f of ['README.md', 'LICENSE', 'LICENSE-MIT', 'LICENSE-APACHE']) assert.ok(m.files.includes(f), `${m.name} files lack ${f}`);
    assert.match(readFileSync(join(dir, 'README.md'), 'utf8'), /optionalDependencies/);
    // The committed package.json lists none: `napi pre-publish` writes
    // them into the packed one (scripts/test-node checks the tarball).
    assert.equal('optionalDependencies' in manifest, false);
  }
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
test('the README quick start runs, ESM and CommonJS alike', () => {
  const dir = mkdtempSync(join(tmpdir(), 'relman-readme-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(pkg, join(dir, 'node_modules', 'relman'), 'dir');
    runQuickStarts(dir);
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
    relman.importServicenow({ change_request: { result: rows } }),
  ];
  for (const result of results) assert.ok(Array.isArray(result.warnings), JSON.stringify(result));
});
