// Generates types.d.ts — the TypeScript interfaces of every document and
// result — from the JSON Schemas the core publishes (`schema(name)` of the
// built addon), so the types cannot drift from the data contract. The
// generated index.d.ts re-exports it (its head, dts-header.d.ts, is written
// by relman-codegen), so each type is committed once.
//
//   node scripts/gen-types.mjs           writes types.d.ts
//   node scripts/gen-types.mjs --check   fails when types.d.ts is stale
//
// After a schema change: `npm run gen-types && npm run build`.

import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const relman = createRequire(import.meta.url)(join(root, 'index.js'));

const defs = new Map(); // type name -> schema
const roots = []; // [schema name, type name, direction]
// The direction of each schema (input or output), from the index
// relman-codegen writes next to the schema files.
const directions = new Map(
  JSON.parse(readFileSync(join(root, '..', '..', 'schemas', 'index.json'), 'utf8'))
    .map((entry) => [entry.name, entry.direction]),
);
for (const name of relman.schemaNames()) {
  const schema = relman.schema(name);
  const title = schema.title ?? pascal(name);
  // Two Rust types may share a name (`Wave`): the later one is prefixed
  // with its document's name (`DeploymentOrderWave`).
  const renames = new Map();
  for (const [defName, def] of Object.entries(schema.$defs ?? {})) {
    const seen = defs.get(defName);
    if (seen && JSON.stringify(seen) !== JSON.stringify(def)) renames.set(defName, title + defName);
  }
  const fixed = renameRefs(schema, renames);
  for (const [defName, def] of Object.entries(fixed.$defs ?? {})) {
    remember(renames.get(defName) ?? defName, def);
  }
  const { $defs, $schema, title: _t, ...body } = fixed;
  remember(title, body);
  const direction = directions.get(name);
  if (direction !== 'input' && direction !== 'output') {
    throw new Error(`schemas/index.json gives no direction for ${name}: run cargo run -p relman-codegen`);
  }
  roots.push([name, title, direction]);
}

// Every type an input document reaches. The others are written by relman
// only (results), and there a property serde always writes is required:
// schemars gives a property a `default` only when the field has a serde
// default and no `skip_serializing_if` skips that default, so such a
// property is in every result even though a reader may omit it. A type
// shared with an input document keeps the reader's view (the property
// optional), except a result passed back in (`risk` of
// `ServiceNowExport` is what `assessRisk` returned): the walk stops at
// output roots, so a result keeps the view of what relman writes.
const outputRoots = new Set(roots.filter(([, , d]) => d === 'output').map(([, t]) => t));
const inputTypes = new Set();
function reach(schema) {
  if (schema === null || typeof schema !== 'object') return;
  if (Array.isArray(schema)) return schema.forEach(reach);
  for (const [k, v] of Object.entries(schema)) {
    if (k === '$ref' && typeof v === 'string') {
      const name = v.replace('#/$defs/', '');
      if (!inputTypes.has(name) && !outputRoots.has(name)) {
        inputTypes.add(name);
        reach(defs.get(name));
      }
    } else {
      reach(v);
    }
  }
}
for (const [, title, direction] of roots) {
  if (direction === 'input' && !inputTypes.has(title)) {
    inputTypes.add(title);
    reach(defs.get(title));
  }
}
let outputOnly = false; // whether the type being written is output-only

function renameRefs(value, renames) {
  if (renames.size === 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => renameRefs(v, renames));
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    const target = k === '$ref' && renames.get(v.replace('#/$defs/', ''));
    out[k] = target ? `#/$defs/${target}` : renameRefs(v, renames);
  }
  return out;
}

function remember(name, schema) {
  const seen = defs.get(name);
  if (seen && JSON.stringify(seen) !== JSON.stringify(schema)) {
    throw new Error(`two different schemas are named ${name}`);
  }
  defs.set(name, schema);
}

function pascal(snake) {
  return snake.replace(/(^|_)([a-z])/g, (_, __, c) => c.toUpperCase());
}

