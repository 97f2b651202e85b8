// New texts through a trained classifier (model_type lstm-classifier): tokenized with the tokenizer kept in the
// model artifact (tokenizer.json, vocab.json), then every class's probability, as evaluate computes them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readWordTokenizer, TOKENIZER_FILE } from '../artifacts/word-tokenizer.ts';
import { disposeLstm } from '../../models/lstm/model.ts';
import type { PredictOptions } from './classifier-batches.ts';
import { classifyWithModel, type TextClasses } from './classify-with-model.ts';
import { readLstmModel } from './model-artifact.ts';

export type { TextClasses } from './classify-with-model.ts';

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
    return await classifyWithModel(tokenizer, model, labelNames, texts, options, modelDir);
  } finally {
    disposeLstm(model);
  }
}
