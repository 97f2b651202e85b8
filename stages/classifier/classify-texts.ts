// New texts through a trained classifier (model_type lstm-classifier): tokenized with the tokenizer kept in the
// model artifact (tokenizer.json, vocab.json), then every class's probability, as evaluate computes them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { encodeTexts, readWordTokenizer, TOKENIZER_FILE } from '../artifacts/word-tokenizer.ts';
import type { ClassPrediction } from '../artifacts/predictions.ts';
import { disposeLstm } from '../../models/lstm/model.ts';
import { predictClassifier, type PredictOptions } from './classifier-batches.ts';
import { classCount, classProbabilities, predictedClass } from './classification-metrics.ts';
import { readLstmModel } from './model-artifact.ts';

export interface TextClasses {
  labelNames: string[];
  rows: ClassPrediction[];
}

export async function classifyTexts(
  modelDir: string,
  texts: readonly string[],
  options: PredictOptions,
): Promise<TextClasses> {
  if (!existsSync(join(modelDir, TOKENIZER_FILE))) {
    throw new Error(
      `${modelDir}: this model was trained before tfpipe kept the tokenizer with the model (no ${TOKENIZER_FILE}); run its train stage again`,
    );
  }
  const tokenizer = await readWordTokenizer(modelDir);
  const { model, labelNames } = await readLstmModel(modelDir);
  try {
    if (tokenizer.vocab.tokens.length !== model.config.vocabSize) {
      throw new Error(
        `${modelDir}: the tokenizer's vocab has ${tokenizer.vocab.tokens.length} tokens, the model's embedding ${model.config.vocabSize}`,
      );
    }
    const tokens = encodeTexts(tokenizer, texts);
    const { logits } = await predictClassifier(model, tokens, options);
    const O = model.config.outputDim;
    const C = classCount(O);
    const probabilities = classProbabilities(logits, O);
    const names = Array.from({ length: C }, (_, k) => labelNames[k] ?? String(k));
    const rows = texts.map((text, i) => ({
      text,
      label: names[predictedClass(logits, i, O)],
      probabilities: Array.from(probabilities.subarray(i * C, (i + 1) * C)),
    }));
    return { labelNames: names, rows };
  } finally {
    disposeLstm(model);
  }
}
