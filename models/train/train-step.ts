// One optimisation step for any model that can give a scalar loss for a batch: forward + backward with
// tf.variableGrads, optional gradient clipping (on the device), the optimizer update, and every gradient disposed.
// trainStepAsync reads the loss back with `await data()` and runs on every backend; trainStep reads it synchronously
// (cpu, wasm and tensorflow only: webgpu cannot read synchronously in Node).
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

/**
 * One step's loss and (when clipping) pre-clip gradient norm, still on the device, with no read back: the caller
 * reads when it wants (a benchmark queues many steps) and disposes them.
 */
export function stepOnDevice<Batch>(model: TrainableModel<Batch>, batch: Batch, optimizer: Optimizer, options: TrainStepOptions): { loss: tf.Scalar; gradNorm?: tf.Scalar } {
  const { value, grads } = paramGrads(model.params, () => model.loss(batch, { training: true, seed: options.seed }));
  let gradNorm: tf.Scalar | undefined;
  try {
    if (options.maxGradNorm !== undefined) gradNorm = clipGradNorm(grads, options.maxGradNorm);
    optimizer.step(model.params, grads);
    return { loss: value, gradNorm };
  } catch (error) {
    tf.dispose([value, ...(gradNorm ? [gradNorm] : [])]);
    throw error;
  } finally {
    tf.dispose(grads);
  }
}

/** One step, its figures read back asynchronously: runs on every backend (webgpu cannot read synchronously). */
export async function trainStepAsync<Batch>(model: TrainableModel<Batch>, batch: Batch, optimizer: Optimizer, options: TrainStepOptions = {}): Promise<TrainStepResult> {
  const { loss, gradNorm } = stepOnDevice(model, batch, optimizer, options);
  try {
    const [lossValue, normValue] = await Promise.all([loss.data(), gradNorm?.data()]);
    return { loss: lossValue[0], ...(normValue ? { gradNorm: normValue[0] } : {}) };
  } finally {
    tf.dispose([loss, ...(gradNorm ? [gradNorm] : [])]);
  }
}

/**
 * trainStepAsync with a synchronous read, for backends that compute synchronously (cpu, wasm, tensorflow): the
 * parity tests and benches that step in a plain loop. On webgpu the read throws; use trainStepAsync there.
 */
export function trainStep<Batch>(model: TrainableModel<Batch>, batch: Batch, optimizer: Optimizer, options: TrainStepOptions = {}): TrainStepResult {
  const { loss, gradNorm } = stepOnDevice(model, batch, optimizer, options);
  try {
    return { loss: loss.dataSync()[0], ...(gradNorm ? { gradNorm: gradNorm.dataSync()[0] } : {}) };
  } finally {
    tf.dispose([loss, ...(gradNorm ? [gradNorm] : [])]);
  }
}
