// The Node API through `require`: the function table, conversions (Date,
// undefined, depth limit, values JSON cannot hold), errors (acceptance 3)
// and the panic hooks.

const test = require('node:test');
const assert = require('node:assert/strict');
const { readFileSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const relman = require('../index.js');
// The test hooks: native, neither exported by index.js nor typed.
const internal = require('../internal.cjs');

const repo = join(__dirname, '..', '..', '..');
const sample = (name) => JSON.parse(readFileSync(join(repo, 'examples', 'data', name), 'utf8'));
const vector = (path) => JSON.parse(readFileSync(join(repo, 'core', 'tests', 'vectors', path), 'utf8')).input;

/** Runs `fn` and returns what it threw (fails when it did not throw). */
function thrown(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail('expected an error');
}

test('every operation of relman::api::OPERATIONS has its function', () => {
  const ops = relman.operations();
  // Every operation has its conformance vectors (a folder per operation).
  const vectors = readdirSync(join(__dirname, '..', '..', '..', 'core', 'tests', 'vectors'));
  assert.deepEqual(ops.map((o) => o.name).sort(), vectors.sort());
  for (const op of ops) {
    const camel = op.name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
    assert.equal(op.function, camel);
    assert.equal(typeof relman[camel], 'function', `${camel} is missing`);
    assert.ok(op.params.length > 0 && op.summary.length > 0);
    if (!op.takesObject) {
      // Positional: the function declares one JS parameter per table entry.
      assert.equal(relman[camel].length <= op.params.length, true);
    }
  }
  const objectOps = ops.filter((o) => o.takesObject).map((o) => o.name);
  assert.deepEqual(objectOps, ['suggest_slots', 'export_servicenow']);
  for (const name of ['computeKpisAsync', 'detectConflictsAsync', 'fitRiskModelAsync', 'assessRiskManyAsync']) {
    assert.equal(typeof relman[name], 'function', `${name} is missing`);
  }
});

test('results are plain objects with the data contract snake_case keys', () => {
  const assessment = relman.assessRisk(sample('release-minor.json'), sample('context.json'));
  assert.equal(Object.getPrototypeOf(assessment), Object.prototype);
  assert.equal(typeof assessment.score, 'number');
  assert.ok(Array.isArray(assessment.factors));
  assert.ok(assessment.factors.every((f) => 'contribution' in f));
  const report = relman.check(sample('release-minor.json'), 'deployment', sample('context.json'));
  assert.equal(typeof report.allowed, 'boolean');
  assert.ok('requirements' in report || 'unmet' in report || Object.keys(report).length > 0);
});

test('a Date is accepted where a timestamp goes and becomes RFC 3339 in UTC', () => {
  const release = sample('release-minor.json');
  const withDates = {
    ...release,
    created_at: new Date(release.created_at),
    planned_start: new Date(release.planned_start),
    planned_end: new Date(release.planned_end),
  };
  const a = relman.assessRisk(release, sample('context.json'));
  const b = relman.assessRisk(withDates, sample('context.json'));
  assert.equal(a.score, b.score);
  // The round trip shows the converted text: toISOString, offset Z.
  const { release: applied } = relman.apply(
    { id: 'R', title: 'T', kind: 'minor', state: 'planning' },
    { command: 'cancel', actor: 'alice', at: new Date('2026-12-01T10:00:00+01:00'), reason: 'no longer needed' },
    { actors: [{ id: 'alice', roles: ['release_manager'] }] },
  );
  assert.equal(applied.log.at(-1).at, '2026-12-01T09:00:00.000Z');
});

test('undefined optional arguments and properties count as absent', () => {
  const release = { id: 'R', title: 'T', kind: 'minor', state: 'planning', owner: undefined };
  assert.equal(relman.verifyLog(release).valid, true);
  assert.equal(relman.verifyLog(release, undefined).valid, true);
  assert.equal(relman.verifyLog(release, null).valid, true);
});

test('real bad input: code, path, problems, message', () => {
  const release = sample('release-minor.json');
  release.planned_end = '2026-11-20T21:00:00Z';
  release.planned_start = '2026-11-20T22:00:00Z';
  const err = thrown(() => relman.assessRisk(release));
  assert.ok(err instanceof Error);
  assert.ok(relman.isRelmanError(err));
  assert.equal(err.code, 'invalid_input');
  assert.equal(err.path, 'planned_end');
  assert.match(err.message, /planned_end: must be after planned_start/);
  assert.equal(err.problems[0].path, 'planned_end');

  const missing = thrown(() => relman.check(undefined, 'development'));
  assert.equal(missing.code, 'invalid_input');
  assert.equal(missing.path, 'release');

  const badTarget = thrown(() => relman.check(sample('release-minor.json'), 'nowhere'));
  assert.equal(badTarget.code, 'invalid_input');
  assert.equal(badTarget.path, 'target');

  const badKpi = thrown(() => relman.computeKpis(vector('compute_kpis/from_after_to.json').history, vector('compute_kpis/from_after_to.json').options));
  assert.equal(badKpi.code, 'invalid_input');
  assert.equal(badKpi.path, 'options.to');

  const badSlots = thrown(() => relman.suggestSlots({ ...vector('suggest_slots/unknown_item.json') }));
  assert.equal(badSlots.code, 'invalid_input');
  assert.equal(badSlots.path, 'item');
});

test('a policy is strict: a typo is invalid_policy at its path with a suggestion; u_/x_ keys are kept', () => {
  const context = sample('context.json');
  context.policy = {
    lifecycle: { separation_of_duties: { forbid_team_aproval: true }, major: { quorom: 5 } },
    u_policy_owner: 'Change Management Office',
  };
  const err = thrown(() => relman.assessRisk(sample('release-minor.json'), context));
  assert.ok(relman.isRelmanError(err));
  assert.equal(err.code, 'invalid_policy');
  // Every unknown key (not just the first), each at its path from the context.
  assert.deepEqual(err.problems.map((p) => p.path), [
    'policy.lifecycle.major.quorom',
    'policy.lifecycle.separation_of_duties.forbid_team_aproval',
  ]);
  assert.equal(err.path, 'policy.lifecycle.major.quorom');
  assert.match(err.problems[0].message, /did you mean `quorum`\?/);
  assert.match(err.problems[1].message, /did you mean `forbid_team_approval`\?/);

  // As the `policy` parameter: paths inside the policy document.
  const history = { deployments: [] };
  const param = thrown(() => relman.computeKpis(history, null, { kpi: { time_zon: 'UTC' } }));
  assert.equal(param.code, 'invalid_policy');
  assert.equal(param.path, 'kpi.time_zon');
  assert.match(param.message, /did you mean `time_zone`\?/);

  // Host fields pass at any level.
  context.policy = { lifecycle: { major: { x_source: 'charter' } }, u_policy_owner: 'CMO' };
  assert.equal(typeof relman.assessRisk(sample('release-minor.json'), context).score, 'number');
});

test('a denied command throws transition_denied with every violation and the report', () => {
  const input = vector('apply/denied_lists_every_violation.json');
  const err = thrown(() => relman.apply(input.release, input.command, input.context));
  assert.equal(err.code, 'transition_denied');
  assert.deepEqual(err.violations.map((v) => v.rule), ['planning.owner', 'planning.scope', 'planning.window']);
  assert.ok(err.violations.every((v) => typeof v.message === 'string'));
  assert.equal(typeof err.report, 'object');
  assert.equal(err.report.allowed, false);
});

test('a forbidden command throws forbidden with its rule', () => {
  const input = vector('apply/owner_cannot_approve.json');
  const err = thrown(() => relman.apply(input.release, input.command, input.context));
  assert.equal(err.code, 'forbidden');
  assert.equal(err.rule, 'sod.owner_approval');
  assert.equal(err.violations, undefined);
});

test('invalid JSON text gives line and column', () => {
  const err = thrown(() => relman.validate('release', undefined, '{"id": "R",\n  "title": }'));
  assert.equal(err.code, 'invalid_input');
  assert.equal(err.line, 2);
  assert.equal(typeof err.column, 'number');
});

test('values JSON cannot hold are invalid_input at their path, never a silent null', () => {
  const base = { id: 'R', title: 'T', kind: 'minor', state: 'planning' };
  const cases = [
    [{ ...base, team: ['a', NaN] }, 'team[1]'],
    [{ ...base, rollback_plan: { estimated_secs: Infinity } }, 'rollback_plan.estimated_secs'],
    [{ ...base, owner: () => 'x' }, 'owner'],
    [{ ...base, owner: Symbol('x') }, 'owner'],
    [{ ...base, rollback_plan: { estimated_secs: 10n } }, 'rollback_plan.estimated_secs'],
    [{ ...base, created_at: new Date('not a date') }, 'created_at'],
  ];
  for (const [release, path] of cases) {
    const err = thrown(() => relman.verifyLog(release));
    assert.equal(err.code, 'invalid_input', `${path}: ${err.message}`);
    assert.equal(err.path, `release.${path}`);
  }
});

test('a 100 000-deep nested array gives limit_exceeded, not a crash', () => {
  let deep = [];
  for (let i = 0; i < 100_000; i++) deep = [deep];
  const err = thrown(() => relman.assessRisk({ id: 'R', title: 'T', kind: 'minor', state: 'planning', extra: deep }));
  assert.equal(err.code, 'limit_exceeded');
  assert.match(err.path, /^release\.extra(\[0\])+$/);
  const viaCall = thrown(() => relman.call('assess_risk', { release: deep }));
  assert.equal(viaCall.code, 'limit_exceeded');
  // Just inside the limit converts (and fails later as a release, not a limit).
  let shallow = [];
  for (let i = 0; i < 100; i++) shallow = [shallow];
  const inside = thrown(() => relman.assessRisk(shallow));
  assert.equal(inside.code, 'invalid_input');
});

test('a forced panic becomes an Error with code internal', () => {
  const err = thrown(() => internal._forcePanic());
  assert.ok(err instanceof Error);
  assert.equal(err.code, 'internal');
  assert.match(err.message, /panicked.*forced panic/);
  // The addon still works afterwards.
  assert.equal(relman.verifyLog({ id: 'R', title: 'T', kind: 'minor', state: 'planning' }).valid, true);
});

test('a panic on the thread pool rejects the Promise with code internal', async () => {
  await assert.rejects(internal._forcePanicAsync(), (err) => err instanceof Error && err.code === 'internal');
});

test('the test hooks are neither exported nor typed by the package', () => {
  const dts = readFileSync(join(__dirname, '..', 'index.d.ts'), 'utf8');
  const loader = readFileSync(join(__dirname, '..', 'index.js'), 'utf8');
  for (const hook of ['_forcePanic', '_forcePanicAsync', '_timeCore']) {
    assert.equal(typeof internal[hook], 'function', `internal.cjs lacks ${hook}`);
    // Not enumerable on what `require` returns, not a named export (what
    // `import { … } from 'relman'` sees).
    assert.equal(Object.keys(relman).includes(hook), false, `Object.keys(relman) lists ${hook}`);
    assert.doesNotMatch(loader, new RegExp(`module\\.exports\\.${hook}\\b`), `index.js exports ${hook}`);
    assert.doesNotMatch(dts, new RegExp(`\\b${hook}\\b`), `index.d.ts names ${hook}`);
  }
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
  assert.ok(!pkg.files.includes('internal.cjs'));
});

test('isRelmanError tells relman errors from others', () => {
  assert.equal(relman.isRelmanError(new Error('x')), false);
  assert.equal(relman.isRelmanError({ code: 'internal' }), false);
  assert.equal(relman.isRelmanError(null), false);
  assert.equal(relman.isRelmanError(thrown(() => relman.schema('nope'))), true);
});

test('call runs any operation by name; an unknown one is invalid_input', () => {
  assert.deepEqual(relman.call('schema', { name: 'release' }), relman.schema('release'));
  const err = thrown(() => relman.call('no_such_operation', {}));
  assert.equal(err.code, 'invalid_input');
  assert.match(err.message, /unknown operation `no_such_operation`/);
});
