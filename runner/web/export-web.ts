// `tfpipe export FILE STAGE DIR --web`: the model as a static web page that runs it in the browser (web-model.ts
// lists the files). A classifier (train) is written with its word tokenizer; a GPT-2 (finetune) as it is, and a
// LoRA adapter (lora) merged into its base, as `export --merge` merges it. The page script is bundled now from the
// project's own modules (bundle-page.ts).
import { createHash } from 'node:crypto';
import { copyFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import type { ArtifactRef, StageContext } from '../../stages/stage.ts';
import type { NamedArray } from '../../models/io/named-array.ts';
import { LSTM_CLASSIFIER, readLstmModel } from '../../stages/classifier/model-artifact.ts';
import { TOKENIZER_FILE, VOCAB_LIST_FILE } from '../../stages/artifacts/word-tokenizer.ts';
import { lstmStateDict } from '../../models/lstm/weights.ts';
import { disposeLstm } from '../../models/lstm/model.ts';
import { gpt2ParamShapes } from '../../models/gpt2/params.ts';
import { mergeLora } from '../../models/lora/merge.ts';
import { disposeLm, loadLmModel } from '../../stages/lm/model-source.ts';
import { bundlePage } from './bundle-page.ts';
import { indexHtml } from './index-html.ts';
import { WASM_FILE_NAMES } from './wasm-files.ts';
import {
  packWeights,
  WEB_FILES,
  WEB_FORMAT,
  type ModelCard,
  type WebModel,
  type WeightsManifest,
} from './web-model.ts';

export interface WebExportOptions {
  /** The page title's model name: "<pipeline> · <stage>". */
  title: string;
  card: ModelCard;
  /** The language model page's starting max new tokens. */
  maxNewTokens: number;
}

/** Writes the folder's files into `outDir` (empty); returns their names. */
export async function exportWeb(
  ctx: StageContext,
  model: ArtifactRef,
  modelType: string,
  outDir: string,
  options: WebExportOptions,
): Promise<string[]> {
  const written: string[] = [];
  const write = async (name: string, data: string | Uint8Array) => {
    await writeFile(join(outDir, name), data);
    written.push(name);
  };
  let webModel: WebModel;
  if (modelType === LSTM_CLASSIFIER) {
    const { model: lstm, labelNames } = await readLstmModel(model.dir);
    try {
      const weights = await writeWeights(outDir, Object.entries(await lstmStateDict(lstm)));
      webModel = { format: WEB_FORMAT, kind: 'classifier', lstm: lstm.config, label_names: labelNames, weights };
    } finally {
      disposeLstm(lstm);
    }
    for (const name of [TOKENIZER_FILE, VOCAB_LIST_FILE]) {
      await copyFile(join(model.dir, name), join(outDir, name));
      written.push(name);
    }
  } else {
    const loaded = await loadLmModel(ctx, {}, model, { attachAdapter: true });
    try {
      if (loaded.lora) {
        mergeLora(loaded.model, loaded.lora);
        loaded.lora = null;
      }
      const names = [...gpt2ParamShapes(loaded.model.config).keys()];
      const arrays = await Promise.all(names.map(async (name) => [name, await namedArray(loaded.model.params[name])]));
      const weights = await writeWeights(outDir, arrays as [string, NamedArray][]);
      webModel = {
        format: WEB_FORMAT,
        kind: 'language-model',
        gpt2: loaded.model.config,
        max_new_tokens: options.maxNewTokens,
        weights,
      };
    } finally {
      disposeLm(loaded);
    }
  }
  written.push(WEB_FILES.weights);
  await write(WEB_FILES.model, JSON.stringify(webModel, null, 2) + '\n');
  await write(WEB_FILES.card, JSON.stringify(options.card, null, 2) + '\n');
  await write(WEB_FILES.page, indexHtml(options.title));
  await write(WEB_FILES.script, await bundlePage());
  const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  for (const name of WASM_FILE_NAMES) {
    await copyFile(join(wasmDir, 'dist', name), join(outDir, name));
    written.push(name);
  }
  return written;
}

async function namedArray(t: tf.Tensor): Promise<NamedArray> {
  return { shape: t.shape, data: (await t.data()) as Float32Array };
}

async function writeWeights(outDir: string, arrays: [string, NamedArray][]): Promise<WeightsManifest> {
  const { tensors, bytes } = packWeights(arrays);
  await writeFile(join(outDir, WEB_FILES.weights), bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { file: WEB_FILES.weights, dtype: 'float32', bytes: bytes.byteLength, sha256, tensors };
}
