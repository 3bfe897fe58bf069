// The conformance-vector checker of the Node runner: a port of `diff` and
// `check_vector` in core/tests/support/conformance.rs (floats within 1e-9
// relative; expected errors by code, path, rule and violations).

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The path of the first difference between two JSON values, or null. */
export function diff(expected, actual, path = '$') {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const scale = Math.max(Math.abs(expected), Math.abs(actual), Number.MIN_VALUE);
    return Math.abs(expected - actual) / scale > 1e-9 && expected !== actual
      ? `${path}: ${expected} != ${actual}`
      : null;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) {
      return `${path}: ${expected.length} items != ${actual.length} items`;
    }
    for (let i = 0; i < expected.length; i++) {
      const d = diff(expected[i], actual[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(expected) && isObject(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
    for (const k of keys) {
      if (!(k in actual)) return `${path}.${k}: missing in actual`;
      if (!(k in expected)) return `${path}.${k}: unexpected in actual`;
      const d = diff(expected[k], actual[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return expected === actual ? null : `${path}: ${JSON.stringify(expected)} != ${JSON.stringify(actual)}`;
}

/** Every `<root>/<operation>/*.json`, sorted. */
export function vectorFiles(root) {
  const files = [];
  for (const dir of readdirSync(root)) {
    const folder = join(root, dir);
    if (!statSync(folder).isDirectory()) continue;
    for (const file of readdirSync(folder)) {
      if (file.endsWith('.json')) files.push(join(folder, file));
    }
  }
  return files.sort();
}

/**
 * Checks one vector with `run(operation, input)`, which returns
 * `{ok: value}` or `{error: thrown}` and throws when the runner cannot run
 * the operation. Throws an Error describing the first mismatch.
 */
export function checkVector(file, run) {
  const vector = JSON.parse(readFileSync(file, 'utf8'));
  const { operation } = vector;
  const folder = file.split(/[\\/]/).at(-2);
  if (folder !== operation) throw new Error(`operation \`${operation}\` lives in folder ${folder}`);
  const outcome = run(operation, vector.input);
  const hasExpected = 'expected' in vector;
  const hasError = 'expected_error' in vector;
  if (hasExpected === hasError) throw new Error('a vector needs exactly one of `expected` and `expected_error`');
  if (hasExpected) {
    if ('error' in outcome) throw new Error(`unexpected error: ${outcome.error.code}: ${outcome.error.message}`);
    const d = diff(vector.expected, outcome.ok);
    if (d) throw new Error(`output differs at ${d}\nactual: ${JSON.stringify(outcome.ok)}`);
    return;
  }
  const expected = vector.expected_error;
  if (!('error' in outcome)) throw new Error(`expected an error, got ${JSON.stringify(outcome.ok)}`);
  const err = outcome.error;
  if (!(err instanceof Error)) throw new Error(`threw a non-Error: ${err}`);
  if (err.code !== expected.code) throw new Error(`error code ${err.code} != expected ${expected.code}: ${err.message}`);
  if ('rule' in expected && (err.rule ?? null) !== expected.rule) {
    throw new Error(`error rule ${err.rule} != expected ${expected.rule}: ${err.message}`);
  }
  if ('violations' in expected) {
    const rules = (err.violations ?? []).map((v) => v.rule);
    if (JSON.stringify(rules) !== JSON.stringify(expected.violations)) {
      throw new Error(`violations ${JSON.stringify(rules)} != expected ${JSON.stringify(expected.violations)}: ${err.message}`);
    }
  }
  if ('path' in expected && (err.path ?? null) !== expected.path) {
    throw new Error(`error path ${err.path} != expected ${expected.path}: ${err.message}`);
  }
}
