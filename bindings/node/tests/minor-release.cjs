// The minor release and directory the record and keyed-chain tests share
// (a helper module: `node --test tests/` runs only the *.test.* files).

const assert = require('node:assert/strict');

const context = {
  now: '2026-03-01T09:00:00Z',
  actors: [
    { id: 'rita', roles: ['release_manager', 'cab'] },
    { id: 'mia', roles: ['release_manager', 'cab'] },
    { id: 'carol', roles: ['cab'] },
    { id: 'quinn', roles: ['qa'] },
    { id: 'dev', roles: ['release_team'] },
  ],
  // The assessed risk reads the CMDB, so readiness needs one.
  cmdb: { cis: [{ id: 'app-search', name: 'Search app', class: 'application', criticality: 'low', service: 'search' }] },
};

/** A minor release in planning whose gates are met up to approval. */
const planning = () => ({
  schema_version: 1,
  id: 'REL-JS-1',
  title: 'Search 2.1',
  kind: 'minor',
  state: 'planning',
  owner: 'rita',
  team: ['dev'],
  planned_start: '2026-03-01T10:00:00Z',
  planned_end: '2026-03-01T12:00:00Z',
  scope: 'Faster search suggestions',
  changes: [{
    id: 'CHG-1', kind: 'normal', summary: 'Suggestion cache', affected_cis: ['app-search'], implementer: 'dev', approved: true,
  }],
  rollback_plan: { documented: true },
  tests: [
    { kind: 'unit', passed: 100 },
    { kind: 'integration', passed: 20 },
    { kind: 'uat', passed: 5, signed_off_by: 'quinn' },
  ],
});

/** A command issued one minute after the release's last event. */
function command(release, actor, name, params = {}) {
  const minute = String((release.log ?? []).length + 1).padStart(2, '0');
  return { command: name, actor, at: `2026-03-01T10:${minute}:00Z`, ...params };
}

/** Runs `fn` and returns what it threw (fails when it did not throw). */
function thrown(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail('expected an error');
}

module.exports = { context, planning, command, thrown };
