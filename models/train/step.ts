// One optimisation step, the one fitModel (loop.ts) runs and the parity tests and benches call: forward + backward
// of each micro-batch with tf.variableGrads, the gradients summed and averaged over the micro-batches, clipped (on
// the device), the optimizer update, every gradient disposed. Nothing is read back: each micro-batch's loss and
// tensor sums come back on the device, for the caller to read when it wants (a GPU queues many steps) and dispose.
import * as tf from '@tensorflow/tfjs-core';
import { disposeFigures } from './batch-reads.ts';
import { clipGradNorm } from './clip.ts';
import type { Grads, Optimizer, Params } from './optimizer.ts';

/** What a model reports for one batch. */
export interface BatchLoss {
  /** Mean loss over the batch: the scalar the step differentiates. */
  loss: tf.Scalar;
  /** Examples in the batch (weights the epoch means). */
  count: number;
  /**
   * Per-batch sums the history shows as train_<name> = Σ sum / Σ count, e.g. {acc: correct predictions}. A sum may
   * be a scalar tensor (read back with the loss; no tf.keep needed, the step keeps it and the caller disposes it).
   */
  sums?: Record<string, number | tf.Scalar>;
}

/** A model as the step trains it: its trainable parameters and its loss on a batch in training mode. */
export interface TrainableModel<Batch> {
  /** The trainable parameters, by name (the names the optimizer state uses). */
  params: Params;
  /** Forward pass in training mode, dropout from `seed`; called inside tf.variableGrads (don't dispose what it returns). */
  lossAndMetrics(batch: Batch, mode: { training: true; seed: number }): BatchLoss;
}

/** One micro-batch of a step and its dropout seed. */
export interface MicroBatch<Batch> {
  batch: Batch;
  seed: number;
}

/** A trained micro-batch's figures, still on the device; the caller reads or disposes loss and tensor sums. */
export interface StepFigures {
  loss: tf.Scalar;
  count: number;
  sums: Record<string, number | tf.Scalar>;
}

export interface StepOptions {
  /** clip_grad_norm_ threshold (after averaging, before the update); omitted: no clipping. */
  maxGradNorm?: number;
  /** This step's learning rate (a schedule's); omitted: the optimizer's as it is. */
  lr?: number;
}

/**
 * tf.variableGrads keyed by the params record's keys (tfjs keys them by Variable.name, which is process-global
 * and therefore not the parameter name). The caller disposes value and grads.
 */
export function paramGrads(params: Params, loss: () => tf.Scalar): { value: tf.Scalar; grads: Grads } {
  const { value, grads: byVariable } = tf.variableGrads(loss, Object.values(params));
  const grads: Grads = {};
  for (const [key, variable] of Object.entries(params)) {
    if (byVariable[variable.name]) grads[key] = byVariable[variable.name];
  }
  return { value, grads };
}

/**
 * One optimizer step over `micro` (one micro-batch, or the ones accumulated into this step), in order. Returns
 * each micro-batch's figures on the device; on failure disposes everything it made and throws.
 */
export function trainStep<Batch>(
  model: TrainableModel<Batch>,
  micro: readonly MicroBatch<Batch>[],
  optimizer: Optimizer,
  options: StepOptions = {},
): StepFigures[] {
  if (micro.length === 0) throw new Error('trainStep: no micro-batch');
  const figures: StepFigures[] = [];
  let grads: Grads | null = null;
  try {
    for (const { batch, seed } of micro) {
      const trained = forwardBackward(model, batch, seed);
      figures.push(trained.figures);
      grads = grads ? addGrads(grads, trained.grads) : trained.grads;
    }
    const summed = grads!;
    if (micro.length > 1) {
      for (const name of Object.keys(summed)) {
        const mean = tf.div(summed[name], micro.length);
        summed[name].dispose();
        summed[name] = mean;
      }
    }
    if (options.maxGradNorm !== undefined) clipGradNorm(summed, options.maxGradNorm).dispose(); // the norm is not reported
    if (options.lr !== undefined) optimizer.lr = options.lr;
    optimizer.step(model.params, summed);
    return figures;
  } catch (error) {
    disposeFigures(figures);
    throw error;
  } finally {
    if (grads) tf.dispose(grads);
  }
}

/** One micro-batch: loss and tensor sums (kept, on the device), and gradients; the caller owns all of them. */
function forwardBackward<Batch>(
  model: TrainableModel<Batch>,
  batch: Batch,
  seed: number,
): { figures: StepFigures; grads: Grads } {
  let out: BatchLoss | undefined;
  const kept: tf.Tensor[] = [];
  try {
    const { value, grads } = paramGrads(model.params, () => {
      out = model.lossAndMetrics(batch, { training: true, seed });
      // variableGrads runs this in a tidy that disposes every tensor but the loss: keep the tensor sums
      for (const v of Object.values(out.sums ?? {})) if (v instanceof tf.Tensor) kept.push(tf.keep(v));
      return out.loss;
    });
    return { figures: { loss: value, count: out!.count, sums: out!.sums ?? {} }, grads };
  } catch (error) {
    tf.dispose(kept);
    throw error;
  }
}

/** Adds `grads` into `sum` (the running sum over micro-batches), disposing what it replaces. */
function addGrads(sum: Grads, grads: Grads): Grads {
  for (const [name, g] of Object.entries(grads)) {
    const old = sum[name];
    sum[name] = old ? tf.add(old, g) : g;
    if (old) {
      old.dispose();
      g.dispose();
    }
  }
  return sum;
}
