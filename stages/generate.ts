// The `generate` stage (schemas/stages/generate.schema.json): text from a GPT-2 for each prompt, as Hugging Face's
// generate does it (models/gpt2/generate.ts): greedy, or sampling with temperature, top_k, top_p and a seed;
// repetition_penalty and no_repeat_ngram_size; max_new_tokens or max_length; stop at eos.
// The model: `base` or a `model` input (a LoRA adapter is applied on top of its base, not merged).
// Output: a text artifact, texts.json {model, texts: [{prompt, text, new_tokens, new_ids, stop_reason}]}; the texts go to the summary.
// This file is the descriptor only: the work (and TensorFlow.js) is imported when the stage runs
// (stages/lm/generate-texts.ts), so fingerprinting a cached run stays light.
import type { Stage } from './stage.ts';
import { modelSourceFiles } from './lm/model-files.ts';
import type { GenerateParams } from './lm/stage-params.ts';

export type { GeneratedText, GenerateParams } from './lm/stage-params.ts';

export const generateStage: Stage<GenerateParams> = {
  kind: 'generate',
  version: 1,
  compute: true,
  files: (params, env) => modelSourceFiles(params, env),
  run: async (ctx, params, inputs) => (await import('./lm/generate-texts.ts')).generateTexts(ctx, params, inputs),
};
