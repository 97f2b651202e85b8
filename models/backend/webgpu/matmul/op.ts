// The tiled matmul with an epilogue the tfjs kernels have no name for (gelu_new, a residual), as a tensor op for
// model code: forward only; models wrap it in their own gradients (models/gpt2/ops.ts).
import * as tf from '@tensorflow/tfjs-core';
import { type BackendWithPrograms, matMulProblem, runTiledMatMul } from './run.ts';
import { configFor } from './selection.ts';
import type { Activation } from './wgsl.ts';

export interface EpilogueOptions {
  transposeA?: boolean;
  transposeB?: boolean;
  /** [N] */
  bias?: tf.Tensor;
  activation?: Activation;
  /** Of the output's shape: the result is residual + act(a @ b + bias). */
  residual?: tf.Tensor;
}

/** act(a @ b + bias) (+ residual) in one program on webgpu; a, b float32 [..., M, K] @ [..., K, N]. */
export function matMulWithEpilogue(a: tf.Tensor, b: tf.Tensor, options: EpilogueOptions = {}): tf.Tensor {
  const operands = {
    a,
    b,
    transposeA: options.transposeA ?? false,
    transposeB: options.transposeB ?? false,
    bias: options.bias,
    residual: options.residual,
    activation: options.activation ?? 'linear',
  };
  const problem = matMulProblem(operands);
  if (problem === null)
    throw new Error(`matMulWithEpilogue: unsupported operands ${a.shape} @ ${b.shape} (float32, batch 1 or equal)`);
  const backend = tf.backend() as unknown as BackendWithPrograms;
  return tf.engine().makeTensorFromTensorInfo(runTiledMatMul(backend, operands, problem, configFor(problem)));
}
