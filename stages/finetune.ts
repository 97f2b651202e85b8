// The `finetune` stage (schemas/stages/finetune.schema.json): full fine-tuning of a GPT-2 as a causal LM on the
// train part of BPE tokens, measuring the valid part's loss and perplexity each epoch (stages/lm/fit-lm.ts).
// The model comes from `base` (Hub id, folder, {init}) or a `model` input (stages/lm/model-source.ts).
// Output: a model artifact of model_type gpt2 — a save_pretrained folder (config.json, model.safetensors) that
// transformers loads — with metrics.json, history.csv (per epoch) and steps.csv (every logging_steps).
import type { Stage } from './stage.ts';
import { fitLm } from './lm/fit-lm.ts';
import { writeGpt2Artifact } from './lm/model-artifact.ts';
import type { LmSourceParams } from './lm/model-source.ts';
import type { LmTrainParams } from './lm/train-params.ts';
import { LM_TRAINING_STAGE, withLmTrainingRun, writeLmTrainingFiles } from './lm/training-run.ts';
import { countParams } from '../models/gpt2/params.ts';
import { formatTrainableParams } from '../models/lora/lora.ts';

export type FinetuneParams = LmSourceParams & LmTrainParams;

export const finetuneStage: Stage<FinetuneParams> = {
  kind: 'finetune',
  version: 2, // 2: clip_grad_norm_ coefficient computed in float32 on the device, as torch does
  ...LM_TRAINING_STAGE,
  async run(ctx, params, inputs) {
    return withLmTrainingRun(ctx, params, inputs, 'full-training', async ({ settings, loaded, data }) => {
      const { model } = loaded;
      const trainableLine = formatTrainableParams(model);
      ctx.log.info(`${loaded.label}: ${trainableLine}`);
      const outcome = await fitLm(ctx, settings, model, model.params, data, { model: model.config, base: loaded.ref });
      await writeGpt2Artifact(ctx.outDir, model);
      const all = countParams(model.params);
      const metrics = { ...outcome.metrics, trainable_params: all, all_params: all };
      await writeLmTrainingFiles(ctx.outDir, outcome, metrics, loaded.label);
      return { metrics, summary: [`full fine-tuning of ${loaded.label}`, trainableLine, ...outcome.summary] };
    });
  },
};
