// Texts through a loaded classifier and its tokenizer: every class's probability and the predicted label. No file
// access: `tfpipe predict` (classify-texts.ts) and the browser page of `tfpipe export --web` both run this.
import type { ClassPrediction } from '../artifacts/predictions.ts';
import { encodeTexts, type WordTokenizer } from '../artifacts/word-tokenizer-rules.ts';
import type { LstmClassifier } from '../../models/lstm/model.ts';
import { predictClassifier, type PredictOptions } from './classifier-batches.ts';
import { classCount, classProbabilities, predictedClass } from './classification-metrics.ts';

export interface TextClasses {
  labelNames: string[];
  rows: ClassPrediction[];
}

/** `source` names the model in errors (its folder, or the exported page's files). */
export async function classifyWithModel(
  tokenizer: WordTokenizer,
  model: LstmClassifier,
  labelNames: readonly string[],
  texts: readonly string[],
  options: PredictOptions,
  source: string,
): Promise<TextClasses> {
  if (tokenizer.vocab.tokens.length !== model.config.vocabSize) {
    throw new Error(
      `${source}: the tokenizer's vocab has ${tokenizer.vocab.tokens.length} tokens, the model's embedding ${model.config.vocabSize}`,
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
}
