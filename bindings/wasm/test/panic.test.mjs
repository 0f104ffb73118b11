// A panic inside the module cannot unwind on wasm32: it traps. The wrapper turns the
// trap into an InternalError with the panic's message and refuses every later call on
// that instance, instead of running on memory that may hold half a call. (Its own file:
// node --test runs each in its own process, and this one stops its module.)
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Engine, InternalError, personalCode } from '../js/node.mjs';

test('a panic becomes an InternalError with its message, and the instance stops', () => {
  const engine = new Engine('2026-11-02T07:00:00Z');
  const [, admin] = engine.bootstrap('System',
    { name: 'Lasnamäe linnaosa valitsus', kind: 'Municipality', registry_code: null },
    { personal_code: '38001010015', given_name: 'Mari', family_name: 'Haldur', employed_from: '2020-01-01' });
  engine.failNextIdForTests();
  let first;
  assert.throws(() => engine.registerOrganization({ Worker: admin.id }, { name: 'X', kind: 'HomeCareProvider', registry_code: null }),
    (err) => { first = err; return err instanceof InternalError; });
  assert.match(first.message, /an id was asked for while a test had made the id source fail/);
  assert.equal(first.code, 'internal');
  assert.equal(first.details.stopped, true);
  // Every later call, on any engine of the module or its free functions, is refused.
  assert.throws(() => engine.inbox('System'), (err) => err instanceof InternalError && err.message === first.message);
  assert.throws(() => new Engine('2026-11-02T07:00:00Z'), InternalError);
  assert.throws(() => personalCode('38001010015'), InternalError);
});