function doc(description, indent) {
  if (!description) return '';
  const lines = description.replaceAll('*/', '*\\/').split('\n');
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((l) => `${indent} *${l ? ' ' + l : ''}`).join('\n')}\n${indent} */\n`;
}

const literal = (v) => JSON.stringify(v);
const key = (k) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : JSON.stringify(k));

// The TypeScript type of a schema (inline).
function ts(schema, indent) {
  if (schema === true || schema === undefined) return 'JsonValue';
  if (schema === false) return 'never';
  if (schema.$ref) return schema.$ref.replace('#/$defs/', '');
  if ('const' in schema) return literal(schema.const);
  if (schema.enum) return schema.enum.map(literal).join(' | ');
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) {
    const union = alternatives.map((s) => paren(ts(s, indent))).join(' | ');
    const base = schema.properties ? objectType(schema, indent) : null;
    return base ? `${base} & (${union})` : union;
  }
  if (schema.allOf) return schema.allOf.map((s) => paren(ts(s, indent))).join(' & ');
  let types = schema.type;
  if (types === undefined) {
    return schema.properties ? objectType(schema, indent) : 'JsonValue';
  }
  if (!Array.isArray(types)) types = [types];
  return types.map((t) => paren(single(t, schema, indent))).join(' | ');
}

function paren(t) {
  return /^[A-Za-z0-9_"<>[\]]+$/.test(t) || t.startsWith('{') ? t : `(${t})`;
}

function single(type, schema, indent) {
  switch (type) {
    case 'null': return 'null';
    case 'boolean': return 'boolean';
    case 'integer':
    case 'number': return 'number';
    case 'string': return 'string';
    case 'array':
      if (schema.prefixItems) {
        return `[${schema.prefixItems.map((s) => ts(s, indent)).join(', ')}]`;
      }
      return `${paren(ts(schema.items, indent))}[]`;
    case 'object': return objectType(schema, indent);
    default: throw new Error(`unknown JSON Schema type ${type}`);
  }
}

// An object literal type: known properties, then what else it may hold.
function objectType(schema, indent) {
  const inner = indent + '  ';
  const required = new Set(schema.required ?? []);
  let out = '{\n';
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    if (outputOnly && prop && typeof prop === 'object' && 'default' in prop) required.add(name);
    out += doc(prop.description, inner);
    out += `${inner}${key(name)}${required.has(name) ? '' : '?'}: ${ts(prop, inner)}\n`;
  }
  const extra = schema.additionalProperties;
  if (extra === false && schema.patternProperties?.['^[ux]_']) {
    // A policy object is strict: its known fields and the host's own
    // `u_`/`x_` fields, kept and written back unchanged.
    out += inner + '[key: `u_${string}` | `x_${string}`]: unknown\n';
  } else if (extra === true || (extra === undefined && !schema.properties)) {
    // Fields relman does not know are kept and written back unchanged.
    out += `${inner}[key: string]: ${schema.properties ? 'unknown' : 'JsonValue'}\n`;
  } else if (extra && typeof extra === 'object') {
    out += `${inner}[key: string]: ${ts(extra, inner)}${schema.properties ? ' | undefined' : ''}\n`;
  }
  return out + `${indent}}`;
}

let out = `// Generated by scripts/gen-types.mjs from relman's JSON Schemas; do not edit.
// index.d.ts re-exports this file (see dts-header.d.ts).

/** Any JSON value (open maps, schemas, the gate report of an error). */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject
/** A JSON object. */
export interface JsonObject { [key: string]: JsonValue }
/** A JSON value as input: a \`Date\` may stand anywhere (it becomes RFC 3339 text in UTC). */
export type JsonInput = null | boolean | number | string | Date | JsonInput[] | { [key: string]: JsonInput | undefined }

declare const timestampBrand: unique symbol
/**
 * RFC 3339 timestamp with an offset (\`Z\` or \`+02:00\`). Results hold
 * strings; where a document is input (\`In<T>\`) a \`Date\` is accepted
 * too and becomes \`toISOString()\` text (the offset becomes \`Z\`).
 */
export type Timestamp = string & { readonly [timestampBrand]?: 'Timestamp' }

type SameType<A, B> = (<G>() => G extends A ? 1 : 2) extends (<G>() => G extends B ? 1 : 2) ? true : false
type InOne<T> = SameType<T, Timestamp> extends true
  ? string | Date
  : T extends string | number | boolean | null | undefined
    ? T
    : T extends readonly (infer U)[]
      ? In<U>[]
      : { [K in keyof T]: In<T[K]> }
/** The input form of a document: every \`Timestamp\` may also be a \`Date\`. */
export type In<T> = unknown extends T ? T : T extends unknown ? InOne<T> : never

/**
 * What every function throws: a JS \`Error\` carrying the fields of the
 * shared error form (\`ErrorBody\`): \`code\` always, \`path\` where one
 * value is at fault, \`problems\` (invalid_input, invalid_policy), \`rule\`
 * (forbidden), \`violations\` and \`report\` (transition_denied), \`line\`
 * and \`column\` (JSON text), \`expected\` and \`found\` (conflict: the log
 * heads). Test with \`isRelmanError(e)\`.
 */
export interface RelmanError extends Error {
  code: ErrorCode
  path?: string
  line?: number
  column?: number
  problems?: Problem[]
  rule?: string
  violations?: Violation[]
  report?: JsonValue
  expected?: string
  found?: string
}

/** The snake_case names of the operations (\`call\`, \`operations()\`). */
export type OperationName = ${relman.operations().map((o) => literal(o.name)).join(' | ')}

/** The names \`schema\` knows. */
export type SchemaName = ${roots.map(([n]) => literal(n)).join(' | ')}

/** The parameters of \`suggestSlots\`, keyed as in the data contract. */
export interface SlotRequest {
  /** The schedule to search. */
  schedule: Schedule
  /** The id of the release or change to place. */
  item: string
  /** How long the slot must be. */
  duration_secs: number
  /** Search from here. */
  now: Timestamp
  /** How far ahead to search. */
  horizon_secs: number
  /** How many slots to return at most. */
  count: number
}
`;

const rootNames = new Set(roots.map(([, t]) => t));
for (const name of [...defs.keys()].sort()) {
  if (name === 'Timestamp') continue; // the branded string above
  const schema = defs.get(name);
  const { description } = schema;
  out += '\n';
  const suffix = rootNames.has(name)
    ? `\n *\n * JSON Schema: \`schema('${roots.find(([, t]) => t === name)[0]}')\`.`
    : '';
  out += doc(description ? description + suffix.replace(/\n \*/g, '\n') : '', '');
  outputOnly = !inputTypes.has(name);
  const body = ts(schema, '');
  const isPlainObject = body.startsWith('{') && body.endsWith('}') && !schema.oneOf && !schema.anyOf;
  out += isPlainObject ? `export interface ${name} ${body}\n` : `export type ${name} = ${body}\n`;
}

const target = join(root, 'types.d.ts');
if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== out) {
    console.error('types.d.ts is stale: run `npm run gen-types && npm run build` in bindings/node');
    process.exit(1);
  }
  console.log('types.d.ts is up to date');
} else {
  writeFileSync(target, out);
  console.log(`wrote ${target} (${defs.size} types)`);
}
