// The `finetune` stage (schemas/stages/finetune.schema.json): full fine-tuning of a GPT-2 as a causal LM on the
// train part of BPE tokens, measuring the valid part's loss and perplexity each epoch (stages/lm/fit-lm.ts).
// The model comes from `base` (Hub id, folder, {init}) or a `model` input (stages/lm/model-source.ts).
// Output: a model artifact of model_type gpt2 — a save_pretrained folder (config.json, model.safetensors) that
// transformers loads — with metrics.json, history.csv (per epoch) and steps.csv (every logging_steps).
// This file is the descriptor only: the work (and TensorFlow.js) is imported when the stage runs
// (stages/lm/finetune-gpt2.ts), so fingerprinting a cached run stays light.
import type { Stage } from './stage.ts';
import type { FinetuneParams } from './lm/stage-params.ts';
import { LM_TRAINING_STAGE } from './lm/training-stage.ts';

export type { FinetuneParams } from './lm/stage-params.ts';

export const finetuneStage: Stage<FinetuneParams> = {
  kind: 'finetune',
  version: 2, // 2: clip_grad_norm_ coefficient computed in float32 on the device, as torch does
  ...LM_TRAINING_STAGE,
  run: async (ctx, params, inputs) => (await import('./lm/finetune-gpt2.ts')).finetuneGpt2(ctx, params, inputs),
};
