// computeKpisArrow: Arrow IPC buffers written by the apache-arrow package
// (`tableToIPC`, stream and file format) give the report of computeKpis
// over the same history; buffers that are not Arrow IPC, columns of a
// wrong type and arguments that are not bytes are relman errors naming the
// table or the column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  Field, List, Struct, Table, TimestampMillisecond, Int32, Utf8,
  tableFromArrays, tableToIPC, vectorFromArray,
} from 'apache-arrow';

const require = createRequire(import.meta.url);
const relman = require('../index.js');

const history = JSON.parse(
  readFileSync(new URL('../../../core/tests/data/kpi-history.json', import.meta.url), 'utf8'),
);
// One deployment with CIs, so that the `cis` column is read too.
history.deployments[0].cis = ['ci-db', 'ci-web'];
const options = { from: '2026-11-02T00:00:00Z', to: '2026-11-23T00:00:00Z', group_by: 'team' };

const utc = () => new TimestampMillisecond('UTC');
const millis = (t) => (t == null ? null : Date.parse(t));
const strings = (rows, key) => vectorFromArray(rows.map((r) => r[key] ?? null), new Utf8());
const times = (rows, key) => vectorFromArray(rows.map((r) => millis(r[key])), utc());

/** The deployments as the typed table of docs/kpi.md. */
function deploymentsTable(rows) {
  const change = new Struct([new Field('id', new Utf8(), true), new Field('committed_at', utc(), true)]);
  const changes = vectorFromArray(
    rows.map((r) => r.changes?.map((c) => ({ id: c.id, committed_at: millis(c.committed_at) })) ?? null),
    new List(new Field('item', change, true)),
  );
  const cis = vectorFromArray(rows.map((r) => r.cis ?? null), new List(new Field('item', new Utf8(), true)));
  return new Table({
    id: strings(rows, 'id'),
    release_id: strings(rows, 'release_id'),
    service: strings(rows, 'service'),
    environment: strings(rows, 'environment'),
    team: strings(rows, 'team'),
    started_at: times(rows, 'started_at'),
    finished_at: times(rows, 'finished_at'),
    outcome: strings(rows, 'outcome'),
    kind: strings(rows, 'kind'),
    changes,
    cis,
  });
}

function incidentsTable(rows) {
  return new Table({
    id: strings(rows, 'id'),
    service: strings(rows, 'service'),
    severity: strings(rows, 'severity'),
    created_at: times(rows, 'created_at'),
    resolved_at: times(rows, 'resolved_at'),
    caused_by: strings(rows, 'caused_by'),
  });
}

const releasesTable = (rows) => tableFromArrays({ release: rows.map((r) => JSON.stringify(r)) });

