// The record from Node: amend and import through `apply`, the differences
// of `verifyLog`, log_tampered on a forged vote, and the identity and
// approver-deployer refusals (docs/lifecycle.md, "The record"). Each
// scenario is built by applying commands, independent of the vectors.

const test = require('node:test');
const assert = require('node:assert/strict');
const relman = require('../index.js');

const { context, planning, command, thrown } = require('./minor-release.cjs');

const run = (release, actor, name, params, ctx = context) => relman.apply(release, command(release, actor, name, params), ctx).release;

function inApproval() {
  let r = planning();
  for (let i = 0; i < 3; i++) r = run(r, 'rita', 'advance');
  assert.equal(r.state, 'approval');
  return r;
}

const approvedByMia = () => run(inApproval(), 'mia', 'approve', { role: 'cab' });

test('amend changes a sealed field and logs it', () => {
  const r = run(planning(), 'rita', 'advance');
  const set = { scope: 'Suggestions and typo tolerance', services: ['search'] };
  const applied = relman.apply(r, command(r, 'rita', 'amend', { reason: 'typo tolerance joins the release', set }), context);
  assert.equal(applied.release.state, 'development');
  assert.equal(applied.release.scope, set.scope);
  assert.deepEqual(applied.release.services, ['search']);
  const [event] = applied.events;
  assert.equal(event.command, 'amend');
  assert.equal(event.seq, 2);
  assert.equal(event.details.reason, 'typo tolerance joins the release');
  assert.deepEqual(event.details.fields, ['scope', 'services']);
  assert.deepEqual(event.details.set, set);
  const verdict = relman.verifyLog(applied.release);
  assert.equal(verdict.valid, true);
  assert.equal(verdict.differences, undefined);
  assert.equal(r.scope, 'Faster search suggestions', 'the input is never changed');
});

test('amend in approval voids the round', () => {
  const r = run(approvedByMia(), 'rita', 'amend', {
    reason: 'the window moved', set: { planned_start: new Date('2026-03-11T22:00:00Z'), planned_end: '2026-03-11T23:00:00Z' },
  });
  assert.equal(r.approval_round, 2);
  assert.equal(r.log.at(-1).details.voided_round, 1);
  const quorum = relman.check(r, 'deployment', context).requirements.find((q) => q.rule === 'approval.quorum');
  assert.equal(quorum.met, false);
});

test('amend errors: blank reason, empty or unknown set, missing role', () => {
  const r = run(planning(), 'rita', 'advance');
  const blank = thrown(() => relman.apply(r, command(r, 'rita', 'amend', { reason: ' ', set: { scope: 'x' } }), context));
  assert.equal(blank.code, 'invalid_input');
  assert.equal(blank.path, 'reason');
  const empty = thrown(() => relman.apply(r, command(r, 'rita', 'amend', { reason: 'why', set: {} }), context));
  assert.equal(empty.path, 'set');
  const unknown = thrown(() => relman.apply(r, command(r, 'rita', 'amend', { reason: 'why', set: { title: 'New' } }), context));
  assert.equal(unknown.code, 'invalid_input');
  assert.match(unknown.message, /unknown field `title`/);
  const role = thrown(() => relman.apply(r, command(r, 'quinn', 'amend', { reason: 'why', set: { scope: 'x' } }), context));
  assert.equal(role.code, 'forbidden');
  assert.equal(role.rule, 'roles.amend');
});

test('import with adopt brings a release past planning into the record', () => {
  // A release that reaches relman in approval, with a vote cast elsewhere and no log.
  const release = {
    ...planning(),
    state: 'approval',
    approvals: [{ approver: 'carol', role: 'cab', decision: 'approved', at: '2026-03-01T08:00:00Z' }],
  };
  const before = relman.verifyLog(release);
  assert.equal(before.valid, false);
  assert.equal(before.tamper.kind, 'empty_log');
  const refused = thrown(() => relman.apply(release, command(release, 'rita', 'advance'), context));
  assert.equal(refused.code, 'log_tampered');
  assert.equal(refused.path, 'log');

  const applied = relman.apply(release, {
    command: 'import', actor: 'rita', at: new Date('2026-03-01T10:00:00Z'),
    source: 'servicenow:acme', records: ['RLSE0010041'], adopt: true,
  }, context);
  const [event] = applied.events;
  assert.equal(event.command, 'import');
  assert.equal(event.details.source, 'servicenow:acme');
  assert.deepEqual(event.details.records, ['RLSE0010041']);
  assert.ok('adopt' in event.details && 'seal' in event.details);
  assert.deepEqual(applied.release.approvals.map((a) => [a.approver, a.source]), [['carol', 'servicenow:acme']]);
  assert.ok(applied.release.tests.every((t) => t.source === 'servicenow:acme'));
  assert.equal(relman.verifyLog(applied.release).valid, true);
  const report = relman.check(applied.release, 'deployment', context);
  const [record] = report.requirements;
  assert.equal(record.rule, 'record.log');
  assert.equal(record.met, true);
  assert.deepEqual(record.data.imports, [{ seq: 1, source: 'servicenow:acme', records: ['RLSE0010041'], adopt: true }]);
  assert.equal(report.allowed, true, 'the adopted vote counts');
});

