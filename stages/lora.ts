// The `lora` stage (schemas/stages/lora.schema.json): LoRA fine-tuning of a GPT-2 with peft's semantics — the base
// frozen, lora_A/lora_B on the target Conv1D modules (default c_attn), bias none — trained as finetune trains
// (stages/lm/fit-lm.ts). Logs peft's "trainable params: … || all params: … || trainable%: …".
// Output (stages/lm/model-artifact.ts): model_type gpt2-lora — adapter/ in peft's format (PeftModel.from_pretrained
// loads it) plus config.json naming the base (not copied). With merge: true the adapter is folded into the
// weights (merge_and_unload) and the output is a full gpt2 model folder; adapter/ is kept next to it.
import { join } from 'node:path';
import type { Stage } from './stage.ts';
import { fitLm } from './lm/fit-lm.ts';
import { ADAPTER_FOLDER, baseNameOrPath, writeGpt2Artifact, writeLoraArtifact } from './lm/model-artifact.ts';
import type { LmSourceParams } from './lm/model-source.ts';
import type { LmTrainParams } from './lm/train-params.ts';
import { LM_TRAINING_STAGE, withLmTrainingRun, writeLmTrainingFiles } from './lm/training-run.ts';
import { countParams } from '../models/gpt2/params.ts';
import { makeLoraConfig } from '../models/lora/config.ts';
import { saveLoraAdapter } from '../models/lora/io.ts';
import { attachLora, detachLora, formatTrainableParams, type LoraState } from '../models/lora/lora.ts';
import { mergeLora } from '../models/lora/merge.ts';
import { mixSeed } from '../models/train/seeds.ts';

export type LoraParams = LmSourceParams &
  LmTrainParams & {
    r?: number;
    lora_alpha?: number;
    lora_dropout?: number;
    target_modules?: string[];
    bias?: 'none';
    use_rslora?: boolean;
    merge?: boolean;
  };

/** Seed label of the adapters' initialisation (lora_A kaiming-uniform). */
const LORA_INIT_TAG = 0x10a4;

export const loraStage: Stage<LoraParams> = {
  kind: 'lora',
  version: 2, // 2: clip_grad_norm_ coefficient computed in float32 on the device, as torch does
  ...LM_TRAINING_STAGE,
  async run(ctx, params, inputs) {
    return withLmTrainingRun(ctx, params, inputs, 'adapter-training', async ({ settings, loaded, data }) => {
      const { model } = loaded;
      const config = makeLoraConfig({
        r: params.r ?? 8,
        lora_alpha: params.lora_alpha ?? 8,
        lora_dropout: params.lora_dropout ?? 0,
        target_modules: params.target_modules ?? ['c_attn'],
        use_rslora: params.use_rslora ?? false,
        base_model_name_or_path: baseNameOrPath(loaded.ref),
      });
      let state: LoraState | null = attachLora(model, config, mixSeed(settings.seed, LORA_INIT_TAG));
      try {
        const trainableLine = formatTrainableParams(model, state);
        ctx.log.info(trainableLine);
        const outcome = await fitLm(ctx, settings, model, state.params, data, { model: model.config, base: loaded.ref, lora: config });

        const trainable = countParams(state.params);
        const metrics = { ...outcome.metrics, trainable_params: trainable, all_params: countParams(model.params) + trainable, merged: params.merge === true };
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
  },
};