function expectError(fn, code, path, message) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof Error);
    assert.equal(err.code, code, err.message);
    assert.equal(err.path, path, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

test('stream and file buffers give the report of the document', () => {
  const tables = [deploymentsTable(history.deployments), incidentsTable(history.incidents), releasesTable(history.releases)];
  for (const opts of [undefined, options]) {
    const want = relman.computeKpis(history, opts);
    assert.ok(want.kpis.dora.production_deployments > 0);
    for (const format of ['stream', 'file']) {
      const [d, i, r] = tables.map((t) => tableToIPC(t, format));
      assert.ok(d instanceof Uint8Array);
      assert.deepEqual(relman.computeKpisArrow(d, i, r, opts), want, format);
      // A Buffer is a Uint8Array too.
      assert.deepEqual(relman.computeKpisArrow(Buffer.from(d), Buffer.from(i), Buffer.from(r), opts), want, format);
    }
  }
});

test('tableFromArrays: dictionary strings and RFC 3339 times', () => {
  // apache-arrow writes the strings of tableFromArrays as
  // Dictionary<Int32, Utf8>; times given as RFC 3339 strings are read as
  // such. Without changes and CIs (flat columns only).
  const flat = history.deployments.map(({ changes, cis, ...rest }) => rest);
  const columns = {};
  for (const key of ['id', 'service', 'environment', 'finished_at', 'outcome']) {
    columns[key] = flat.map((r) => r[key]);
  }
  const table = tableFromArrays(columns);
  assert.equal(String(table.schema.fields[0].type), 'Dictionary<Int32, Utf8>');
  const minimal = flat.map((r) => Object.fromEntries(Object.keys(columns).map((k) => [k, r[k]])));
  const want = relman.computeKpis({ deployments: minimal, incidents: history.incidents }, options);
  for (const format of ['stream', 'file']) {
    const got = relman.computeKpisArrow(tableToIPC(table, format), tableToIPC(incidentsTable(history.incidents), format), null, options);
    assert.deepEqual(got, want);
  }
});

test('any table may be left out', () => {
  // (Without their deployments, the incidents cannot name a cause.)
  const incidents = history.incidents.map(({ caused_by, ...rest }) => rest);
  const i = tableToIPC(incidentsTable(incidents));
  const want = relman.computeKpis({ incidents });
  assert.deepEqual(relman.computeKpisArrow(null, i), want);
  assert.deepEqual(relman.computeKpisArrow(undefined, i, undefined), want);
  assert.deepEqual(relman.computeKpisArrow(null), relman.computeKpis({}));
});

test('bytes that are not Arrow IPC are invalid_input at the table', () => {
  expectError(() => relman.computeKpisArrow(Buffer.from('not arrow at all')), 'invalid_input', 'deployments', /Arrow IPC stream/);
  expectError(() => relman.computeKpisArrow(new Uint8Array(0)), 'invalid_input', 'deployments', /empty/);
  expectError(() => relman.computeKpisArrow(null, Buffer.from(JSON.stringify(history))), 'invalid_input', 'incidents');
  // Truncated buffers, stream and file: never read in part.
  const table = deploymentsTable(history.deployments);
  for (const format of ['stream', 'file']) {
    const bytes = tableToIPC(table, format);
    for (const cut of [bytes.length - 1, bytes.length - 8, Math.floor(bytes.length / 2), 9]) {
      expectError(() => relman.computeKpisArrow(bytes.subarray(0, cut)), 'invalid_input', 'deployments', /truncated|not a readable/);
    }
  }
});

test('a column of the wrong type names the column', () => {
  const rows = history.deployments;
  const columns = Object.fromEntries(deploymentsTable(rows).schema.fields.map((f, k) => [f.name, deploymentsTable(rows).getChildAt(k)]));
  const asInt = new Table({ ...columns, finished_at: vectorFromArray(rows.map((_, k) => k), new Int32()) });
  expectError(() => relman.computeKpisArrow(tableToIPC(asInt)), 'invalid_input', 'deployments.finished_at', /Int32/);
  // JavaScript Dates in tableFromArrays are timestamps without a time
  // zone: refused, a time zone ('UTC') is needed.
  const dates = tableFromArrays({
    id: rows.map((r) => r.id),
    service: rows.map((r) => r.service),
    environment: rows.map((r) => r.environment),
    finished_at: rows.map((r) => new Date(r.finished_at)),
    outcome: rows.map((r) => r.outcome),
  });
  expectError(() => relman.computeKpisArrow(tableToIPC(dates)), 'invalid_input', 'deployments.finished_at', /without a time zone/);
  // A missing required column.
  const { outcome, ...noOutcome } = columns;
  expectError(() => relman.computeKpisArrow(tableToIPC(new Table(noOutcome))), 'invalid_input', 'deployments.outcome', /missing required column/);
  // A bad value names its row.
  const bad = rows.map((r, k) => (k === 3 ? { ...r, outcome: 'huge' } : r));
  expectError(() => relman.computeKpisArrow(tableToIPC(deploymentsTable(bad))), 'invalid_input', 'deployments[3].outcome', /huge/);
});

test('an argument that is not a Uint8Array is invalid_input at its table', () => {
  for (const value of ['text', 42, [1, 2, 3], { length: 0 }, new Int16Array(4), new ArrayBuffer(8)]) {
    expectError(() => relman.computeKpisArrow(value), 'invalid_input', 'deployments', /Uint8Array/);
  }
  expectError(() => relman.computeKpisArrow(null, null, 'x'), 'invalid_input', 'releases', /not a string/);
  expectError(() => relman.computeKpisArrow(new ArrayBuffer(8)), 'invalid_input', 'deployments', /new Uint8Array\(buffer\)/);
});

test('options and policy are read as computeKpis reads them', () => {
  const bad = { series: 'fortnight' };
  let want;
  try {
    relman.computeKpis(history, bad);
  } catch (err) {
    want = err;
  }
  assert.ok(want);
  expectError(() => relman.computeKpisArrow(tableToIPC(deploymentsTable(history.deployments)), null, null, bad), want.code, want.path);
});

test('computeKpisArrowAsync resolves to the same report and rejects with the same errors', async () => {
  const d = tableToIPC(deploymentsTable(history.deployments));
  const i = tableToIPC(incidentsTable(history.incidents), 'file');
  const pending = relman.computeKpisArrowAsync(d, i, null, options);
  d.fill(0); // the buffers were copied when the function was called
  assert.deepEqual(await pending, relman.computeKpis({ deployments: history.deployments, incidents: history.incidents }, options));
  await assert.rejects(relman.computeKpisArrowAsync(Buffer.from('garbage')), (err) => {
    assert.equal(err.code, 'invalid_input');
    assert.equal(err.path, 'deployments');
    return true;
  });
  // An argument error is a rejection too, not a throw.
  await assert.rejects(relman.computeKpisArrowAsync('text'), (err) => err.code === 'invalid_input' && err.path === 'deployments');
});
