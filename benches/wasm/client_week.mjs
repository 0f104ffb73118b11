// The WASM side of benches/run's "client week, wasm" line (benches/src/wasm.rs): loads
// the saved store image into the package's Engine, asks every client-week query of
// queries.json through the JSON door, and prints p50/p99 in microseconds, the bytes of
// JSON answered (the Rust side checks they are the native answers') and the load time.
//   node benches/wasm/client_week.mjs DIR CLOCK
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';

const glue = createRequire(import.meta.url)('../../bindings/wasm/pkg/node/teho_wasm.js');
const [dir, clock] = process.argv.slice(2);
const image = readFileSync(join(dir, 'image.json'), 'utf8');
const queries = JSON.parse(readFileSync(join(dir, 'queries.json'), 'utf8'));

const started = performance.now();
const engine = glue.Engine.load(image, clock);
const loadMs = performance.now() - started;
// The module's own door, text in and out, as the Rust side's Host::call: the figure is
// the module's cost, not the wrapper's JSON.parse of the answer.
const times = [];
let bytes = 0;
for (const [actor, request] of queries) {
  const t = performance.now();
  const out = engine.call(actor, request);
  times.push(performance.now() - t);
  bytes += Buffer.byteLength(out, 'utf8');
}
times.sort((a, b) => a - b);
const at = (p) => times[Math.round((times.length - 1) * p)] * 1e3;
console.log(JSON.stringify({ p50_us: at(0.5), p99_us: at(0.99), bytes, load_ms: loadMs }));
