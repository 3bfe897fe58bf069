// Acceptance 4: a TypeScript file calling every function of the package;
// `tsc --noEmit --strict` must accept it (tests/types.test.mjs).
import * as relman from 'relman';
import type {
  Amendment, Applied, CanaryJudgement, Command, Difference, DifferenceKind, ConflictReport, Context, DeploymentOrder, FittedRiskModel, GateReport,
  History, IcsExport, In, JsonValue, KeyringSpec, KpiReport, LogVerdict, OperationInfo, Release, ReleaseNotes,
  RiskAssessment, RiskBatch, RolloutStep, Schedule, ServiceNowImport, ServiceNowPatches, ImportedApproval,
  SlotSuggestion, TamperKind, ValidationReport,
} from 'relman';

const release: Release = { id: 'R', title: 'Checkout 5.0', kind: 'major', state: 'planning' };
// Input documents take a Date wherever a timestamp goes.
const dated: In<Release> = { ...release, planned_start: new Date(), planned_end: '2026-12-13T03:00:00+01:00' };
const context: In<Context> = { now: new Date(), actors: [{ id: 'alice', roles: ['release_manager'] }] };
const history: History = { deployments: [], incidents: [] };
const schedule: Schedule = { releases: [release] };

const validated: ValidationReport = relman.validate('release', release);
const fromText: ValidationReport = relman.validate('release', null, JSON.stringify(release));
const gates: GateReport = relman.check(dated, 'development', context);
const allowed: boolean = gates.allowed;
const applied: Applied = relman.apply(release, { command: 'advance', actor: 'alice', at: new Date() }, context);
const verdict: LogVerdict = relman.verifyLog(applied.release, 'abc');
// The record: amend sealed fields, import facts from another system; a
// verdict lists every difference between the document and its log.
const amendment: Amendment = { scope: 'Checkout 5.0 without the wallet', planned_end: '2026-12-14T03:00:00+01:00' };
const amend: Command = { command: 'amend', actor: 'alice', at: '2026-12-01T10:00:00Z', reason: 'wallet moves to 5.1', set: amendment };
const amended: Applied = relman.apply(applied.release, { ...amend, at: new Date(), set: { ...amendment, planned_start: new Date() } }, context);
const adopt: Command = {
  command: 'import', actor: 'alice', at: '2026-12-01T10:05:00Z', source: 'servicenow:acme', records: ['RLSE001'], adopt: true,
  approvals: [{ approver: 'bob', role: 'cab', decision: 'approved', at: '2026-12-01T09:00:00Z', source: 'servicenow:acme' }],
  tests: [{ kind: 'unit', passed: 10, source: 'jenkins' }],
};
const imported2: Applied = relman.apply(amended.release, adopt, context);
const differences: Difference[] = relman.verifyLog(imported2.release).differences ?? [];
const differenceKinds: DifferenceKind[] = differences.map((d) => d.kind);
const differenceSeqs: (number | null | undefined)[] = differences.map((d) => d.seq);
const tamperKind: TamperKind | undefined = verdict.tamper?.kind;
const newKinds: TamperKind[] = ['empty_log', 'diverged', 'unauthenticated'];
// Keyed chains: the host's keyring on check, apply and verifyLog; apply's
// compare-and-swap on the head.
const keys: KeyringSpec = {
  signing_key: 'host-1', adopt_unkeyed: false,
  keys: [{ id: 'host-1', alg: 'hmac-sha256', secret: '00112233445566778899aabbccddeeff' }, { id: 'ed', alg: 'ed25519', public: 'ab' }],
};
const keyedGates: GateReport = relman.check(dated, 'development', context, keys);
const keyed: Applied = relman.apply(release, { command: 'advance', actor: 'alice', at: new Date() }, context, verdict.head, keys);
const keyedVerdict: LogVerdict = relman.verifyLog(keyed.release, null, keys);
const auth: string | undefined = keyed.events[0].auth?.mac;
console.log(keyedGates, keyedVerdict, auth);
const risk: RiskAssessment = relman.assessRisk(release, context);
const score: number = risk.score;
const batch: RiskBatch = relman.assessRiskMany([release, dated], context);
const fitted: FittedRiskModel = relman.fitRiskModel(history, { holdout_fraction: 0.25 }, context);
const conflicts: ConflictReport = relman.detectConflicts(schedule);
const slots: SlotSuggestion = relman.suggestSlots({
  schedule, item: 'R', duration_secs: 7200, now: new Date(), horizon_secs: 86400 * 30, count: 3,
});
const order: DeploymentOrder = relman.deploymentOrder([release]);
const step: RolloutStep = relman.rolloutStep(
  { strategy: 'canary', steps: [{ set_weight: 10 }] }, null, { kind: 'tick' }, new Date(),
);
const judged: CanaryJudgement = relman.judgeCanary({ latency: [1, 2, 3] }, { latency: [1, 2, 4] }, { alpha: 0.05 });
const kpis: KpiReport = relman.computeKpis(history, { series: 'week', from: new Date(0) });
// Arrow IPC buffers (apache-arrow's tableToIPC): a Uint8Array or Buffer per table.
const arrowKpis: KpiReport = relman.computeKpisArrow(new Uint8Array(0), Buffer.alloc(0), null, { series: 'week' });
const notes: ReleaseNotes = relman.releaseNotes(release, 'markdown');
const ics: IcsExport = relman.calendarIcs(schedule, { now: new Date() });
const imported: ServiceNowImport = relman.importServicenow(
  { change_request: { result: [] }, rm_release: [], sys_user: { result: [] } },
  { display_value: 'all', time_zone: 'Europe/Amsterdam', source: 'servicenow:acme' },
);
// Empty lists are left out of the result (`actors?`, `approvals?`, `commands?`).
const importedApprovals: ImportedApproval[] = imported.approvals ?? [];
const importedCounts: number[] = [(imported.actors ?? []).length, (imported.commands ?? []).length];
const patches: ServiceNowPatches = relman.exportServicenow({
  schedule: imported.schedule, score_changes: false, time_zone: 'Europe/Amsterdam', dry_run: true,
});
const releaseSchema: JsonValue = relman.schema('release');
const names: string[] = relman.schemaNames();
const table: OperationInfo[] = relman.operations();
const any: JsonValue = relman.call('assess_risk', { release, context });

