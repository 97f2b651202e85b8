// The tfjs backend of the page: WebGPU where the browser gives an adapter, else WASM (the non-threaded build:
// threads need cross-origin isolation, which a plain static server does not give). The .wasm files sit next to
// index.html, so the page works offline from any static server.
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';
import { WASM_FILE_NAMES as WASM_FILES } from '../wasm-files.ts';

interface GpuNavigator {
  gpu?: { requestAdapter(): Promise<unknown> };
}

/** Picks and starts the backend; returns its name ('webgpu' or 'wasm'). `?backend=wasm` forces WASM. */
export async function startBackend(base: string, forced: string | null): Promise<string> {
  const gpu = (navigator as unknown as GpuNavigator).gpu;
  if (forced !== 'wasm' && gpu) {
    const adapter = await gpu.requestAdapter().catch(() => null);
    if (adapter && (await tf.setBackend('webgpu').catch(() => false))) {
      await tf.ready();
      return 'webgpu';
    }
  }
  // No SharedArrayBuffer without isolation, so tfjs picks simd or plain; the threaded file is never asked for.
  setWasmPaths({
    'tfjs-backend-wasm.wasm': new URL(WASM_FILES[0], base).href,
    'tfjs-backend-wasm-simd.wasm': new URL(WASM_FILES[1], base).href,
    'tfjs-backend-wasm-threaded-simd.wasm': new URL(WASM_FILES[1], base).href,
  });
  if (!(await tf.setBackend('wasm'))) throw new Error('neither WebGPU nor WASM could start in this browser');
  await tf.ready();
  return 'wasm';
}
