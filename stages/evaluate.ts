// The `evaluate` stage (schemas/stages/evaluate.schema.json): a trained model on one part of a tokens artifact.
// What is measured depends on the model: evaluate reads model_type from the model's config.json and hands over to
// that type's evaluation (a registry, so another model type adds an entry and a file):
//   lstm-classifier → training/evaluate-classifier.ts: loss, accuracy, precision, recall, F1, confusion matrix,
//                     examples with actual and predicted label and probability.
//   gpt2, gpt2-lora → lm/evaluate-perplexity.ts: loss, perplexity and token count (also for a `base` param, no input).
import type { ArtifactRef, Stage, StageContext, StageResult } from './stage.ts';
import type { ClassifierEvaluateParams } from './classifier/evaluate-classifier.ts';
import { LSTM_CLASSIFIER, readModelType } from './classifier/model-type.ts';
import type { PerplexityEvaluateParams } from './lm/evaluate-perplexity.ts';
import { modelSourceFiles } from './lm/model-files.ts';

export type EvaluateParams = ClassifierEvaluateParams & PerplexityEvaluateParams;

type Evaluation = (
  ctx: StageContext,
  params: EvaluateParams,
  inputs: Record<string, ArtifactRef>,
) => Promise<StageResult>;

const EVALUATIONS: Record<string, () => Promise<Evaluation>> = {
  [LSTM_CLASSIFIER]: async () => (await import('./classifier/evaluate-classifier.ts')).evaluateClassifier,
  gpt2: async () => (await import('./lm/evaluate-perplexity.ts')).evaluatePerplexity,
  'gpt2-lora': async () => (await import('./lm/evaluate-perplexity.ts')).evaluatePerplexity,
};

export const evaluateStage: Stage<EvaluateParams> = {
  kind: 'evaluate',
  version: 2, // 2: a classifier's evaluation also writes actual.i32 (true class per row)
  compute: true,
  files: (params, env) => modelSourceFiles(params, env),
  async run(ctx, params, inputs) {
    if (!inputs.model && params.base !== undefined) return (await EVALUATIONS.gpt2())(ctx, params, inputs);
    if (!inputs.model)
      throw new Error(
        `stage ${ctx.stageId}: no \`model\` input; name a train stage (or set \`base\` to measure a language model's perplexity)`,
      );
    const modelType = await readModelType(inputs.model.dir);
    const load = EVALUATIONS[modelType];
    if (!load) {
      throw new Error(
        `stage ${ctx.stageId}: cannot evaluate a ${modelType} model from ${inputs.model.stage} (evaluate knows: ${Object.keys(EVALUATIONS).join(', ')})`,
      );
    }
    return (await load())(ctx, params, inputs);
  },
};
