// The evaluate stage for classifiers (model_type lstm-classifier): loss, accuracy, precision, recall, F1 and the
// confusion matrix on one part of a tokens artifact, plus the first `examples` rows with their actual label,
// predicted label and probability, as the homework prints them:
//   Actual Sentiment: positive / Predicted Sentiment: positive, Probability: 0.9957
// Writes metrics.json (figures prefixed by the part: test_loss, test_acc, …; confusion_matrix, labels, examples),
// predictions.i32 (predicted class per row), probability.f32 (its probability per row) and actual.i32 (the true class
// per row), so that the report can draw ROC and precision-recall curves without the tokens artifact.
import { join } from 'node:path';
import { readDataset, type SplitPart } from '../artifacts/dataset.ts';
import { readEvaluationPart } from '../artifacts/tokens.ts';
import { writeTyped } from '../artifacts/typed-file.ts';
import type { ArtifactRef, StageContext, StageResult } from '../stage.ts';
import { disposeLstm } from '../../models/lstm/model.ts';
import { predictClassifier } from './classifier-batches.ts';
import { classificationFigures, predictionsFromLogits } from './classification-metrics.ts';
import { readLstmModel } from './model-artifact.ts';
import { writeMetricsJson } from '../artifacts/result-files.ts';
import { formatNumber } from '../../lib/text/number.ts';

/** Every key has its default from the schema (ajv fills them in). */
export interface ClassifierEvaluateParams {
  part: SplitPart;
  batch_size: number;
  examples: number;
  label_title: string;
}

export interface Example {
  row: number;
  text?: string;
  actual: string;
  predicted: string;
  probability: number;
}

const SUMMARY_TEXT_CHARS = 240;

export async function evaluateClassifier(
  ctx: StageContext,
  params: ClassifierEvaluateParams,
  inputs: Record<string, ArtifactRef>,
): Promise<StageResult> {
  const where = `stage ${ctx.stageId}`;
  const { tokens, part } = await readEvaluationPart(ctx.stageId, params.part, inputs.data);
  const { model, labelNames } = await readLstmModel(inputs.model.dir);
  try {
    if (tokens.mode !== 'word' || tokens.labelKind !== 'class' || !tokens.labels)
      throw new Error(
        `${where}: the ${part} tokens are ${tokens.mode} tokens with ${tokens.labelKind} labels; a classifier is evaluated on word tokens with class labels`,
      );
    if (tokens.vocabSize !== model.config.vocabSize)
      throw new Error(
        `${where}: the tokens use a vocab of ${tokens.vocabSize}, the model ${inputs.model.stage} one of ${model.config.vocabSize}`,
      );
    if (tokens.labelNames.join('\n') !== labelNames.join('\n'))
      throw new Error(
        `${where}: the tokens' labels (${tokens.labelNames.join(', ')}) are not the model's (${labelNames.join(', ')})`,
      );
    const texts = await readExampleTexts(ctx, inputs.texts, part, tokens.rows);

    ctx.progress.start(tokens.rows, 'rows', `evaluating ${part}`);
    const result = await predictClassifier(model, tokens, {
      batchSize: params.batch_size,
      signal: ctx.signal,
      onBatch: (done) => ctx.progress.update(done),
    });
    const O = model.config.outputDim;
    const { predicted, probability } = predictionsFromLogits(result.logits, O);
    const figures = classificationFigures(tokens.labels, predicted, Math.max(2, O, labelNames.length));
    const shown = Math.min(params.examples, tokens.rows);
    const examples: Example[] = Array.from({ length: shown }, (_, row) => ({
      row,
      ...(texts ? { text: texts[row] } : {}),
      actual: labelNames[tokens.labels![row]] ?? String(tokens.labels![row]),
      predicted: labelNames[predicted[row]] ?? String(predicted[row]),
      probability: probability[row],
    }));

    const metrics = {
      [`${part}_loss`]: result.loss,
      [`${part}_acc`]: figures.accuracy,
      [`${part}_precision`]: figures.precision,
      [`${part}_recall`]: figures.recall,
      [`${part}_f1`]: figures.f1,
      rows: tokens.rows,
    };
    await writeTyped(join(ctx.outDir, 'predictions.i32'), predicted);
    await writeTyped(join(ctx.outDir, 'probability.f32'), probability);
    await writeTyped(join(ctx.outDir, 'actual.i32'), Int32Array.from(tokens.labels));
    await writeMetricsJson(ctx.outDir, {
      ...metrics,
      confusion_matrix: figures.confusion,
      labels: labelNames,
      examples,
    });
    return {
      metrics,
      summary: summaryLines(part, metrics, figures.confusion, labelNames, examples, params.label_title),
    };
  } finally {
    disposeLstm(model);
  }
}

/** The raw texts of the evaluated rows, for the examples; null without a `texts` input. */
async function readExampleTexts(
  ctx: StageContext,
  ref: ArtifactRef | undefined,
  part: SplitPart,
  rows: number,
): Promise<string[] | null> {
  if (!ref) return null;
  const dir = ref.type === 'splits' ? join(ref.dir, part) : ref.dir;
  const data = await readDataset(dir);
  if (data.texts.length !== rows) {
    throw new Error(
      `stage ${ctx.stageId}: texts input ${ref.stage}.${ref.output} has ${data.texts.length} rows, the tokens ${rows}; give the dataset the tokens were made from`,
    );
  }
  return data.texts;
}

function summaryLines(
  part: string,
  metrics: Record<string, number>,
  confusion: number[][],
  labelNames: string[],
  examples: Example[],
  title: string,
): string[] {
  const f = (k: string) => metrics[`${part}_${k}`].toFixed(4);
  const lines = [
    `${part}: loss ${f('loss')} · accuracy ${f('acc')} · precision ${f('precision')} · recall ${f('recall')} · f1 ${f('f1')} (${formatNumber(metrics.rows)} rows)`,
  ];
  const name = (k: number) => labelNames[k] ?? String(k);
  lines.push(
    `confusion matrix (row: actual, column: predicted): ${confusion.map((row, k) => `${name(k)} [${row.join(', ')}]`).join(' · ')}`,
  );
  for (const e of examples) {
    if (e.text !== undefined)
      lines.push(
        `Row ${e.row}: ${e.text.length > SUMMARY_TEXT_CHARS ? `${e.text.slice(0, SUMMARY_TEXT_CHARS)}…` : e.text}`,
      );
    lines.push(
      `Actual ${title}: ${e.actual} / Predicted ${title}: ${e.predicted}, Probability: ${e.probability.toFixed(4)}`,
    );
  }
  return lines;
}
