// Optimizers with PyTorch's update rules (torch.optim.SGD / Adam / AdamW, single-tensor path), model-agnostic:
// they update a Record<string, tf.Variable> from a Record<string, tf.Tensor> of gradients with the same keys.
// State (step count, moments) exports as named arrays, so a checkpoint resumes bit-exactly.
import type * as tf from '@tensorflow/tfjs-core';
import type { NamedArray } from '../io/safetensors.ts';

export type Params = Record<string, tf.Variable>;
export type Grads = Record<string, tf.Tensor>;

export interface Optimizer {
  readonly name: 'sgd' | 'adam' | 'adamw';
  /** Learning rate; schedules may change it between steps. */
  lr: number;
  /** Updates every parameter that has a gradient; parameters without one are left alone (as torch with grad None). */
  step(params: Params, grads: Grads): void;
  /** Step count and per-parameter buffers as named arrays (e.g. `step`, `exp_avg.fc.weight`), read back from the
   *  device asynchronously (webgpu cannot read synchronously). */
  saveState(): Promise<Record<string, NamedArray>>;
  loadState(state: Map<string, NamedArray> | Record<string, NamedArray>): void;
  dispose(): void;
}

export interface SgdOptions {
  name: 'sgd';
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

export interface AdamOptions {
  name: 'adam' | 'adamw';
  lr: number;
  betas?: [number, number];
  eps?: number;
  /** adam: L2 added to the gradient; adamw: decoupled decay p ← p − lr·wd·p (torch default 1e-2 for AdamW). */
  weightDecay?: number;
}

export type OptimizerOptions = SgdOptions | AdamOptions;

export function stateEntries(state: Map<string, NamedArray> | Record<string, NamedArray>): Map<string, NamedArray> {
  return state instanceof Map ? state : new Map(Object.entries(state));
}
