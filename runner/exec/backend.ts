// Turns the requested backend (auto | cpu | wasm | webgpu | tensorflow) into a BackendChoice for the executor:
// a concrete name for fingerprints now, and TensorFlow.js initialisation later, only if a compute stage runs.
import type { BackendChoice } from './executor.ts';

/** `auto` picks the best backend available here. Until GPU support lands it is wasm, the fastest CPU backend. */
export function resolveBackendName(requested: string): string {
  return requested === 'auto' ? 'wasm' : requested;
}

export function backendChoice(requested: string): BackendChoice {
  const name = resolveBackendName(requested);
  return {
    name,
    init: async () => {
      const { selectBackend } = await import('../../models/backend/select.ts');
      return selectBackend(name);
    },
  };
}
