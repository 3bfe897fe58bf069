// Node binding bench (run by hand; results in benches/RESULTS.md, "Node binding").
//
//   ./scripts/test-node        # or only its release build of the addon
//   nice -n 10 node benches/node_bench.mjs [BATCH]
//
// BATCH (default 100 000) is the size of the batch of part 2, and part 1
// makes 10 × BATCH calls a run, at most 20 000 (the published figures use
// the defaults); scripts/test-release runs `node benches/node_bench.mjs 500`
// as a smoke test on the release addon the test command built.
//
// 1. Per-call overhead of assessRisk on one small release: the JS call
//    (JS → JSON conversion, core, result → JS objects) against the core
//    alone on the same input, timed inside Rust in the same process
//    (`_timeCore`: `relman::api::call` on a parsed value, N times).
// 2. Batch risk over 100 000 releases (assessRiskMany) against JSON.parse of
//    the same payload (the releases as JSON text), in the same run; plus the
//    core alone on that batch, so the binding's share (conversion in and
//    out) shows separately.
//
// Timings are medians of repeated runs (performance.now()).

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import os from 'node:os';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const relman = createRequire(import.meta.url)(join(repo, 'bindings', 'node', 'index.js'));
// The bench hook `_timeCore` is internal (not exported by index.js).
const internal = createRequire(import.meta.url)(join(repo, 'bindings', 'node', 'internal.cjs'));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(fn, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  return median(samples);
}

/** 100 000 small, varied releases: one or two changes, tests, a window. */
function releases(n) {
  const kinds = ['minor', 'patch', 'major', 'emergency'];
  const out = [];
  const start = Date.parse('2026-12-01T20:00:00Z');
  for (let i = 0; i < n; i++) {
    const at = start + (i % 500) * 3_600_000;
    const changes = [];
    for (let c = 0; c < 1 + (i % 2); c++) {
      changes.push({
        id: `CHG${i}-${c}`,
        kind: c === 0 ? 'normal' : 'standard',
        summary: `Change ${c} of release ${i}`,
        affected_cis: [`ci-${i % 97}`, `ci-${(i + c) % 89}`],
        implementer: `dev-${i % 13}`,
        approved: i % 5 !== 0,
      });
    }
    out.push({
      id: `REL-${i}`,
      title: `Release ${i}`,
      version: `1.${i % 50}.${i % 7}`,
      kind: kinds[i % kinds.length],
      state: 'approval',
      owner: `rm-${i % 3}`,
      planned_start: new Date(at).toISOString(),
      planned_end: new Date(at + 7_200_000).toISOString(),
      changes,
      services: [`svc-${i % 11}`],
      environments: ['production'],
      rollback_plan: { documented: i % 3 !== 0, tested: i % 4 === 0 },
      tests: [
        { kind: 'unit', passed: 100 + (i % 50), failed: i % 9 === 0 ? 2 : 0 },
        { kind: 'integration', passed: 20, failed: 0 },
      ],
    });
  }
  return out;
}

console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu?'} x${os.cpus().length}, ${os.platform()}`);

// BATCH: the batch size of part 2 (default 100 000); part 1 makes 10 calls
// per release of it, at most 20 000 a run.
const batchSize = process.argv[2] === undefined ? 100_000 : Number(process.argv[2]);
if (!Number.isInteger(batchSize) || batchSize < 1) {
  throw new Error(`node_bench.mjs: BATCH must be a positive integer, got ${process.argv[2]}`);
}

// 1. One small release.
const small = JSON.parse(readFileSync(join(repo, 'examples', 'data', 'release-minor.json'), 'utf8'));
const smallText = JSON.stringify({ release: small });
const N = Math.min(20_000, 10 * batchSize);
for (let i = 0; i < 2_000; i++) relman.assessRisk(small); // warm up
const perCall = median([0, 1, 2, 3, 4].map(() => time(() => { for (let i = 0; i < N; i++) relman.assessRisk(small); }, 1) / N)) * 1000;
const perCore = median([0, 1, 2, 3, 4].map(() => internal._timeCore('assess_risk', smallText, N))) / 1000;
const perParse = median([0, 1, 2, 3, 4].map(() => time(() => { for (let i = 0; i < N; i++) JSON.parse(smallText); }, 1) / N)) * 1000;
console.log('\n1. assessRisk(release-minor.json), one call');
console.log(`   JS call (convert in, core, convert out): ${perCall.toFixed(1)} µs`);
console.log(`   core alone (_timeCore, same input):      ${perCore.toFixed(1)} µs`);
console.log(`   binding overhead per call:               ${(perCall - perCore).toFixed(1)} µs`);
console.log(`   JSON.parse of the same payload:          ${perParse.toFixed(1)} µs`);

// 2. A batch of releases (100 000 unless BATCH says otherwise).
const batch = releases(batchSize);
const text = JSON.stringify(batch);
const paramsText = JSON.stringify({ releases: batch });
const tParse = time(() => JSON.parse(text), 5);
let result;
const tMany = time(() => { result = relman.assessRiskMany(batch); }, 3);
const tCore = median([0, 1, 2].map(() => internal._timeCore('assess_risk_many', paramsText, 1))) / 1e6;
const outText = JSON.stringify(result);
const tParseOut = time(() => JSON.parse(outText), 3);
console.log(`\n2. assessRiskMany over ${batch.length} releases (${(text.length / 1e6).toFixed(1)} MB of JSON in, ${(outText.length / 1e6).toFixed(1)} MB out; ${result.errors.length} errors)`);
console.log(`   JSON.parse of the input payload:          ${tParse.toFixed(0)} ms`);
console.log(`   assessRiskMany (JS objects in and out):   ${tMany.toFixed(0)} ms  = ${(tMany / tParse).toFixed(2)}x JSON.parse`);
console.log(`   core alone (_timeCore, same batch):       ${tCore.toFixed(0)} ms  = ${(tCore / tParse).toFixed(2)}x JSON.parse`);
console.log(`   binding share (conversion in and out):    ${(tMany - tCore).toFixed(0)} ms  = ${((tMany - tCore) / tParse).toFixed(2)}x JSON.parse`);
console.log(`   JSON.parse of the result as JSON text:    ${tParseOut.toFixed(0)} ms
   binding share / (JSON.parse in + out):    ${((tMany - tCore) / (tParse + tParseOut)).toFixed(2)}x`);
