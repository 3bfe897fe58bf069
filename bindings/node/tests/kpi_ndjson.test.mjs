// computeKpisNdjson: NDJSON text as a string or a Buffer gives the report
// of computeKpis over the same history; errors name the line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const relman = require('../index.js');

const history = JSON.parse(
  readFileSync(new URL('../../../core/tests/data/kpi-history.json', import.meta.url), 'utf8'),
);
const options = { from: '2026-11-02T00:00:00Z', to: '2026-11-23T00:00:00Z', group_by: 'service' };

function ndjson() {
  const lines = [];
  for (const [list, key] of [['releases', 'release'], ['incidents', 'incident'], ['deployments', 'deployment']]) {
    for (const record of [...(history[list] ?? [])].reverse()) {
      lines.push(JSON.stringify({ [key]: record }), '');
    }
  }
  return lines.join('\r\n');
}

test('a string and a Buffer give the report of the document', () => {
  const want = relman.computeKpis(history, options);
  assert.deepEqual(relman.computeKpisNdjson(ndjson(), options), want);
  assert.deepEqual(relman.computeKpisNdjson(Buffer.from(ndjson(), 'utf8'), options), want);
});

test('errors name the line', () => {
  const bad = `${JSON.stringify({ release: history.releases[0] })}\n\n{"change": {}}\n`;
  for (const text of [bad, Buffer.from(bad)]) {
    assert.throws(() => relman.computeKpisNdjson(text), (err) => {
      assert.equal(err.code, 'invalid_input');
      assert.equal(err.path, 'line 3: change');
      assert.equal(err.line, 3);
      return true;
    });
  }
  assert.throws(() => relman.computeKpisNdjson(Buffer.from([0xff, 0x0a])), (err) => {
    assert.equal(err.code, 'invalid_input');
    assert.equal(err.path, 'text');
    return true;
  });
  const truncated = `${JSON.stringify({ release: history.releases[0] })}\n{"deployment": {"id"`;
  assert.throws(() => relman.computeKpisNdjson(truncated), (err) => {
    assert.equal(err.path, 'line 2');
    assert.match(err.message, /truncated/);
    return true;
  });
});
