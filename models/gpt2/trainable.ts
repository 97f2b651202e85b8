// GPT-2 (optionally with a LoRA attached) as models/train trains it (the finetune and lora stages, the parity
// tests and the benches alike): the parameters the optimizer updates (all of the base, or only the adapters) and
// the causal-LM loss of a batch, weighted by its targets.
import type * as tf from '@tensorflow/tfjs-core';
import type { TrainableModel } from '../train/step.ts';
import type { Gpt2Batch } from './batch.ts';
import { gpt2Loss, type Gpt2Model } from './model.ts';

/** `trainableParams` defaults to the model's own parameters; pass a LoRA's params to train only the adapters. */
export function gpt2Trainable(
  model: Gpt2Model,
  trainableParams: Record<string, tf.Variable> = model.params,
): TrainableModel<Gpt2Batch> {
  return {
    params: trainableParams,
    lossAndMetrics: (batch, mode) => ({
      loss: gpt2Loss(model, batch.ids, {
        labels: batch.labels,
        attentionMask: batch.attentionMask,
        training: true,
        seed: mode.seed,
      }),
      count: batch.targets,
    }),
  };
}
