// GPT-2 (optionally with a LoRA attached) as a TrainableModel for models/train's trainStep: the parameters the
// optimizer updates (all of the base, or only the adapters) and the causal-LM loss of a batch.
import type * as tf from '@tensorflow/tfjs-core';
import type { TrainableModel } from '../train/train-step.ts';
import { gpt2Loss, type Gpt2Model } from './model.ts';

export interface Gpt2Batch {
  /** [B][T] token ids. */
  ids: number[][];
  /** [B][T] labels (HF: shifted inside, -100 ignored); default: ids. */
  labels?: number[][];
  /** [B][T] 1 = token, 0 = padding. */
  attentionMask?: number[][];
}

/** `trainableParams` defaults to the model's own parameters; pass a LoRA's params to train only the adapters. */
export function gpt2Trainable(model: Gpt2Model, trainableParams: Record<string, tf.Variable> = model.params): TrainableModel<Gpt2Batch> {
  return {
    params: trainableParams,
    loss: (batch, mode) => gpt2Loss(model, batch.ids, { labels: batch.labels, attentionMask: batch.attentionMask, training: mode.training, seed: mode.seed }),
  };
}
