// Files of installed packages that are read at run time rather than imported: tfjs-backend-wasm's .wasm binaries
// and the Emscripten glue its threaded build needs as a file (pthread workers load it by path).
// The GPU bundle ships without node_modules, so scripts/gpu-bundle.ts replaces each `readPackageText('<literal>')`
// call in project files with the file's text as a string literal, and ../shared/gpu/pack.sh copies
// tfjs-backend-wasm's dist/*.wasm beside the bundle, the place `readWasmBinary` looks second.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const requireHere = createRequire(import.meta.url);

/** The text of `specifier` (e.g. '@tensorflow/tfjs-backend-wasm/wasm-out/x.js'). Pass a string literal: bundles inline it. */
export function readPackageText(specifier: string): string {
  return readFileSync(requireHere.resolve(specifier), 'utf8');
}

/** A tfjs-backend-wasm binary (e.g. 'tfjs-backend-wasm-threaded-simd.wasm'): the installed package's, else the bundle's. */
export function readWasmBinary(name: string): Uint8Array<ArrayBuffer> {
  const tried: string[] = [];
  try {
    return new Uint8Array(readFileSync(requireHere.resolve(`@tensorflow/tfjs-backend-wasm/dist/${name}`)));
  } catch {
    tried.push(`@tensorflow/tfjs-backend-wasm/dist/${name}`);
  }
  const besideBundle = join(import.meta.dirname, '..', '..', name); // models/backend → the bundle's folder
  try {
    return new Uint8Array(readFileSync(besideBundle));
  } catch {
    tried.push(besideBundle);
  }
  throw new Error(`${name} not found (looked for ${tried.join(' and ')}); is @tensorflow/tfjs-backend-wasm installed?`);
}
