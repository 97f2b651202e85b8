// Runs the tiled matmul program on tensors' data (TensorInfo, as kernels see it): works out the problem's sizes
// and batch broadcast, or says it cannot (null), so the caller falls back to tfjs's kernel.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { K_BLOCK } from '../../kernels/matmul-k-blocks.ts';
import type { UniformValue, WgslProgram } from '../run-program.ts';
import type { MatMulConfig } from './config.ts';
import { type Epilogue, type MatMulProblem, tiledMatMulProgram } from './wgsl.ts';

export interface MatMulOperands {
  a: TensorInfo;
  b: TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
  /** [N], or a shape whose size is N. */
  bias?: TensorInfo;
  /** The output's shape. */
  residual?: TensorInfo;
  activation: Epilogue['activation'];
}

export interface BackendWithPrograms {
  runWebGPUProgram(program: WgslProgram, inputs: TensorInfo[], dtype: 'float32', uniforms?: UniformValue[]): TensorInfo;
}

const MAX_WORKGROUPS = 65535;

const sizeOf = (shape: number[]) => shape.reduce((x, y) => x * y, 1);

/** The output's batch dims when one side is the other's or has a single batch; null for other broadcasts. */
function broadcastBatch(x: number[], y: number[]): number[] | null {
  if (x.length === y.length && x.every((d, i) => d === y[i])) return x;
  if (sizeOf(x) === 1 && y.length >= x.length) return y;
  if (sizeOf(y) === 1 && x.length >= y.length) return x;
  return null;
}

/**
 * The problem, or null when this kernel does not cover it (dtype, rank, a batch broadcast other than 1 ↔ n, a bias
 * that is not [N], more workgroups than a dimension allows).
 */
export function matMulProblem(o: MatMulOperands): MatMulProblem | null {
  const { a, b, transposeA, transposeB } = o;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  if (a.shape.length < 2 || b.shape.length < 2) return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const [M, Ka] = transposeA ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
  const [Kb, N] = transposeB ? [b.shape[rb - 1], b.shape[rb - 2]] : [b.shape[rb - 2], b.shape[rb - 1]];
  if (Ka !== Kb) return null;
  const batchShapeA = a.shape.slice(0, -2);
  const batchShapeB = b.shape.slice(0, -2);
  const batchShape = broadcastBatch(batchShapeA, batchShapeB);
  if (batchShape === null) return null;
  if (M * N === 0 || Ka === 0) return null;
  // one workgroup per tile and batch; WebGPU guarantees 65,535 workgroups per dimension (tiles are 32 and up)
  if (Math.max(Math.ceil(M / 32), Math.ceil(N / 32), sizeOf(batchShape)) > MAX_WORKGROUPS) return null;
  if (o.bias && (o.bias.dtype !== 'float32' || sizeOf(o.bias.shape) !== N || o.bias.shape.length > 1)) return null;
  const outputShape = [...batchShape, M, N];
  if (o.residual && (o.residual.dtype !== 'float32' || o.residual.shape.join() !== outputShape.join())) return null;
  return {
    batch: sizeOf(batchShape),
    M,
    N,
    K: Ka,
    transposeA,
    transposeB,
    epilogue: { bias: o.bias !== undefined, activation: o.activation, residual: o.residual !== undefined },
    outputShape,
  };
}

/** Dispatches the program for `problem` (from matMulProblem(o)) with `config`. */
export function runTiledMatMul(
  backend: BackendWithPrograms,
  o: MatMulOperands,
  problem: MatMulProblem,
  config: MatMulConfig,
): TensorInfo {
  const program = tiledMatMulProgram(config, problem);
  const inputs = [o.a, o.b, ...(o.bias ? [o.bias] : []), ...(o.residual ? [o.residual] : [])];
  const int = (v: number): UniformValue => ({ type: 'int32', data: [v] });
  const uniforms = [
    int(problem.M),
    int(problem.N),
    int(problem.K),
    int(Math.ceil(problem.K / K_BLOCK)),
    int(sizeOf(o.a.shape.slice(0, -2))),
    int(sizeOf(o.b.shape.slice(0, -2))),
  ];
  return backend.runWebGPUProgram(program, inputs, 'float32', uniforms);
}
