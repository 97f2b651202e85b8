// The header every `model` artifact's config.json starts with — {format: 'tfpipe-model/1', model_type} — and
// reading it. Kept apart from model-artifact.ts (which loads TensorFlow.js) so that the evaluate stage's module
// stays light: fingerprinting a cached run imports it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const MODEL_CONFIG_FILE = 'config.json';
export const LSTM_CLASSIFIER = 'lstm-classifier';

export interface ModelConfigHeader {
  format: 'tfpipe-model/1';
  model_type: string;
}

/** The model_type in `dir`/config.json (what evaluate dispatches on). */
export async function readModelType(dir: string): Promise<string> {
  const path = join(dir, MODEL_CONFIG_FILE);
  const json = JSON.parse(await readFile(path, 'utf8')) as Partial<ModelConfigHeader>;
  if (json.format !== 'tfpipe-model/1' || typeof json.model_type !== 'string') {
    throw new Error(`${path}: not a tfpipe model config (format ${String(json.format)})`);
  }
  return json.model_type;
}
