// Every BatchMatMul and _FusedMatMul on webgpu through the tiled program (wgsl.ts) while TFPIPE_FUSED_KERNELS is
// on; tfjs's own kernels (behind matmul-k-blocks.ts's blocking) when it is off, and for what the program does not
// cover (int32, batch broadcasts other than 1 ↔ n, prelu and activations other than relu, a broadcast bias). The
// program blocks a long K itself, bit for bit as matmul-k-blocks.ts does, so no slicing or adding is needed.
import {
  _FusedMatMul,
  BatchMatMul,
  env,
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { FUSED_KERNELS_FLAG } from '../run-program.ts';
import { type BackendWithPrograms, matMulProblem, type MatMulOperands, runTiledMatMul } from './run.ts';
import { configFor } from './selection.ts';
import type { Activation } from './wgsl.ts';

type Marked = KernelConfig & { tfpipeTiled?: true };

/** tfjs's _FusedMatMul activation names this program applies itself. */
const ACTIVATIONS: Record<string, Activation> = { linear: 'linear', relu: 'relu' };

function tiledOrNull(backend: unknown, operands: MatMulOperands | null): TensorInfo | null {
  if (operands === null || !env().getBool(FUSED_KERNELS_FLAG)) return null;
  const problem = matMulProblem(operands);
  if (problem === null) return null;
  return runTiledMatMul(backend as BackendWithPrograms, operands, problem, configFor(problem));
}

function replace(name: string, make: (original: KernelFunc) => KernelFunc): void {
  const original = getKernel(name, 'webgpu') as Marked | undefined;
  if (!original || original.tfpipeTiled) return;
  const kernelFunc = make(original.kernelFunc);
  unregisterKernel(name, 'webgpu');
  registerKernel({ ...original, kernelFunc, tfpipeTiled: true } as Marked);
}

/** Installs the tiled kernels over the registered ones (call after registerMatMulKBlocks); idempotent. */
export function registerTiledMatMul(): void {
  replace(BatchMatMul, (original) => (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    return tiledOrNull(args.backend, { a, b, transposeA, transposeB, activation: 'linear' }) ?? original(args);
  });
  replace(_FusedMatMul, (original) => (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
    const attrs = args.attrs as { transposeA: boolean; transposeB: boolean; activation?: string };
    const activation = ACTIVATIONS[attrs.activation ?? 'linear'];
    const operands =
      activation && !preluActivationWeights
        ? { a: a!, b: b!, bias, transposeA: attrs.transposeA, transposeB: attrs.transposeB, activation }
        : null;
    return tiledOrNull(args.backend, operands) ?? original(args);
  });
}
