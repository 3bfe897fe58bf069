// Deliberately wrong calls: `tsc --noEmit --strict` must reject each line
// marked `// error` (tests/types.test.mjs checks every mark is reported).
import * as relman from 'relman';

const release = { id: 'R', title: 'T', kind: 'major', state: 'planning' } as const;

relman.assessRisk({ id: 'R', title: 'T', kind: 'huge', state: 'planning' }); // error: unknown kind
relman.check(release, 'shipping'); // error: no such state
relman.computeKpis({ deployments: [{ id: 1 }] }); // error: id is a string; fields missing
relman.suggestSlots({ schedule: {}, item: 'R' }); // error: duration_secs, now, … missing
relman.verifyLog(release, 42); // error: expected_head is a string
relman.releaseNotes(release, 'pdf'); // error: markdown or html
const score: string = relman.assessRisk(release).score; // error: score is a number
relman.schema('no_such_schema'); // error: not a schema name
relman.call('no_such_operation', {}); // error: not an operation name
relman.rolloutStep({ strategy: 'canary' }, null, { kind: 'tick' }, 12); // error: now is a timestamp
relman.apply(release, { command: 'amend', actor: 'a', at: new Date(), reason: 'r', set: { title: 'T' } }); // error: title is not sealed
relman.apply(release, { command: 'amend', actor: 'a', at: new Date(), set: { scope: 'S' } }); // error: reason missing
relman.apply(release, { command: 'import', actor: 'a', at: new Date(), adopt: true }); // error: source missing
const kind: 'edited' | 'unlogged' = relman.verifyLog(release).differences![0].kind; // error: missing and unreadable too
console.log(score, kind);
