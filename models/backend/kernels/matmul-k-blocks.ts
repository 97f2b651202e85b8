// BatchMatMul and _FusedMatMul on wasm and webgpu with long inner products added block by block. Both backends add
// the K products of each output in one float32 pass: tfjs-backend-wasm 4.22 hands an untransposed, single-batch
// product to XNNPACK's fully-connected operator, whose microkernels run all of K per output tile, and
// tfjs-backend-webgpu 4.22's tiled programs loop over all of K per invocation (its split-K program, which it picks
// for few output tiles only, adds the parts with atomics in no fixed order). Their rounding error grows with K, and
// K is the vocabulary in the LM head's backward (dh = dlogits [N, V] @ wte [V, C], V = 50,257), where that error
// kept LoRA adapters on wasm and webgpu well outside what the reference allows after a few AdamW steps (cpu's loop
// adds blocks of 48 in float64). Here K is cut into ⌈K / K_BLOCK⌉ near-equal blocks, each the backend's own
// product, and the partial products are added in order, as BLAS libraries (torch's sgemm among them) block K.
import {
  _FusedMatMul,
  Add,
  BatchMatMul,
  getKernel,
  registerKernel,
  Slice,
  unregisterKernel,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { makeOutputs, viewData } from '../tensor-data.ts';

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: string;
}

/** [k0, k0 + n) along `axis` of x, as a new tensor. */
type SliceAxis = (backend: unknown, x: TensorInfo, axis: number, k0: number, n: number) => TensorInfo;

/**
 * Products whose K exceeds this are cut. 512: on those LoRA steps the gradients' rms error from fp64 was cpu's for
 * blocks of 128 to 512 (5.0e-7 to 6.3e-7) and grew past it (7.6e-7 at 1024, 1.1e-6 at 2048); the adds cost 1/512 of
 * the product's multiply-adds, and each block is 4 kernel calls, so webgpu dispatches about 400 for V.
 */
export const K_BLOCK = 512;

