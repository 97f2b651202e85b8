// Direct access to a tensor's float/int data inside a kernel, for kernels written in JS on the data.
// cpu keeps values in a JS TypedArray (backend.data); wasm keeps them on the WebAssembly heap (a view costs
// nothing, but any heap allocation may grow memory and detach earlier views: allocate outputs first, view after).
import type { TensorInfo, DataType } from '@tensorflow/tfjs-core';

type Values = Float32Array | Int32Array;

interface CpuLike {
  data: { get(dataId: object): { values?: unknown } };
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: DataType, values?: Values): TensorInfo;
}
interface WasmLike {
  dataIdMap: unknown;
  typedArrayFromHeap(info: TensorInfo): Values;
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
}

function isWasm(backend: unknown): boolean {
  return typeof (backend as Partial<WasmLike>).typedArrayFromHeap === 'function';
}

/** The tensor's values, without copying where the backend allows it. Do not write to them. */
export function viewData<T extends Values>(backend: unknown, info: TensorInfo): T {
  if (isWasm(backend)) return (backend as unknown as WasmLike).typedArrayFromHeap(info) as T;
  const cpu = backend as unknown as CpuLike;
  return cpu.readSync(info.dataId) as T;
}

export interface OutputSpec {
  shape: number[];
  dtype?: 'float32' | 'int32';
}

/**
 * Allocates kernel outputs, zero-filled, and hands them to `fill` as writable arrays; returns their TensorInfos.
 * Inputs must be viewed inside `fill` (after allocation) so wasm heap growth cannot detach them.
 */
export function makeOutputs(backend: unknown, specs: OutputSpec[], fill: (outs: Values[]) => void): TensorInfo[] {
  if (isWasm(backend)) {
    const wasm = backend as unknown as WasmLike;
    const infos = specs.map((s) => wasm.makeOutput(s.shape, s.dtype ?? 'float32'));
    const arrays = infos.map((info) => wasm.typedArrayFromHeap(info));
    for (const a of arrays) a.fill(0); // malloc'd memory is not cleared
    fill(arrays);
    return infos;
  }
  const cpu = backend as unknown as CpuLike;
  const arrays = specs.map((s) => {
    const size = s.shape.reduce((a, b) => a * b, 1);
    return s.dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  });
  fill(arrays);
  return specs.map((s, i) => cpu.makeTensorInfo(s.shape, s.dtype ?? 'float32', arrays[i]));
}

/** Backends whose data these helpers can reach. */
export const JS_KERNEL_BACKENDS = ['cpu', 'wasm'] as const;
