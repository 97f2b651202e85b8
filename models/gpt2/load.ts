// GPT-2 checkpoints on disk: a folder with config.json and model.safetensors (or a sharded
// model.safetensors.index.json). Reads both key layouts — `transformer.h.0...` (save_pretrained) and the public
// checkpoint's bare `h.0...` with its `attn.bias` / `attn.masked_bias` mask buffers — checking every key and
// shape; writes the save_pretrained layout, which transformers reads back.
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFile } from '../io/json-file.ts';
import { writeSafetensors, type NamedArray } from '../io/safetensors.ts';
import { openWeightsFolder, type TensorSource, type WeightsEntry } from '../io/weights-folder.ts';
import { makeGpt2Config, parseHfGpt2Config, toHfGpt2Config, type Gpt2Config, type Gpt2Shape } from './config.ts';
import { gpt2ParamShapes, initGpt2Params, namedVariable, type Gpt2Params } from './params.ts';
import { createGpt2Model, type Gpt2Model } from './model.ts';
import { assertGpt2Fits, type Gpt2Use } from './size.ts';
import { GPT2_SHARD_INDEX as SHARD_INDEX, GPT2_WEIGHTS as WEIGHTS } from './weight-files.ts';
const TORCH_FILES = [
  'pytorch_model.bin',
  'pytorch_model.bin.index.json',
  'model.pt',
  'tf_model.h5',
  'flax_model.msgpack',
];

export interface Gpt2LoadOptions {
  /** What the model is for; the memory it needs for that is checked before anything is allocated. Default inference. */
  use?: Gpt2Use;
  /** Filled in after the load: the bytes read from the safetensors files (lengths, headers, the tensors used). */
  stats?: { bytesRead: number };
}

/** A GPT-2 with HF's random initialisation (see initGpt2Params), seeded; refused first if it cannot fit memory. */
export function createGpt2(shape: Gpt2Shape, seed = 0, use: Gpt2Use = 'inference'): Gpt2Model {
  const config = makeGpt2Config(shape);
  assertGpt2Fits(config, use, 'base `init`');
  return createGpt2Model(config, initGpt2Params(config, seed));
}

/**
 * Loads a GPT-2 folder: config.json checked (and the model's size against memory) before a weight is read; then
 * every key and shape from the safetensors headers; then only the tensors the model uses, one at a time.
 */
export async function loadGpt2(dir: string, options: Gpt2LoadOptions = {}): Promise<Gpt2Model> {
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath))
    throw new Error(`${dir}: no config.json (a GPT-2 folder holds config.json and ${WEIGHTS})`);
  const config = parseHfGpt2Config(await readJsonFile(configPath), configPath);
  assertGpt2Fits(config, options.use ?? 'inference', configPath);
  const source = await openWeights(dir);
  try {
    const params = await gpt2ParamsFromSource(config, source);
    if (options.stats) options.stats.bytesRead = source.bytesRead;
    return createGpt2Model(config, params);
  } finally {
    await source.close();
  }
}

async function openWeights(dir: string): Promise<TensorSource> {
  const source = await openWeightsFolder(dir, { single: WEIGHTS, index: SHARD_INDEX });
  if (source) return source;
  const torch = TORCH_FILES.filter((f) => existsSync(join(dir, f)));
  if (torch.length > 0) {
    throw new Error(
      `${dir}: found ${torch.join(', ')} but no ${WEIGHTS}. tfpipe reads safetensors; convert with ` +
        `python -c "from transformers import GPT2LMHeadModel as M; M.from_pretrained('${dir}').save_pretrained('${dir}', safe_serialization=True)"`,
    );
  }
  throw new Error(`${dir}: no ${WEIGHTS} (nor ${SHARD_INDEX})`);
}

/** `h.0.attn.c_attn.weight` → `transformer.h.0.attn.c_attn.weight`; the save_pretrained names pass unchanged. */
function canonicalName(name: string): string {
  return name.startsWith('transformer.') || name.startsWith('lm_head.') ? name : `transformer.${name}`;
}