interface Blocking {
  /** Whether the original kernel would add this product's K terms in one pass. */
  onePass(a: TensorInfo, b: TensorInfo, attrs: MatMulAttrs): boolean;
  slice: SliceAxis;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

interface KernelBackend {
  disposeData(dataId: object): boolean;
}

/** The K axes of a and b for the transposes given. */
function kAxes(a: TensorInfo, b: TensorInfo, attrs: MatMulAttrs): [number, number] {
  return [a.shape.length - (attrs.transposeA ? 2 : 1), b.shape.length - (attrs.transposeB ? 1 : 2)];
}

/** The backend's Slice kernel. */
const sliceKernel =
  (backendName: string): SliceAxis =>
  (backend, x, axis, k0, n) => {
    const begin = x.shape.map((_, i) => (i === axis ? k0 : 0));
    const sizes = x.shape.map((d, i) => (i === axis ? n : d));
    return getKernel(Slice, backendName)!.kernelFunc({
      inputs: { x },
      backend,
      attrs: { begin, size: sizes },
    } as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
  };

/**
 * On the wasm heap, reading x in place: wasm's Slice kernel first copies all of x out of the heap (readSync), which
 * for the 197 blocks of 256 of a [256, V] operand made the product 150× slower. x is [outer, K, inner] around `axis`.
 */
const sliceOnHeap: SliceAxis = (backend, x, axis, k0, n) => {
  const K = x.shape[axis];
  const outer = size(x.shape.slice(0, axis));
  const inner = size(x.shape.slice(axis + 1));
  const [out] = makeOutputs(backend, [{ shape: x.shape.map((d, i) => (i === axis ? n : d)) }], ([o]) => {
    const xs = viewData<Float32Array>(backend, x);
    for (let i = 0; i < outer; i++) o.set(xs.subarray((i * K + k0) * inner, (i * K + k0 + n) * inner), i * n * inner);
  });
  return out;
};

/**
 * Per backend. wasm: only XNNPACK's path runs K in one pass; the transposed and batched ones already add blocks of 48
 * (its own loop). webgpu: every program but split-K runs K in one pass, and blocking split-K's products too makes
 * their sums independent of the order its atomics happen to run in.
 */
const BLOCKING: Record<'wasm' | 'webgpu', Blocking> = {
  wasm: {
    onePass: (a, b, attrs) =>
      !attrs.transposeA && !attrs.transposeB && size(a.shape.slice(0, -2)) === 1 && size(b.shape.slice(0, -2)) === 1,
    slice: sliceOnHeap,
  },
  webgpu: { onePass: () => true, slice: sliceKernel('webgpu') },
};

/**
 * a @ b as the sum over K blocks, in order. `first` multiplies block 0 (the fused kernel adds its bias there), `rest`
 * every other block; each partial is disposed once added.
 */
function blockedProduct(
  backendName: string,
  backend: unknown,
  [a, b]: [TensorInfo, TensorInfo],
  attrs: MatMulAttrs,
  { slice }: Blocking,
  first: (a: TensorInfo, b: TensorInfo) => TensorInfo,
  rest: (a: TensorInfo, b: TensorInfo) => TensorInfo,
): TensorInfo {
  const owner = backend as KernelBackend;
  const add = getKernel(Add, backendName)!.kernelFunc;
  const [axisA, axisB] = kAxes(a, b, attrs);
  const K = a.shape[axisA];
  const blocks = Math.ceil(K / K_BLOCK);
  let acc: TensorInfo | null = null;
  for (let i = 0; i < blocks; i++) {
    const k0 = Math.floor((i * K) / blocks);
    const n = Math.floor(((i + 1) * K) / blocks) - k0;
    const aBlock = slice(backend, a, axisA, k0, n);
    const bBlock = slice(backend, b, axisB, k0, n);
    const part = (i === 0 ? first : rest)(aBlock, bBlock);
    owner.disposeData(aBlock.dataId);
    owner.disposeData(bBlock.dataId);
    if (acc === null) {
      acc = part;
      continue;
    }
    const sum = add({
      inputs: { a: acc, b: part },
      backend,
      attrs: {},
    } as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    owner.disposeData(acc.dataId);
    owner.disposeData(part.dataId);
    acc = sum;
  }
  return acc!;
}

/** Whether the product is float32 and the backend would add more than K_BLOCK of its terms in one pass. */
function addsLongK(blocking: Blocking, a: TensorInfo, b: TensorInfo, attrs: MatMulAttrs): boolean {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || !blocking.onePass(a, b, attrs)) return false;
  return a.shape[kAxes(a, b, attrs)[0]] > K_BLOCK;
}

function replace(name: string, backendName: string, make: (original: KernelConfig) => KernelFunc): void {
  const original = getKernel(name, backendName);
  if (!original || (original as KernelConfig & { tfpipe?: true }).tfpipe) return;
  const kernelFunc = make(original);
  unregisterKernel(name, backendName);
  // keep setupFunc: wasm's binds its wasm function there when the backend starts
  registerKernel({ ...original, kernelFunc, tfpipe: true } as KernelConfig);
}

/** Replaces the backend's BatchMatMul and _FusedMatMul by ones that block a long K; idempotent. */
export function registerMatMulKBlocks(backendName: keyof typeof BLOCKING): void {
  const blocking = BLOCKING[backendName];
  replace(BatchMatMul, backendName, (original) => (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const attrs = args.attrs as NamedAttrMap & MatMulAttrs;
    if (!addsLongK(blocking, a, b, attrs)) return original.kernelFunc(args);
    const product = (x: TensorInfo, y: TensorInfo) =>
      original.kernelFunc({ ...args, inputs: { a: x, b: y } }) as TensorInfo;
    return blockedProduct(backendName, args.backend, [a, b], attrs, blocking, product, product);
  });
  replace(_FusedMatMul, backendName, (original) => (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as {
      a: TensorInfo;
      b: TensorInfo;
      bias?: TensorInfo;
      preluActivationWeights?: TensorInfo;
    };
    const attrs = args.attrs as NamedAttrMap & MatMulAttrs;
    // an activation applies to the whole sum, so only a linear one can be split
    const linear = (attrs.activation ?? 'linear') === 'linear' && !preluActivationWeights;
    if (!linear || !addsLongK(blocking, a, b, attrs)) return original.kernelFunc(args);
    const plain = getKernel(BatchMatMul, backendName)!.kernelFunc;
    return blockedProduct(
      backendName,
      args.backend,
      [a, b],
      attrs,
      blocking,
      (x, y) => original.kernelFunc({ ...args, inputs: { a: x, b: y, ...(bias ? { bias } : {}) } }) as TensorInfo,
      (x, y) =>
        plain({
          inputs: { a: x, b: y },
          backend: args.backend,
          attrs: { transposeA: attrs.transposeA, transposeB: attrs.transposeB },
        } as unknown as Parameters<KernelFunc>[0]) as TensorInfo,
    );
  });
}
