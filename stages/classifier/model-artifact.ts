// The `model` artifact, as the train stage writes it and evaluate reads it:
//   config.json        {format: 'tfpipe-model/1', model_type, ...}; model_type says how to read the rest
//   model.safetensors  the weights, PyTorch state_dict names
// model_type 'lstm-classifier' (the seed's LSTM): config.json also holds
//   {lstm: {vocab_size, embedding_dim, hidden_dim, output_dim, n_layers, bidirectional, dropout, pad_index},
//    label_names, vocab_size, pad_index}
// and the safetensors file is torch.save-compatible: load_state_dict(safetensors.torch.load_file(...)) works.
// Next to them, tokenizer.json and vocab.json (stages/artifacts/word-tokenizer.ts): the tokenization the model was
// trained with, so that new text can be classified (predict) or the model taken elsewhere (export) without the
// vocab and tokenize stages.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LstmConfig } from '../../models/lstm/config.ts';
import { disposeLstm, type LstmClassifier } from '../../models/lstm/model.ts';
import { loadLstmSafetensors, saveLstmSafetensors } from '../../models/lstm/weights.ts';
import { LSTM_CLASSIFIER, MODEL_CONFIG_FILE, type ModelConfigHeader } from './model-type.ts';
import { writeWordTokenizer, type WordTokenizer } from '../artifacts/word-tokenizer.ts';

export { LSTM_CLASSIFIER, MODEL_CONFIG_FILE, readModelType } from './model-type.ts';

export const MODEL_WEIGHTS_FILE = 'model.safetensors';

interface LstmModelConfig extends ModelConfigHeader {
  model_type: typeof LSTM_CLASSIFIER;
  lstm: {
    vocab_size: number;
    embedding_dim: number;
    hidden_dim: number;
    output_dim: number;
    n_layers: number;
    bidirectional: boolean;
    dropout: number;
    pad_index: number;
  };
  /** label_names[id] is the name of class id (for output_dim 1: [negative, positive] of the 0/1 target). */
  label_names: string[];
  vocab_size: number;
  pad_index: number;
}

export async function writeLstmModel(
  dir: string,
  model: LstmClassifier,
  labelNames: readonly string[],
  tokenizer: WordTokenizer,
): Promise<void> {
  const c = model.config;
  const config: LstmModelConfig = {
    format: 'tfpipe-model/1',
    model_type: LSTM_CLASSIFIER,
    lstm: {
      vocab_size: c.vocabSize,
      embedding_dim: c.embeddingDim,
      hidden_dim: c.hiddenDim,
      output_dim: c.outputDim,
      n_layers: c.nLayers,
      bidirectional: c.bidirectional,
      dropout: c.dropout,
      pad_index: c.padIndex,
    },
    label_names: [...labelNames],
    vocab_size: c.vocabSize,
    pad_index: c.padIndex,
  };
  await saveLstmSafetensors(model, join(dir, MODEL_WEIGHTS_FILE));
  await writeFile(join(dir, MODEL_CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
  await writeWordTokenizer(dir, tokenizer);
}

/** The classifier (variables: dispose with disposeLstm) and its label names. */
export async function readLstmModel(dir: string): Promise<{ model: LstmClassifier; labelNames: string[] }> {
  const path = join(dir, MODEL_CONFIG_FILE);
  const json = JSON.parse(await readFile(path, 'utf8')) as LstmModelConfig;
  if (json.model_type !== LSTM_CLASSIFIER)
    throw new Error(`${path}: model_type ${json.model_type}, expected ${LSTM_CLASSIFIER}`);
  const l = json.lstm;
  const config: LstmConfig = {
    vocabSize: l.vocab_size,
    embeddingDim: l.embedding_dim,
    hiddenDim: l.hidden_dim,
    outputDim: l.output_dim,
    nLayers: l.n_layers,
    bidirectional: l.bidirectional,
    dropout: l.dropout,
    padIndex: l.pad_index,
  };
  const model = await loadLstmSafetensors(join(dir, MODEL_WEIGHTS_FILE), {
    padIndex: config.padIndex,
    dropout: config.dropout,
  });
  const differs = (Object.keys(config) as (keyof LstmConfig)[]).filter((k) => model.config[k] !== config[k]);
  if (differs.length > 0) {
    disposeLstm(model);
    throw new Error(`${dir}: ${MODEL_WEIGHTS_FILE} and ${MODEL_CONFIG_FILE} disagree on ${differs.join(', ')}`);
  }
  return { model, labelNames: json.label_names };
}
