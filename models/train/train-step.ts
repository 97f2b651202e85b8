// One optimisation step for any model that can give a scalar loss for a batch: forward + backward with
// tf.variableGrads, optional gradient clipping, the optimizer update, and every gradient disposed.
import * as tf from '@tensorflow/tfjs-core';
import { clipGradNorm } from './clip.ts';
import type { Optimizer, Params } from './optimizer.ts';

export interface TrainableModel<Batch> {
  /** The trainable parameters, by name (the names the optimizer state uses). */
  params: Params;
  /** Mean loss over the batch, in training mode (dropout from `seed`). */
  loss(batch: Batch, mode: { training: boolean; seed?: number }): tf.Scalar;
}

export interface TrainStepOptions {
  /** clip_grad_norm_ threshold; omitted: no clipping. */
  maxGradNorm?: number;
  /** Dropout seed for this step. */
  seed?: number;
}

export interface TrainStepResult {
  loss: number;
  /** Total gradient norm before clipping (only when clipping). */
  gradNorm?: number;
}

/**
 * tf.variableGrads keyed by the params record's keys (tfjs keys them by Variable.name, which is process-global
 * and therefore not the parameter name). The caller disposes value and grads.
 */
export function paramGrads(params: Params, loss: () => tf.Scalar): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const { value, grads: byVariable } = tf.variableGrads(loss, Object.values(params));
  const grads: Record<string, tf.Tensor> = {};
  for (const [key, variable] of Object.entries(params)) {
    if (byVariable[variable.name]) grads[key] = byVariable[variable.name];
  }
  return { value, grads };
}

export function trainStep<Batch>(model: TrainableModel<Batch>, batch: Batch, optimizer: Optimizer, options: TrainStepOptions = {}): TrainStepResult {
  const { value, grads } = paramGrads(model.params, () => model.loss(batch, { training: true, seed: options.seed }));
  try {
    const gradNorm = options.maxGradNorm !== undefined ? clipGradNorm(grads, options.maxGradNorm) : undefined;
    optimizer.step(model.params, grads);
    return { loss: value.dataSync()[0], gradNorm };
  } finally {
    value.dispose();
    tf.dispose(grads);
  }
}
