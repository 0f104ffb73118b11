// TEHO in Node: the engine over the `--target nodejs` glue (scripts/build-wasm).
import { createRequire } from 'node:module';
import { engineClass, functionsOf } from './teho.mjs';

const glue = createRequire(import.meta.url)('../pkg/node/teho_wasm.js');

/** An engine over a store in memory, on a clock the caller moves. */
export const Engine = engineClass(glue);
/** Parses an Estonian personal code; parses a recurrence rule. */
export const { personalCode, parseRecurrence } = functionsOf(glue);
export * from './teho.mjs';
