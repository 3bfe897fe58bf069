// A consumer as a user writes one: plain objects in, results read without
// fallbacks. `tsc --strict` must accept it (tests/package.test.mjs), so the
// fields relman always writes (`warnings` among them) must be typed
// required, and plain objects and rows must be accepted as input.
import { assessRisk, cabAgenda, closure, importServicenow, releaseNotes, verifyLog } from 'relman';

const release = { id: 'REL-1', title: 'Checkout 5.0', kind: 'minor', state: 'planning' } as const;
const context = { now: new Date(), actors: [{ id: 'alice', roles: ['release_manager' as const] }] };

// Rows as they come from a JSON API client (`await response.json()`):
// plain records of `any`, as Python's `list[dict[str, Any]]`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const rows: Record<string, any>[] = [
  { sys_id: 'c1', number: 'CHG001', short_description: 'Patch' },
];

export const counts: number[] = [
  assessRisk(release, context).warnings.length,
  verifyLog(release).warnings.length,
  closure(release).warnings.length,
  releaseNotes(release, 'markdown').warnings.length,
  cabAgenda({ releases: [release] }, new Date(0), new Date(), context).warnings.length,
  importServicenow({ change_request: { result: rows } }).warnings.length,
];
