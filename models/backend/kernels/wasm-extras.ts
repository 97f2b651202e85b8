// Kernels the tfjs wasm backend (4.22) lacks but training needs, written in JS on the heap data.
import { getKernel, registerKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { unsortedSegmentSumWasm } from './unsorted-segment-sum.ts';

const WASM_EXTRAS: KernelConfig[] = [unsortedSegmentSumWasm];

/** Idempotent: registers each extra kernel unless the backend already has one. */
export function registerWasmExtras(): void {
  for (const config of WASM_EXTRAS) {
    if (!getKernel(config.kernelName, config.backendName)) registerKernel(config);
  }
}
