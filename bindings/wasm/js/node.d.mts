// TEHO in Node: the same surface as in the browser.
export * from './teho.mjs';
