// Records every module a Node process loads, for tests that check what a command imports (a cached run must not
// load TensorFlow.js). Used as `node --import <this file> …` with RECORD_LOADS=<file>: an ESM resolve hook appends
// each resolved URL with its importer ("url<TAB>parent"), and at exit the CommonJS cache's paths are appended too,
// since a CommonJS module's own require()s (tfjs-core is CommonJS) never pass through the ESM hooks.
// Plain JavaScript: it is loaded before tsx registers the TypeScript loader. The same file is the hooks module:
// module.register runs it again on the loader thread, where only `initialize` and `resolve` are used.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const file = process.env.RECORD_LOADS;
if (isMainThread && file) {
  register(import.meta.url, { data: { file } });
  const require = createRequire(import.meta.url);
  process.on('exit', () => appendFileSync(file, Object.keys(require.cache).map((path) => `${path}\trequire.cache\n`).join('')));
}

let out;

export function initialize(data) {
  out = data.file;
}

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(out, `${resolved.url}\t${context.parentURL ?? ''}\n`);
  return resolved;
}
