// Backend selection: imports the tfjs backend package on demand and makes it the active one.
// A registry, not an if-chain: webgpu / tensorflow join by adding an entry.
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmExtras } from './kernels/wasm-extras.ts';

export type BackendName = 'cpu' | 'wasm';

export interface SelectedBackend {
  name: BackendName;
  /** Human-readable description of where the maths runs, e.g. "wasm (SIMD, 1 thread)". */
  device: string;
}

interface BackendEntry {
  load(): Promise<void>;
  describe(): Promise<string>;
}

const BACKENDS: Record<BackendName, BackendEntry> = {
  cpu: {
    load: async () => {
      await import('@tensorflow/tfjs-backend-cpu');
    },
    describe: async () => 'cpu (plain JS)',
  },
  wasm: {
    load: async () => {
      await import('@tensorflow/tfjs-backend-wasm');
      registerWasmExtras();
    },
    describe: async () => {
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
      return `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'multi-threaded' : '1 thread'})`;
    },
  },
};

export const BACKEND_NAMES = Object.keys(BACKENDS) as BackendName[];

export function isBackendName(name: string): name is BackendName {
  return Object.hasOwn(BACKENDS, name);
}

/** Accepts any string (pipeline files name backends) and rejects unknown ones with the allowed list. */
export async function selectBackend(name: BackendName | (string & {})): Promise<SelectedBackend> {
  if (!isBackendName(name)) throw new Error(`unknown backend '${name}' (allowed: ${BACKEND_NAMES.join(', ')})`);
  const entry = BACKENDS[name];
  await entry.load();
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`backend '${name}' failed to initialise`);
  await tf.ready();
  return { name, device: await entry.describe() };
}
