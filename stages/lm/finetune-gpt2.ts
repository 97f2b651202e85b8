// The finetune stage's work (stages/finetune.ts is its descriptor): every weight of the GPT-2 trained by fitLm,
// then written as a save_pretrained folder with the training files; imported only when the stage runs.
import type { ArtifactRef, StageContext, StageResult } from '../stage.ts';
import type { FinetuneParams } from './stage-params.ts';
import { fitLm } from './fit-lm.ts';
import { writeGpt2Artifact } from './model-artifact.ts';
import { withLmTrainingRun, writeLmTrainingFiles } from './training-run.ts';
import { countParams } from '../../models/gpt2/params.ts';
import { formatTrainableParams } from '../../models/lora/lora.ts';

export async function finetuneGpt2(
  ctx: StageContext,
  params: FinetuneParams,
  inputs: Record<string, ArtifactRef>,
): Promise<StageResult> {
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
}
