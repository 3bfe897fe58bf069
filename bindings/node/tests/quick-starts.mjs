// The README's two quick starts (`quick-start.mjs`, `quick-start.cjs`) and
// what they print, shared by tests/package.test.mjs (run against this
// folder) and tests/packed/installed.mjs (run against the packed tarballs
// installed into a fresh folder).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The README's quick starts: file name → code. */
export function quickStarts() {
  const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/\(`(quick-start\.(?:mjs|cjs))`\)[^`]*```js\n([\s\S]*?)```/g)];
  return new Map(blocks.map((m) => [m[1], m[2]]));
}

/**
 * Writes both quick starts into `dir` (where `relman` resolves from
 * node_modules), runs them with `env`, and asserts they print the same
 * expected lines.
 */
export function runQuickStarts(dir, env = process.env) {
  const starts = quickStarts();
  assert.deepEqual([...starts.keys()].sort(), ['quick-start.cjs', 'quick-start.mjs']);
  assert.match(starts.get('quick-start.mjs'), /^import .* from 'relman';/m);
  assert.match(starts.get('quick-start.cjs'), /= require\('relman'\);/);
  const outputs = [];
  for (const [file, code] of starts) {
    writeFileSync(join(dir, file), code);
    const r = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', env });
    assert.equal(r.status, 0, `${file}: ${r.stderr}`);
    outputs.push(r.stdout);
  }
  assert.equal(outputs[0], outputs[1], 'ESM and CommonJS print differently');
  assert.match(outputs[0],
    /^risk (low|medium|high|critical) \(\d+(\.\d+)?\), \d+ warnings\nto development: (allowed|denied)\nerror invalid_input at \S+\n$/);
}
