// Engine errors reach JavaScript as the Error subclass of their kind, with `code` and the
// error's fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as teho from '../js/node.mjs';

const { Engine } = teho;

test('a clock that is not an instant is an InvalidInput naming the field and value', () => {
  assert.throws(() => new Engine('yesterday'), (e) => {
    assert.ok(e instanceof teho.InvalidInput && e instanceof teho.TehoError && e instanceof Error);
    assert.equal(e.code, 'invalid_input');
    assert.equal(e.field, 'clock');
    assert.equal(e.value, 'yesterday');
    return true;
  });
});

test('a bad personal code is InvalidPersonalCode with its digits, not in the message', () => {
  assert.throws(() => teho.personalCode('37605030298'), (e) => {
    assert.ok(e instanceof teho.InvalidPersonalCode);
    assert.equal(e.code, 'invalid_personal_code');
    assert.deepEqual([e.value, e.expected, e.found], ['37605030298', 9, 8]);
    assert.ok(!e.message.includes('37605030298'), e.message);
    return true;
  });
  assert.deepEqual(teho.personalCode('37605030299'), { code: '37605030299', birth_date: '1976-05-03', sex: 'Male' });
});

test('a recurrence outside the subset is InvalidRecurrence', () => {
  assert.throws(() => teho.parseRecurrence('FREQ=YEARLY;BYHOUR=9'), teho.InvalidRecurrence);
  assert.equal(typeof teho.parseRecurrence('FREQ=WEEKLY;BYDAY=MO;BYHOUR=9'), 'string');
});

test('a refusal is AccessDenied with its action, reason and explanation', () => {
  const engine = new Engine('2026-11-02T07:00:00Z');
  assert.throws(
    () => engine.call(
      { Person: '00000000-0000-0000-0000-000000000001' },
      { command: 'client_file', args: { file: '00000000-0000-0000-0000-0000000000ff' } },
    ),
    (e) => e instanceof teho.AccessDenied && e.reason === 'UnknownActor' && e.action === 'client_file.read'
      && typeof e.explanation === 'string' && e.explanation.length > 0,
  );
});

test('a request that is not one is InvalidInput', () => {
  const engine = new Engine('2026-11-02T07:00:00Z');
  assert.throws(() => engine.call('System', { command: 'no_such_command' }), teho.InvalidInput);
});

test('every kind has its class, each a TehoError', () => {
  for (const [kind, Class] of Object.entries(teho.ERROR_CLASSES)) {
    const e = teho.errorFrom(kind, 'm', { x: 1 });
    assert.ok(e instanceof Class && e instanceof teho.TehoError, kind);
    assert.equal(e.code, kind);
    assert.equal(e.x, 1);
    assert.equal(e.name, Class.name);
  }
  assert.ok(teho.errorFrom('a_kind_not_known', 'm', {}) instanceof teho.TehoError);
});
