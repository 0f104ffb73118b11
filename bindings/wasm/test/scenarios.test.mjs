// Replays every scenario file in tests/scenarios/ through the WebAssembly package in
// Node, with the same rules as the Rust runner (tests/src/scenario.rs) and the Python
// one (bindings/python/tests/test_scenarios.py).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import { Engine, TehoError } from '../js/node.mjs';

const SCENARIOS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'tests', 'scenarios');

function stepsOf(path) {
  const doc = JSON.parse(readFileSync(path, 'utf8'));
  const steps = [];
  for (const name of doc.include ?? []) steps.push(...stepsOf(join(dirname(path), name)).steps);
  steps.push(...(doc.steps ?? []));
  return { clock: doc.clock ?? '2026-11-02T07:00:00Z', steps };
}

function lookup(saved, reference) {
  const [name, ...path] = reference.split('.');
  let value = saved[name];
  for (const part of path) value = Array.isArray(value) ? value[Number(part)] : value[part];
  return value;
}

function substitute(value, saved) {
  if (typeof value === 'string' && value.startsWith('$')) return lookup(saved, value.slice(1));
  if (Array.isArray(value)) return value.map((v) => substitute(v, saved));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, saved)]));
  }
  return value;
}

function matches(expected, actual) {
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && expected.length === actual.length && expected.every((e, i) => matches(e, actual[i]));
  }
  if (expected !== null && typeof expected === 'object') {
    return actual !== null && typeof actual === 'object' && !Array.isArray(actual)
      && Object.entries(expected).every(([k, v]) => k in actual && matches(v, actual[k]));
  }
  return expected === actual;
}

/** Runs one scenario file; returns how many steps it had and how many were refusals. */
function run(path) {
  const { clock, steps } = stepsOf(path);
  const engine = new Engine(clock);
  const saved = {};
  let refused = 0;
  steps.forEach((step, i) => {
    const where = `${path} step ${i + 1}`;
    if ('clock' in step) engine.setClock(step.clock);
    if (!('do' in step)) return;
    const actor = substitute(step.as ?? 'System', saved);
    const request = substitute(step.do, saved);
    const expect = substitute(step.expect ?? { ok: true }, saved);
    let result;
    try {
      result = engine.call(actor, request);
    } catch (err) {
      assert.ok(err instanceof TehoError, `${where}: not a TehoError: ${err}`);
      assert.ok('error' in expect, `${where}: expected success, got ${err.code} (${err.message})`);
      assert.equal(err.code, expect.error, `${where}: ${err.message}`);
      if ('reason' in expect) assert.equal(err.details.reason, expect.reason, `${where}: reason`);
      refused += 1;
      return;
    }
    assert.ok(!('error' in expect), `${where}: expected ${expect.error}, got ${JSON.stringify(result)}`);
    if ('len' in expect) assert.equal(result.length, expect.len, `${where}: ${JSON.stringify(result)}`);
    if (expect.ok !== undefined && expect.ok !== true) {
      assert.ok(matches(expect.ok, result), `${where}: expected ${JSON.stringify(expect.ok)}, got ${JSON.stringify(result)}`);
    }
    if ('save' in step) saved[step.save] = result;
  });
  return { steps: steps.length, refused };
}

const FILES = readdirSync(SCENARIOS).filter((f) => f.endsWith('.json') && f !== 'town.json').sort();

test('there are scenarios to replay', () => {
  assert.ok(FILES.length >= 5, `${FILES.length} files`);
});

for (const file of FILES) {
  test(`scenario ${file} replays`, () => {
    const { steps } = run(join(SCENARIOS, file));
    assert.ok(steps > 20, `${steps} steps`);
  });
}
