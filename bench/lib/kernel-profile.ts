// Per-kernel wall time on a synchronous backend (wasm, cpu): every kernel registered for the backend is wrapped so
// that each call's wall time is added to its name, self time only (a kernel that calls others — our K-blocked
// matmul calls Slice, BatchMatMul and Add through the registry — is charged what is left after its callees). Matmuls
// are also grouped by shape, with their multiply-adds, for GFLOP/s. On wasm a kernel returns only when its work is
// done (XNNPACK's pthreads join before it returns), so wall time per call is the kernel's time.
import {
  _FusedMatMul,
  BatchMatMul,
  getKernelsForBackend,
  registerKernel,
  unregisterKernel,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

export interface KernelTotal {
  name: string;
  calls: number;
  /** Self time, ms. */
  ms: number;
}

export interface MatMulTotal {
  /** e.g. "BatchMatMul [8,64,32]·[8,32,64]ᵀ" */
  key: string;
  /** M, N, K and batch of one call. */
  shape: { batch: number; M: number; N: number; K: number; transposeA: boolean; transposeB: boolean };
  calls: number;
  /** Inclusive time, ms (a blocked product with its slices and adds). */
  ms: number;
  flops: number;
}

export interface KernelProfile {
  /** Forget what was recorded. */
  reset(): void;
  kernels(): KernelTotal[];
  matmuls(): MatMulTotal[];
  /** Put the original kernels back. */
  stop(): void;
}

const MATMULS = new Set<string>([BatchMatMul, _FusedMatMul]);

/** Shape of a [..., M, K] @ [..., K, N] product under the transposes. */
function productShape(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): MatMulTotal['shape'] {
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const batch = Math.max(
    a.shape.slice(0, -2).reduce((x, y) => x * y, 1),
    b.shape.slice(0, -2).reduce((x, y) => x * y, 1),
  );
  return { batch, M: transposeA ? ac : ar, K: transposeA ? ar : ac, N: transposeB ? br : bc, transposeA, transposeB };
}

/** Wraps every kernel of `backendName` (already initialised) until stop(). */
export function profileKernels(backendName: string): KernelProfile {
  const originals = getKernelsForBackend(backendName);
  const totals = new Map<string, KernelTotal>();
  const products = new Map<string, MatMulTotal>();
  /** Time spent in callees of the calls now running, one entry per nesting level. */
  const childMs: number[] = [];
  for (const original of originals) {
    const kernelFunc: KernelFunc = (args) => {
      childMs.push(0);
      const start = performance.now();
      const out = original.kernelFunc(args);
      const ms = performance.now() - start;
      const inner = childMs.pop()!;
      if (childMs.length > 0) childMs[childMs.length - 1] += ms;
      const total = totals.get(original.kernelName) ?? { name: original.kernelName, calls: 0, ms: 0 };
      total.calls++;
      total.ms += ms - inner;
      totals.set(original.kernelName, total);
      // products called from inside another kernel (the blocks of a K-blocked one) are counted in their caller's
      if (childMs.length === 0 && MATMULS.has(original.kernelName)) recordProduct(original.kernelName, args, ms);
      return out;
    };
    unregisterKernel(original.kernelName, backendName);
    // setupFunc already ran when the backend initialised; the wrapper calls the same kernelFunc
    registerKernel({ ...original, kernelFunc });
  }
  function recordProduct(name: string, args: Parameters<KernelFunc>[0], ms: number): void {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const shape = productShape(a, b, transposeA, transposeB);
    const t = (on: boolean) => (on ? 'ᵀ' : '');
    const key = `${name} [${a.shape}]${t(transposeA)}·[${b.shape}]${t(transposeB)}`;
    const entry = products.get(key) ?? { key, shape, calls: 0, ms: 0, flops: 0 };
    entry.calls++;
    entry.ms += ms;
    entry.flops += 2 * shape.batch * shape.M * shape.N * shape.K;
    products.set(key, entry);
  }
  return {
    reset() {
      totals.clear();
      products.clear();
    },
    kernels: () => [...totals.values()].sort((x, y) => y.ms - x.ms),
    matmuls: () => [...products.values()].sort((x, y) => y.ms - x.ms),
    stop() {
      for (const original of originals) {
        unregisterKernel(original.kernelName, backendName);
        registerKernel(original);
      }
    },
  };
}
