// Sum on wasm accumulated in float64, as the cpu backend's loop does, and rounded to float32 once per output.
// tfjs-backend-wasm 4.22's Sum adds the reduced elements one after another into a float32, so its error grows with
// their count; the cross-entropy sums V = 50,257 exponentials per row (the softmax normaliser) and then the rows'
// losses. A minor term next to the matmul's (kernels/matmul-k-blocks.ts): on the 3-layer LoRA set made like the
// reference it moved the loss from 1.6e-6 to 3e-7 of an fp64 recompute (cpu's) and the gradients' rms error from
// 6.9e-7 to 6.7e-7. Float32 reductions over one run of adjacent axes (innermost, leading, or between) are summed
// here, reading the heap in place, which also spares the original's transpose for leading axes; other axis sets and
// int32 go to the original.
import {
  getKernel,
  registerKernel,
  Sum,
  unregisterKernel,
  util,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { makeOutputs, viewData } from '../tensor-data.ts';

interface SumAttrs {
  axis: number | number[];
  keepDims: boolean;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** x viewed as [outer, R, inner] with the reduced axes in the middle; null when they are not one contiguous run. */
function reducedRun(shape: number[], axis: number | number[]): { outer: number; R: number; inner: number } | null {
  const axes = [...new Set(util.parseAxisParam(axis, shape))].sort((a, b) => a - b);
  if (axes.length === 0) return null; // nothing reduced: the original kernel copies
  const first = axes[0];
  const last = axes[axes.length - 1];
  if (last - first + 1 !== axes.length) return null;
  return {
    outer: size(shape.slice(0, first)),
    R: size(shape.slice(first, last + 1)),
    inner: size(shape.slice(last + 1)),
  };
}

/** out[o, i] = Σ_r x[o, r, i] in float64. */
function sumRun(xs: Float32Array, out: Float32Array, outer: number, R: number, inner: number): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      // four running sums: the loop is bound by the latency of one add chain otherwise
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      const base = o * R;
      const end = base + R;
      let r = base;
      for (; r + 4 <= end; r += 4) {
        s0 += xs[r];
        s1 += xs[r + 1];
        s2 += xs[r + 2];
        s3 += xs[r + 3];
      }
      for (; r < end; r++) s0 += xs[r];
      out[o] = s0 + s1 + (s2 + s3);
    }
    return;
  }
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    for (let r = 0; r < R; r++) {
      const base = (o * R + r) * inner;
      for (let i = 0; i < inner; i++) acc[i] += xs[base + i];
    }
    out.set(acc, o * inner);
  }
}

/** Replaces wasm's Sum by the float64 one for float32 inputs reduced over a contiguous run of axes; idempotent. */
export function registerWasmSumF64(): void {
  const original = getKernel(Sum, 'wasm');
  if (!original || (original as KernelConfig & { tfpipe?: true }).tfpipe) return;
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as NamedAttrMap & SumAttrs;
    const run = x.dtype === 'float32' ? reducedRun(x.shape, axis) : null;
    if (run === null) return original.kernelFunc(args);
    const axes = util.parseAxisParam(axis, x.shape);
    const shape = keepDims
      ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !axes.includes(i));
    const [out] = makeOutputs(args.backend, [{ shape }], ([o]) =>
      sumRun(viewData<Float32Array>(args.backend, x), o as Float32Array, run.outer, run.R, run.inner),
    );
    return out;
  };
  unregisterKernel(Sum, 'wasm');
  // keep setupFunc: the original binds its wasm function there when the backend starts
  registerKernel({ ...original, kernelFunc, tfpipe: true } as KernelConfig);
}
