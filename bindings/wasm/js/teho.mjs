// TEHO for JavaScript: the engine over wasm-bindgen's glue, with JSON in and out as
// JavaScript values and every engine error thrown as the Error subclass of its kind.
// `node.mjs` and `web.mjs` hand it the glue of their target. The typed method per
// command comes from `api.mjs`, generated from schemas/api.json.

import { Commands } from './api.mjs';

export { COMMANDS } from './api.mjs';

/** Base of every TEHO error: `code` is the engine's error kind, `details` its fields. */
export class TehoError extends Error {
  constructor(message, code, details) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details ?? {};
    // The detail fields read as properties too: err.reason, err.value, err.field, …
    for (const [k, v] of Object.entries(this.details)) {
      if (!(k in this)) this[k] = v;
    }
  }
}

/** A personal code (isikukood) failed to parse: `value`, `problem`. */
export class InvalidPersonalCode extends TehoError {}
/** A field had a value the rules do not admit: `field`, `value`, `problem`. */
export class InvalidInput extends TehoError {}
/** A period ends before it starts: `what`, `from`, `until`. */
export class InvalidPeriod extends TehoError {}
/** A recurrence rule outside the supported RRULE subset. */
export class InvalidRecurrence extends TehoError {}
/** An ICF code that is malformed or a body-structure (s) code. */
export class InvalidIcf extends TehoError {}
/** A reason is required (a visit not done, a cancellation): `problem`. */
export class ReasonRequired extends TehoError {}
/** The one door refused the call: `action`, `reason`, `explanation`. */
export class AccessDenied extends TehoError {}
/** An object the call names does not exist: `kind`, `id`. */
export class NotFound extends TehoError {}
/** The call contradicts what is recorded: `id`, `problem`. */
export class Conflict extends TehoError {}
/** The store is already initialised. */
export class AlreadyInitialized extends TehoError {}
/** The data was written by a newer TEHO: `found`, `supported`. */
export class SchemaTooNew extends TehoError {}
/** Not TEHO's data: `problem`. */
export class NotATehoDatabase extends TehoError {}
/** The storage failed. */
export class StorageError extends TehoError {}
/** A bug in the engine. */
export class InternalError extends TehoError {}

/** The class of each engine error kind. */
export const ERROR_CLASSES = Object.freeze({
  invalid_personal_code: InvalidPersonalCode,
  invalid_input: InvalidInput,
  invalid_period: InvalidPeriod,
  invalid_recurrence: InvalidRecurrence,
  invalid_icf: InvalidIcf,
  reason_required: ReasonRequired,
  access_denied: AccessDenied,
  not_found: NotFound,
  conflict: Conflict,
  already_initialized: AlreadyInitialized,
  schema_too_new: SchemaTooNew,
  not_a_teho_database: NotATehoDatabase,
  storage: StorageError,
  internal: InternalError,
});

/** The error of `kind` with its message and details. */
export function errorFrom(kind, message, details) {
  const Class = ERROR_CLASSES[kind] ?? TehoError;
  return new Class(message, kind, details);
}

/** Why a module instance was stopped by a trap, by glue: every later call is refused. */
const STOPPED = new WeakMap();

/** Runs `work` on `glue`; what the module throws (`{kind, message, details}` as JSON
 * text) becomes the error of its kind. A trap (a panic: on wasm32 it cannot unwind)
 * becomes an InternalError with the panic's message, and the instance is stopped: its
 * memory may hold half a call, so every later call is refused with the same error. */
function guarded(glue, work) {
  const stopped = STOPPED.get(glue);
  if (stopped) throw new InternalError(stopped, 'internal', { stopped: true });
  try {
    return work();
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) {
      const message = `the engine stopped on a bug in TEHO (${glue.lastPanic() ?? e.message}); `
        + 'what it held is lost unless saved before — load a saved image into a new page';
      STOPPED.set(glue, message);
      throw new InternalError(message, 'internal', { stopped: true });
    }
    if (typeof e === 'string') {
      let thrown;
      try {
        thrown = JSON.parse(e);
      } catch {
        throw new InternalError(e, 'internal', {});
      }
      throw errorFrom(thrown.kind, thrown.message, thrown.details);
    }
    throw e;
  }
}

/** The free functions over a target's glue: `personalCode(code)` (`{code, birth_date,
 * sex}`) and `parseRecurrence(text)` (its canonical text). */
export function functionsOf(glue) {
  return {
    personalCode: (code) => JSON.parse(guarded(glue, () => glue.personalCode(code))),
    parseRecurrence: (text) => guarded(glue, () => glue.parseRecurrence(text)),
  };
}

/** The key under which `Engine.load` hands its constructor the loaded module engine. */
const LOADED = Symbol('loaded');

/** The Engine class over a target's glue (`pkg/node` or `pkg/web`). */
export function engineClass(glue) {
  /** An engine over a store in memory, on a clock the caller moves; one typed method
   * per command (`engine.markDone(actor, visit, report)`) besides `call`. */
  return class Engine extends Commands {
    #inner;

    /** A fresh store, its clock at `clock` (an RFC 3339 instant, moved by `setClock`)
     * with sequential ids; without a clock, on JavaScript's `Date` with UUID v7 ids
     * from the platform's `crypto`. */
    constructor(clock, loaded) {
      super();
      this.#inner = loaded?.[LOADED] ?? guarded(glue, () => new glue.Engine(clock));
    }

    /** The store a saved image (`save()`'s text) holds, its clock at `clock`; refused
     * with an InvalidInput on `image` unless its audit chain and every record verify. */
    static load(image, clock) {
      return new this(clock, { [LOADED]: guarded(glue, () => glue.Engine.load(image, clock)) });
    }

    /** The whole store, audit chain included, as JSON text for `Engine.load`. */
    save() {
      return guarded(glue, () => this.#inner.save());
    }

    /** Runs one request (`{command, args}`) as `actor` (`{Worker: id}`, `"System"`, …). */
    call(actor, request) {
      return JSON.parse(guarded(glue, () => this.#inner.call(JSON.stringify(actor), JSON.stringify(request))));
    }

    /** Runs requests in order as one batch: `{results, error}`. */
    callMany(actor, requests) {
      return JSON.parse(guarded(glue, () => this.#inner.callMany(JSON.stringify(actor), JSON.stringify(requests))));
    }

    /** Plays a script of calls (`{clock, steps: [{as, do, save, clock}]}`, the scenario
     * format, as demo/town.json); every saved result by name. */
    play(script) {
      return JSON.parse(guarded(glue, () => this.#inner.play(typeof script === 'string' ? script : JSON.stringify(script))));
    }

    /** Moves the clock to an RFC 3339 instant. */
    setClock(instant) {
      guarded(glue, () => this.#inner.setClock(instant));
    }

    /** Makes the next id request panic inside the module: only for the test that a
     * panic becomes an InternalError and stops the instance. */
    failNextIdForTests() {
      this.#inner.failNextIdForTests();
    }
  };
}
