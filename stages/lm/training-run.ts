// What the GPT-2 training stages (finetune, lora) share around their own training (their Stage fields are
// training-stage.ts', a light module): before training, the settings resolved, the model to train on loaded (from `base` or a `model` input; an adapter input is
// merged into its base) and the train and valid tokens read and checked against it; the model disposed afterwards
// whatever happens; and, next to the model files each stage writes its own way, the result files both leave:
// history.csv, steps.csv and metrics.json naming the base. Training itself, with its checkpoints and resume, is
// fitLm's (stages/lm/fit-lm.ts).
import type { ArtifactRef, StageContext, StageResult } from '../stage.ts';
import { writeHistoryCsv, writeMetricsJson } from '../artifacts/result-files.ts';
import { readLmTrainingTokens, type LmData, type LmFitOutcome } from './fit-lm.ts';
import type { LmSourceParams } from './model-files.ts';
import { disposeLm, loadLmModel, type LoadedLm } from './model-source.ts';
import type { Gpt2Use } from '../../models/gpt2/size.ts';
import { resolveLmTrainParams, type LmTrainParams, type LmTrainSettings } from './train-params.ts';

export interface LmTrainingRun {
  settings: LmTrainSettings;
  /** The model to train (no adapter attached), how to name it and get it back. */
  loaded: LoadedLm;
  data: LmData;
}

/**
 * Runs `train` with the settings, model and tokens of a training stage's params and inputs (`model`, `data`,
 * `valid`); the model is disposed when `train` settles. What `train` attaches to it, it detaches itself. `use`
 * (full-training for finetune, adapter-training for lora) is what the memory check before the load counts.
 */
export async function withLmTrainingRun<T>(
  ctx: StageContext,
  params: LmSourceParams & LmTrainParams,
  inputs: Record<string, ArtifactRef>,
  use: Extract<Gpt2Use, `${string}-training`>,
  train: (run: LmTrainingRun) => Promise<T>,
): Promise<T> {
  const settings = resolveLmTrainParams(params, ctx.rng.seed);
  const loaded = await loadLmModel(ctx, params, inputs.model, { attachAdapter: false, use });
  try {
    const data = await readLmTrainingTokens(ctx, inputs.data, loaded.model, inputs.valid);
    return await train({ settings, loaded, data });
  } finally {
    disposeLm(loaded);
  }
}

/** history.csv (per epoch), steps.csv (every logging_steps) and metrics.json (`metrics` plus `base`) in outDir. */
export async function writeLmTrainingFiles(
  outDir: string,
  outcome: LmFitOutcome,
  metrics: NonNullable<StageResult['metrics']>,
  baseLabel: string,
): Promise<void> {
  await writeHistoryCsv(outDir, outcome.result.history);
  await outcome.steps.writeCsv(outDir);
  await writeMetricsJson(outDir, { ...metrics, base: baseLabel });
}
