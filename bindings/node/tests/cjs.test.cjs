// `require` works, by path and by package name.

const test = require('node:test');
const assert = require('node:assert/strict');

test('require by package name and by path give the same module', () => {
  const byName = require('relman');
  const byPath = require('../index.js');
  assert.equal(byName, byPath);
  assert.equal(typeof byName.assessRisk, 'function');
  assert.equal(byName.verifyLog({ id: 'R', title: 'T', kind: 'minor', state: 'planning' }).valid, true);
});
