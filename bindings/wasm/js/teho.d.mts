// Types of teho.mjs: the errors, and the Engine every target exports. The engine's own
// types and the typed method per command are generated into api.d.mts.
import type { Actor, Commands } from './api.mjs';

export * from './api.mjs';

/** Base of every TEHO error: `code` is the engine's error kind, `details` its fields. */
export declare class TehoError extends Error {
  /** The error kind: `access_denied`, `invalid_input`, `not_found`, … */
  readonly code: string;
  /** The error's fields (`reason`, `explanation`, `field`, `value`, `problem`, …). */
  readonly details: Record<string, unknown>;
  /** The detail fields read as properties too. */
  readonly [field: string]: unknown;
  constructor(message: string, code: string, details?: Record<string, unknown>);
}
/** A personal code (isikukood) failed to parse: `value`, `problem`. */
export declare class InvalidPersonalCode extends TehoError {}
/** A field had a value the rules do not admit: `field`, `value`, `problem`. */
export declare class InvalidInput extends TehoError {}
/** A period ends before it starts: `what`, `from`, `until`. */
export declare class InvalidPeriod extends TehoError {}
/** A recurrence rule outside the supported RRULE subset. */
export declare class InvalidRecurrence extends TehoError {}
/** An ICF code that is malformed or a body-structure (s) code. */
export declare class InvalidIcf extends TehoError {}
/** A reason is required (a visit not done, a cancellation): `problem`. */
export declare class ReasonRequired extends TehoError {}
/** The one door refused the call: `action`, `reason`, `explanation`. */
export declare class AccessDenied extends TehoError {}
/** An object the call names does not exist: `kind`, `id`. */
export declare class NotFound extends TehoError {}
/** The call contradicts what is recorded: `id`, `problem`. */
export declare class Conflict extends TehoError {}
/** The store is already initialised. */
export declare class AlreadyInitialized extends TehoError {}
/** The data was written by a newer TEHO: `found`, `supported`. */
export declare class SchemaTooNew extends TehoError {}
/** Not TEHO's data: `problem`. */
export declare class NotATehoDatabase extends TehoError {}
/** The storage failed. */
export declare class StorageError extends TehoError {}
/** A bug in the engine; after a panic (`details.stopped`), every later call. */
export declare class InternalError extends TehoError {}

/** The class of each engine error kind. */
export declare const ERROR_CLASSES: Readonly<Record<string, typeof TehoError>>;
/** The error of `kind` with its message and details. */
export declare function errorFrom(kind: string, message: string, details?: Record<string, unknown>): TehoError;

/** What a batch (`callMany`) returns: every result up to the first error, and it. */
export interface BatchResult {
  /** The results of the requests that ran, in order. */
  results: unknown[];
  /** The first error, `{kind, message, details}`, or null when all ran. */
  error: { kind: string; message: string; details: Record<string, unknown> } | null;
}

/** A personal code, parsed: its date of birth and sex. */
export interface PersonalCodeInfo {
  /** The 11 digits. */
  code: string;
  /** Date of birth, `YYYY-MM-DD`. */
  birth_date: string;
  /** `"Female"` or `"Male"`. */
  sex: string;
}

/** An engine over a store in memory, on a clock the caller moves or on JavaScript's. */
export declare class Engine extends Commands {
  /** A fresh store, its clock at `clock` (an RFC 3339 instant, moved by `setClock`) with
   * sequential ids; without a clock, on JavaScript's `Date` with UUID v7 ids from the
   * platform's `crypto` (and `setClock` refused). */
  constructor(clock?: string | null);
  /** The store a saved image holds, its clock at `clock` (or JavaScript's); refused
   * with an InvalidInput on `image` unless its audit chain and every record verify. */
  static load(image: string, clock?: string | null): Engine;
  /** The whole store, audit chain included, as JSON text for `Engine.load`. */
  save(): string;
  /** Runs one request as `actor`; the result as a JavaScript value. */
  call(actor: Actor, request: { command: string; args: Record<string, unknown> }): unknown;
  /** Runs requests in order as one batch. */
  callMany(actor: Actor, requests: Array<{ command: string; args: Record<string, unknown> }>): BatchResult;
  /** Plays a script of calls (the scenario format, as demo/town.json); every saved
   * result by name. A failing step throws its own error, naming the step. */
  play(script: string | { clock?: string; steps: unknown[] }): Record<string, unknown>;
  /** Moves the clock to an RFC 3339 instant. */
  setClock(instant: string): void;
  /** Makes the next id request panic inside the module (tests only). */
  failNextIdForTests(): void;
}

/** Parses an Estonian personal code; an InvalidPersonalCode names the problem. */
export declare function personalCode(code: string): PersonalCodeInfo;
/** Parses a recurrence rule (the RRULE subset): its canonical text. */
export declare function parseRecurrence(text: string): string;
