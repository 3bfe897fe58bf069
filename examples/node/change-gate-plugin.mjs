// A change-gate hook for a Node-based ITSM tool or CI/CD pipeline: call
// `beforeDeploy(release, context)` before deploying; it answers allow or
// deny with the reasons, the risk and the blocking conflicts.
//
// It has no rules of its own. The verdict is core's readiness check
// (SPEC §2): `check(release, 'deployment', context)` — every gate (approval
// quorum, rejections, rollback plan, change approvals, blackouts, risk
// limit, blocking conflicts with the context's schedule, and
// `readiness.context`: a context part the policy needs — the calendar and
// schedule of a major release, the CMDB of an assessed risk — is a reason
// to deny, never a check skipped). The reasons are
// the unmet requirements of that report, the conflicts the blocking ones
// its `approval.conflicts` gate found, and the risk is `assessRisk` for the
// full, explained score. Bad input throws the relman Error (code, path).
//
//   import { beforeDeploy } from './change-gate-plugin.mjs';
//   const gate = beforeDeploy(release, { actors, calendar, schedule, cmdb, history, policy, now: new Date() });
//   if (!gate.allow) fail(gate.reasons.join('\n'));
//
// Run by hand: node examples/node/change-gate-plugin.mjs RELEASE.json [CONTEXT.json]

// In a host project: `import { check, assessRisk } from 'relman';`
import { check, assessRisk } from '../../bindings/node/index.js';

/**
 * @param {import('relman').In<import('relman').Release>} release
 * @param {import('relman').In<import('relman').Context>} [context]
 * @returns {{allow: boolean, reasons: string[], risk: import('relman').RiskAssessment,
 *   conflicts: import('relman').JsonValue[], report: import('relman').GateReport}}
 */
export function beforeDeploy(release, context = {}) {
  const report = check(release, 'deployment', context);
  const unmet = report.requirements.filter((r) => !r.met);
  const conflictGate = report.requirements.find((r) => r.rule === 'approval.conflicts');
  return {
    allow: report.allowed,
    reasons: unmet.map((r) => `${r.rule}: ${r.message}`),
    risk: assessRisk(release, context),
    conflicts: conflictGate?.data?.blocking ?? [],
    report,
  };
}

// As a script: print the decision, exit 1 on deny.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { readFileSync } = await import('node:fs');
  const [releaseFile, contextFile] = process.argv.slice(2);
  if (!releaseFile) {
    console.error('usage: node change-gate-plugin.mjs RELEASE.json [CONTEXT.json]');
    process.exit(2);
  }
  const read = (f) => JSON.parse(readFileSync(f, 'utf8'));
  const gate = beforeDeploy(read(releaseFile), contextFile ? read(contextFile) : {});
  const { report, ...decision } = gate;
  console.log(JSON.stringify({ ...decision, risk: { score: gate.risk.score, level: gate.risk.level } }, null, 2));
  process.exit(gate.allow ? 0 : 1);
}
