// AddN on webgpu for more inputs than one shader may bind. tfjs-backend-webgpu 4.22 binds every input of AddN as a
// storage buffer of one program, and a device allows only maxStorageBuffersPerShaderStage of them (8 by WebGPU's
// default, lavapipe's, and on many GPUs): the norm of GPT-2's 16+ gradients (clipping) made Dawn reject the
// shader. This kernel sums groups that fit, then the groups' sums, with the original kernel; sizes that fit go
// straight to it, so the results are unchanged where it already worked.
import {
  AddN,
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

interface WebGpuBackendLike {
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
  disposeData(dataId: object): boolean;
}

/** Replaces the webgpu AddN kernel by one that splits its inputs into groups the device can bind; idempotent. */
export function registerAddNGroups(): void {
  const original = getKernel(AddN, 'webgpu');
  if (!original || (original as KernelConfig & { tfpipe?: true }).tfpipe) return;
  const kernelFunc: KernelFunc = (args) => {
    const backend = args.backend as unknown as WebGpuBackendLike;
    const perGroup = Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1); // one binding is the output
    const sum = (inputs: TensorInfo[]): TensorInfo => {
      if (inputs.length <= perGroup)
        return original.kernelFunc({ ...args, inputs: inputs as unknown as typeof args.inputs }) as TensorInfo;
      const partials: TensorInfo[] = [];
      for (let i = 0; i < inputs.length; i += perGroup) partials.push(sum(inputs.slice(i, i + perGroup)));
      const total = sum(partials);
      for (const p of partials) backend.disposeData(p.dataId);
      return total;
    };
    return sum(Object.values(args.inputs) as TensorInfo[]);
  };
  unregisterKernel(AddN, 'webgpu');
  registerKernel({ ...original, kernelFunc, tfpipe: true } as KernelConfig);
}
