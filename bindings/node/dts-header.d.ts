// napi puts this file at the head of index.d.ts (package.json,
// napi.dtsHeaderFile). The types of the documents are in types.d.ts
// (written by scripts/gen-types.mjs): the declarations below name them as
// `T.…`, and they are re-exported rather than repeated.

import type * as T from './types'

export * from './types'
