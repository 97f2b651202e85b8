// Runs a hand-written WGSL program on the active webgpu backend and returns its output as a tensor the engine
// tracks (so tf.tidy and dispose work as for any op). tfjs-backend-webgpu compiles `getUserCode()` inside its own
// shader prelude: inputs are storage arrays named by `variableNames`, the single output is `result`
// (setOutputAtIndex), and `uniforms` holds each input's shape (`<name>Shape`), `outShape`, `size` when asked for,
// and the program's own fields (declared in `uniforms`, passed per dispatch as `uniformData`).
// One program has exactly one output; a kernel with two results is two programs. With a flat dispatchLayout
// (`{ x: [0, …] }`, no y/z) the prelude calls `fn main(index : i32)` (index = the global invocation index), so the
// user code must declare it even when it works from `workgroupId` / `localId` (also in scope) instead.
// Pipelines are cached by `shaderKey` (plus input ranks and dtypes): anything baked into the WGSL text — workgroup
// size, a constant — must be part of the key; per-call sizes belong in uniforms.
import * as tf from '@tensorflow/tfjs-core';

/** The WebGPUProgram shape tfjs-backend-webgpu runs (its interface is not exported by the package). */
export interface WgslProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  /** Per input, 4 to declare it array<vec4<f32>> (its length a multiple of 4); default all 1. */
  variableComponents?: number[];
  /** Declare `size : i32` (the output's element count) in the uniforms. */
  size?: boolean;
  /** Extra uniform fields, WGSL struct syntax, e.g. `rows : i32, cols : i32,`. */
  uniforms?: string;
  getUserCode(): string;
}

export interface UniformValue {
  type: 'int32' | 'float32' | 'uint32';
  data: number[];
}

interface WebGpuBackendLike {
  runWebGPUProgram(
    program: WgslProgram,
    inputs: tf.TensorInfo[],
    dtype: tf.DataType,
    uniforms?: UniformValue[],
  ): tf.TensorInfo;
}

/** Whether the active backend is webgpu. */
export function onWebGpu(): boolean {
  return tf.getBackend() === 'webgpu';
}

/**
 * tf.env flag, default true: set it false to run webgpu on plain tfjs ops instead of tfpipe's fused kernels
 * (LayerNorm, gelu_new, cross-entropy, attention, the LSTM's sequence programs), e.g. for the GPU benchmark's
 * "before" column. The embedding gradient keeps its fixed-order sum either way: that one is about reproducibility.
 */
export const FUSED_KERNELS_FLAG = 'TFPIPE_FUSED_KERNELS';
tf.env().registerFlag(FUSED_KERNELS_FLAG, () => true);

/** Whether the fused webgpu kernels apply: on webgpu, unless FUSED_KERNELS_FLAG is off. */
export function useFusedKernels(): boolean {
  return onWebGpu() && tf.env().getBool(FUSED_KERNELS_FLAG);
}

/** Dispatches `program` on `inputs`; `uniformData` in the order of `program.uniforms`. */
export function runProgram<T extends tf.Tensor = tf.Tensor>(
  program: WgslProgram,
  inputs: tf.Tensor[],
  dtype: tf.DataType = 'float32',
  uniformData?: UniformValue[],
): T {
  if (!onWebGpu()) throw new Error(`runProgram(${program.shaderKey}) needs the webgpu backend, not ${tf.getBackend()}`);
  const backend = tf.backend() as unknown as WebGpuBackendLike;
  const info = backend.runWebGPUProgram(program, inputs, dtype, uniformData);
  return tf.engine().makeTensorFromTensorInfo(info) as T;
}

/** Workgroups needed to cover `count` items, `perGroup` at a time. */
export function groupsFor(count: number, perGroup: number): number {
  return Math.ceil(count / perGroup);
}
