// GatherV2 on wasm for the case training hits every step — whole rows along axis 0 (embedding lookups, the LSTM's
// packing and previous-state gathers) — as one block copy per row, because tfjs-backend-wasm 4.22's GatherV2 walks
// every element through generic strided indexing. Other axes, batchDims and dtypes go to the original kernel.
import {
  GatherV2,
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { makeOutputs, viewData } from '../tensor-data.ts';

interface GatherAttrs {
  axis: number;
  batchDims: number;
}

/** x [R, ...inner], indices [...idx] (int32, each in [0, R)) → [...idx, ...inner]. */
function gatherRows(backend: unknown, x: TensorInfo, indices: TensorInfo): TensorInfo {
  const rows = x.shape[0];
  const inner = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const count = indices.shape.reduce((a, b) => a * b, 1);
  const dtype = x.dtype as 'float32' | 'int32';
  const [out] = makeOutputs(backend, [{ shape: [...indices.shape, ...x.shape.slice(1)], dtype }], ([o]) => {
    const xs = viewData<Float32Array | Int32Array>(backend, x);
    const ids = viewData<Int32Array>(backend, indices);
    // On wasm both live in one heap: copyWithin on a view of all of it moves each row without a subarray object.
    const sameBuffer = xs.buffer === o.buffer;
    const heap = sameBuffer ? new (o.constructor as Float32ArrayConstructor)(o.buffer) : null;
    const xBase = xs.byteOffset / 4;
    const oBase = o.byteOffset / 4;
    for (let i = 0; i < count; i++) {
      const r = ids[i];
      if (!(r >= 0 && r < rows)) throw new Error(`GatherV2: the index value ${r} is not in [0, ${rows - 1}]`);
      if (heap) heap.copyWithin(oBase + i * inner, xBase + r * inner, xBase + (r + 1) * inner);
      else o.set(xs.subarray(r * inner, (r + 1) * inner), i * inner);
    }
  });
  return out;
}

/** Replaces wasm's GatherV2 by one that copies whole rows for axis-0 gathers; idempotent. */
export function registerWasmGatherRows(): void {
  const original = getKernel(GatherV2, 'wasm');
  if (!original || (original as KernelConfig & { tfpipe?: true }).tfpipe) return;
  const kernelFunc: KernelFunc = (args) => {
    const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo };
    const { axis, batchDims } = args.attrs as NamedAttrMap & GatherAttrs;
    const rowGather =
      (axis === 0 || axis === -x.shape.length) &&
      batchDims === 0 &&
      x.shape.length >= 1 &&
      (x.dtype === 'float32' || x.dtype === 'int32') &&
      indices.dtype === 'int32';
    return rowGather ? gatherRows(args.backend, x, indices) : original.kernelFunc(args);
  };
  unregisterKernel(GatherV2, 'wasm');
  // keep setupFunc: the original binds its wasm function there when the backend starts
  registerKernel({ ...original, kernelFunc, tfpipe: true } as KernelConfig);
}
