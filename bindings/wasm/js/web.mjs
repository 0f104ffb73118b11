// TEHO in the browser: the engine over the `--target web` glue (scripts/build-wasm); the
// module is fetched and instantiated when this is imported.
import init, * as glue from '../pkg/web/teho_wasm.js';
import { engineClass, functionsOf } from './teho.mjs';

await init();

/** An engine over a store in memory, on a clock the page moves. */
export const Engine = engineClass(glue);
/** Parses an Estonian personal code; parses a recurrence rule. */
export const { personalCode, parseRecurrence } = functionsOf(glue);
export * from './teho.mjs';