test('imported votes count, carry their source and are checked like cast ones', () => {
  const r = inApproval();
  const vote = { approver: 'carol', role: 'cab', decision: 'approved', at: '2026-03-01T10:03:30Z' };
  const next = run(r, 'rita', 'import', { source: 'servicenow:acme', approvals: [vote] });
  assert.equal(next.approvals.at(-1).source, 'servicenow:acme');
  assert.equal(relman.verifyLog(next).valid, true);
  const quorum = relman.check(next, 'deployment', context).requirements.find((q) => q.rule === 'approval.quorum');
  assert.equal(quorum.met, true);
  const owner = thrown(() => relman.apply(r, command(r, 'rita', 'import', { source: 'servicenow:acme', approvals: [{ ...vote, approver: 'rita' }] }), context));
  assert.equal(owner.code, 'forbidden');
  assert.equal(owner.rule, 'sod.owner_approval');
  const nothing = thrown(() => relman.apply(r, command(r, 'rita', 'import', { source: 'servicenow:acme' }), context));
  assert.equal(nothing.code, 'invalid_input');
  assert.equal(nothing.path, 'approvals');
});

/** An approved release with a second vote written straight into it. */
function forged() {
  const r = structuredClone(approvedByMia());
  r.approvals.push({ approver: 'carol', role: 'cab', decision: 'approved', at: '2026-03-01T10:05:00Z' });
  return r;
}

test('verifyLog lists the differences of a forged vote', () => {
  const verdict = relman.verifyLog(forged());
  assert.equal(verdict.valid, false);
  assert.equal(verdict.tamper.kind, 'diverged');
  assert.equal(verdict.tamper.path, 'approvals[1]');
  assert.deepEqual(verdict.differences.map((d) => [d.kind, d.path]), [['unlogged', 'approvals[1]']]);
  assert.equal(verdict.differences[0].seq, undefined);
  assert.match(verdict.differences[0].message, /carol/);

  const edited = structuredClone(approvedByMia());
  edited.approvals[0].decision = 'rejected';
  const [difference] = relman.verifyLog(edited).differences;
  assert.equal(difference.kind, 'edited');
  assert.match(difference.path, /^approvals\[0\]/);
  assert.equal(difference.seq, 4);
});

test('apply on a forged vote throws log_tampered at the vote', () => {
  const r = forged();
  const err = thrown(() => relman.apply(r, command(r, 'rita', 'advance'), context));
  assert.ok(relman.isRelmanError(err));
  assert.equal(err.code, 'log_tampered');
  assert.equal(err.path, 'approvals[1]');
  const report = relman.check(r, 'deployment', context);
  assert.equal(report.requirements[0].rule, 'record.log');
  assert.equal(report.requirements[0].met, false);
  assert.equal(report.allowed, false);
});

test('a look-alike actor id is forbidden as identity.confusable', () => {
  const r = inApproval();
  for (const actor of ['Carol', 'carol ', 'c\u0430rol', 'ca\u200brol']) {
    const err = thrown(() => relman.apply(r, command(r, actor, 'approve', { role: 'cab' }), context));
    assert.equal(err.code, 'forbidden', JSON.stringify(actor));
    assert.equal(err.rule, 'identity.confusable', JSON.stringify(actor));
  }
});

test('an approver may not start the deployment (sod.approver_deployment) unless the policy relaxes it', () => {
  const r = approvedByMia();
  const err = thrown(() => relman.apply(r, command(r, 'mia', 'start_deployment'), context));
  assert.equal(err.code, 'forbidden');
  assert.equal(err.rule, 'sod.approver_deployment');
  assert.equal(run(r, 'rita', 'start_deployment').state, 'deployment');
  const relaxed = { ...context, policy: { lifecycle: { separation_of_duties: { forbid_approver_deployment: false } } } };
  const applied = relman.apply(r, command(r, 'mia', 'start_deployment'), relaxed);
  assert.deepEqual(applied.events[0].details.sod_relaxed, ['separation_of_duties.forbid_approver_deployment']);
});
