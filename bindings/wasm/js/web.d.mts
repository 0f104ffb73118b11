// TEHO in the browser: the same surface as in Node.
export * from './teho.mjs';