/** Causal-mask buffers the public checkpoint stores; not parameters, never read. */
const MASK_BUFFER = /^transformer\.h\.\d+\.attn\.(bias|masked_bias)$/;

/**
 * Checks the source's keys, shapes and dtypes (from the headers, before any data is read) against the config's
 * parameter list, then reads each parameter and wraps it as a variable. Every problem is collected and reported at
 * once: missing keys, unexpected keys, shape mismatches (naming expected and found).
 */
export async function gpt2ParamsFromSource(config: Gpt2Config, source: TensorSource): Promise<Gpt2Params> {
  const where = source.label;
  const expected = gpt2ParamShapes(config);
  const found = new Map<string, WeightsEntry>();
  const problems: string[] = [];
  let lmHead: WeightsEntry | undefined;
  for (const [rawName, entry] of source.entries) {
    const name = canonicalName(rawName);
    if (MASK_BUFFER.test(name) && (entry.shape.length === 4 || entry.shape.length === 0)) continue; // (1, 1, n_positions, n_positions) or a scalar
    if (name === 'lm_head.weight') {
      lmHead = entry;
      continue;
    }
    if (!expected.has(name)) {
      problems.push(`unexpected key ${rawName} (shape [${entry.shape}])`);
      continue;
    }
    if (found.has(name)) problems.push(`key ${rawName} appears twice (with and without the "transformer." prefix)`);
    found.set(name, entry);
  }
  for (const [name, shape] of expected) {
    const entry = found.get(name);
    if (!entry) problems.push(`missing key ${name} (expected shape [${shape}])`);
    else if (!sameShape(entry.shape, shape))
      problems.push(`key ${name}: expected shape [${shape}], found [${entry.shape}]`);
    else if (!FLOAT_DTYPES.has(entry.dtype))
      problems.push(`key ${name}: dtype ${entry.dtype}, expected floats (${[...FLOAT_DTYPES].join(', ')})`);
  }
  if (lmHead && !sameShape(lmHead.shape, expected.get('transformer.wte.weight')!)) {
    problems.push(
      `key lm_head.weight: expected shape [${expected.get('transformer.wte.weight')}], found [${lmHead.shape}]`,
    );
  }
  let wte: NamedArray | undefined; // read once: compared with lm_head, then used
  if (problems.length === 0 && lmHead) {
    wte = await source.read(found.get('transformer.wte.weight')!.name);
    if (!sameValues((await source.read(lmHead.name)).data, wte.data))
      problems.push(
        'lm_head.weight differs from transformer.wte.weight; tfpipe ties the head to wte (tie_word_embeddings)',
      );
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 20).map((p) => `  - ${p}`);
    if (problems.length > 20) shown.push(`  ... and ${problems.length - 20} more`);
    throw new Error(
      `${where}: the weights do not match config.json (GPT-2, n_layer ${config.n_layer}, n_embd ${config.n_embd}):\n${shown.join('\n')}`,
    );
  }
  const params: Gpt2Params = {};
  try {
    for (const [name, shape] of expected) {
      const array = name === 'transformer.wte.weight' && wte ? wte : await source.read(found.get(name)!.name);
      const value = tf.tensor(array.data, shape, 'float32');
      params[name] = namedVariable(value, name);
      value.dispose();
    }
  } catch (error) {
    tf.dispose(Object.values(params));
    throw error;
  }
  return params;
}

const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16']);

/** Writes config.json and model.safetensors in the save_pretrained layout (lm_head tied, not stored). */
export async function saveGpt2(
  model: Gpt2Model,
  dir: string,
  extraConfig: Record<string, unknown> = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const arrays: Record<string, NamedArray> = {};
  for (const [name, variable] of Object.entries(model.params)) {
    arrays[name] = { shape: variable.shape, data: (await variable.data()) as Float32Array };
  }
  await writeSafetensors(join(dir, WEIGHTS), arrays, { format: 'pt' });
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ ...toHfGpt2Config(model.config), ...extraConfig }, null, 2) + '\n',
  );
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
