/// <reference types="@webgpu/types" />
// Is there a WebGPU adapter here, and is it a real GPU? Loads Dawn and asks for the adapter tfjs would get
// (high-performance). Costs ~0.2-1 s (driver start), which is why runner/exec/backend.ts caches the answer.
import { installWebGpuGlobals } from './navigator-shim.ts';

export type AdapterProbe =
  | { found: true; device: string; vendor: string; description: string; software: boolean }
  | { found: false; reason: string; dawnMissing?: boolean };

/** A short name for the adapter: Dawn's device id ("nvidia-h100-80gb-hbm3"), else its description. */
export function describeAdapter(
  info: Pick<GPUAdapterInfo, 'device' | 'description' | 'vendor'>,
  software: boolean,
): string {
  const name = (info.device || info.description || info.vendor || 'unknown adapter').replace(/-+$/, '');
  return software ? `${name} (software, on the CPU)` : name;
}

export async function probeWebGpuAdapter(): Promise<AdapterProbe> {
  let gpu: GPU;
  try {
    gpu = await installWebGpuGlobals();
  } catch (error) {
    return {
      found: false,
      reason: `the webgpu package (Dawn) could not be loaded: ${(error as Error).message}`,
      dawnMissing: true,
    };
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter)
    return { found: false, reason: 'Dawn found no WebGPU adapter (no Vulkan/Metal/D3D12 driver for a GPU)' };
  const info = adapter.info;
  // lavapipe / SwiftShader: correct but slower than the wasm backend.
  const software =
    (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true ||
    info.architecture === 'software';
  return {
    found: true,
    device: describeAdapter(info, software),
    vendor: info.vendor,
    description: info.description,
    software,
  };
}
