// The repo's own way to the test and bench hooks (`_forcePanic`,
// `_forcePanicAsync`, `_timeCore`). They are native functions of the addon
// marked `skip_typescript`, so napi leaves them out of index.d.ts and out of
// the named exports index.js lists (what `import { … } from 'relman'`
// sees), and made non-enumerable on the addon object `require` returns
// (`hide_hooks` in src/lib.rs); this file is not in package.json `files`.
//
// It loads the package (index.js chooses the addon for this platform) and
// returns the addon index.js loaded, from require's cache.
'use strict';

const path = require('node:path');

const entry = require.resolve('./index.js');
require(entry);
const loaded = Object.values(require.cache).filter(
  (m) => m && m.filename.endsWith('.node') && m.exports && typeof m.exports._forcePanic === 'function',
);
if (loaded.length !== 1) {
  throw new Error(`internal.cjs: expected the one relman addon loaded by ${path.basename(entry)}, found ${loaded.length}`);
}
module.exports = loaded[0].exports;
