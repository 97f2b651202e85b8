// The `predict` stage (schemas/stages/predict.schema.json): a trained model on texts that have no labels. What a
// prediction is depends on the model, read from its config.json's model_type (a registry, as evaluate has):
//   lstm-classifier  → training/classify-texts.ts: the predicted label and every class's probability
//   gpt2, gpt2-lora  → lm/continue-texts.ts: a greedy continuation of each text
// Writes predictions.csv (artifacts/predictions.ts) and metrics.json. `tfpipe predict` calls predictTexts on a
// cached model with texts from the command line.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readDataset } from './artifacts/dataset.ts';
import { writeMetricsJson } from './artifacts/result-files.ts';
import {
  describePredictions,
  formatPredictionsCsv,
  predictionCounts,
  PREDICTIONS_FILE,
  type Predictions,
} from './artifacts/predictions.ts';
import type { ArtifactRef, Stage, StageContext } from './stage.ts';
import { LSTM_CLASSIFIER, readModelType } from './classifier/model-type.ts';

export interface PredictParams {
  texts?: string[];
  batch_size: number;
  max_new_tokens: number;
  shown: number;
}

export type PredictOptions = Pick<PredictParams, 'batch_size' | 'max_new_tokens'>;

type Predictor = (
  ctx: StageContext,
  model: ArtifactRef,
  texts: readonly string[],
  options: PredictOptions,
) => Promise<Predictions>;

const language: () => Promise<Predictor> = async () => {
  const { continueTexts } = await import('./lm/continue-texts.ts');
  return async (ctx, model, texts, options) => ({
    kind: 'continuations',
    ...(await continueTexts(ctx, model, texts, { maxNewTokens: options.max_new_tokens })),
  });
};

const PREDICTORS: Record<string, () => Promise<Predictor>> = {
  [LSTM_CLASSIFIER]: async () => {
    const { classifyTexts } = await import('./classifier/classify-texts.ts');
    return async (ctx, model, texts, options) => ({
      kind: 'classes',
      model: model.stage,
      ...(await classifyTexts(model.dir, texts, {
        batchSize: options.batch_size,
        signal: ctx.signal,
        onBatch: (done) => ctx.progress.update(done),
      })),
    });
  },
  gpt2: language,
  'gpt2-lora': language,
};

/** Texts through the model in `model.dir`, whatever its type; an unknown type names the ones predict knows. */
export async function predictTexts(
  ctx: StageContext,
  model: ArtifactRef,
  texts: readonly string[],
  options: PredictOptions,
): Promise<Predictions> {
  const modelType = await readModelType(model.dir);
  const load = PREDICTORS[modelType];
  if (!load)
    throw new Error(
      `stage ${ctx.stageId}: cannot predict with a ${modelType} model from ${model.stage} (predict knows: ${Object.keys(PREDICTORS).join(', ')})`,
    );
  ctx.progress.start(texts.length, 'texts', 'predicting');
  return (await load())(ctx, model, texts, options);
}

export const predictStage: Stage<PredictParams> = {
  kind: 'predict',
  version: 1,
  compute: true,
  async run(ctx, params, inputs) {
    const texts = inputs.input ? (await readDataset(inputs.input.dir)).texts : params.texts;
    if (!texts || texts.length === 0)
      throw new Error(`stage ${ctx.stageId}: no texts; give \`texts\` or a dataset \`input\``);
    const predictions = await predictTexts(ctx, inputs.model, texts, params);
    await writeFile(join(ctx.outDir, PREDICTIONS_FILE), formatPredictionsCsv(predictions));
    const metrics = predictionCounts(predictions);
    await writeMetricsJson(ctx.outDir, metrics);
    return { metrics, summary: describePredictions(predictions, params.shown) };
  },
};