async function heavy(): Promise<number> {
  const k: KpiReport = await relman.computeKpisAsync(history);
  const ka: KpiReport = await relman.computeKpisArrowAsync(null, new Uint8Array(0));
  const c: ConflictReport = await relman.detectConflictsAsync(schedule);
  const f: FittedRiskModel = await relman.fitRiskModelAsync(history);
  const b: RiskBatch = await relman.assessRiskManyAsync([release]);
  return k.warnings.length + ka.warnings.length + c.conflicts.length + f.samples.releases + b.assessments.length;
}

try {
  relman.check(release, 'deployment');
} catch (e) {
  if (relman.isRelmanError(e)) {
    const code: 'invalid_input' | 'invalid_policy' | 'unsupported_version' | 'transition_denied'
      | 'forbidden' | 'log_tampered' | 'limit_exceeded' | 'conflict' | 'storage_full'
      | 'permission_denied' | 'internal' = e.code;
    const heads: [string | null | undefined, string | null | undefined] = [e.expected, e.found];
    console.log(heads);
    const where: string | undefined = e.path;
    const rules: string[] = (e.violations ?? []).map((v) => v.rule);
    console.log(code, where, rules, e.rule, e.problems?.length, e.message);
  }
}

console.log(differenceKinds, differenceSeqs, tamperKind, newKinds);
console.log(validated, fromText, allowed, verdict, score, batch, fitted, conflicts, slots, order, step,
  judged, kpis, arrowKpis, notes, ics, patches, importedApprovals, importedCounts, releaseSchema, names, table, any, heavy);
