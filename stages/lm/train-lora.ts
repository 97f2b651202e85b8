// The lora stage's work (stages/lora.ts is its descriptor): adapters attached to the frozen GPT-2, trained by
// fitLm, then saved in peft's format (or merged into the weights with merge: true); imported only when the stage runs.
import { join } from 'node:path';
import type { ArtifactRef, StageContext, StageResult } from '../stage.ts';
import type { LoraParams } from './stage-params.ts';
import { fitLm } from './fit-lm.ts';
import { ADAPTER_FOLDER, baseNameOrPath, writeGpt2Artifact, writeLoraArtifact } from './model-artifact.ts';
import { withLmTrainingRun, writeLmTrainingFiles } from './training-run.ts';
import { countParams } from '../../models/gpt2/params.ts';
import { makeLoraConfig } from '../../models/lora/config.ts';
import { saveLoraAdapter } from '../../models/lora/io.ts';
import { attachLora, detachLora, formatTrainableParams, type LoraState } from '../../models/lora/lora.ts';
import { mergeLora } from '../../models/lora/merge.ts';
import { mixSeed } from '../../models/train/seeds.ts';

/** Seed label of the adapters' initialisation (lora_A kaiming-uniform). */
const LORA_INIT_TAG = 0x10a4;

export async function trainLora(
  ctx: StageContext,
  params: LoraParams,
  inputs: Record<string, ArtifactRef>,
): Promise<StageResult> {
  return withLmTrainingRun(ctx, params, inputs, 'adapter-training', async ({ settings, loaded, data }) => {
    const { model } = loaded;
    const config = makeLoraConfig({
      r: params.r,
      lora_alpha: params.lora_alpha,
      lora_dropout: params.lora_dropout,
      target_modules: params.target_modules,
      use_rslora: params.use_rslora,
      base_model_name_or_path: baseNameOrPath(loaded.ref),
    });
    let state: LoraState | null = attachLora(model, config, mixSeed(settings.seed, LORA_INIT_TAG));
    try {
      const trainableLine = formatTrainableParams(model, state);
      ctx.log.info(trainableLine);
      const outcome = await fitLm(ctx, settings, model, state.params, data, {
        model: model.config,
        base: loaded.ref,
        lora: config,
      });

      const trainable = countParams(state.params);
      const metrics = {
        ...outcome.metrics,
        trainable_params: trainable,
        all_params: countParams(model.params) + trainable,
        merged: params.merge,
      };
      if (params.merge) {
        await saveLoraAdapter(state, join(ctx.outDir, ADAPTER_FOLDER), config.base_model_name_or_path ?? undefined);
        mergeLora(model, state);
        state = null;
        await writeGpt2Artifact(ctx.outDir, model);
      } else {
        await writeLoraArtifact(ctx.outDir, state, loaded.ref);
      }
      await writeLmTrainingFiles(ctx.outDir, outcome, metrics, loaded.label);
      const what = `LoRA r ${config.r} alpha ${config.lora_alpha} on ${JSON.stringify(config.target_modules)} of ${loaded.label}${params.merge ? ', merged into the weights' : ''}`;
      return { metrics, summary: [what, trainableLine, ...outcome.summary] };
    } finally {
      if (state) detachLora(model, state);
    }
  });
}
