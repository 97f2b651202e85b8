// The names of a GPT-2 folder's weight files, apart from the code that reads them: a fingerprint lists the files a
// load will read without importing TensorFlow.js (models/gpt2/load.ts, which reads them, does).
import { listWeightFiles } from '../io/weights-folder.ts';

/** The single-file checkpoint save_pretrained writes. */
export const GPT2_WEIGHTS = 'model.safetensors';
/** A sharded checkpoint's index ({weight_map: {tensor: shard file}}). */
export const GPT2_SHARD_INDEX = 'model.safetensors.index.json';

/** The weight files a GPT-2 folder's load reads (for the fingerprint): model.safetensors, or the index and its shards. */
export function gpt2WeightFiles(dir: string): string[] {
  return listWeightFiles(dir, { single: GPT2_WEIGHTS, index: GPT2_SHARD_INDEX });
}
