// GPT-2 checkpoints on disk: a folder with config.json and model.safetensors (or a sharded
// model.safetensors.index.json). Reads both key layouts — `transformer.h.0...` (save_pretrained) and the public
// checkpoint's bare `h.0...` with its `attn.bias` / `attn.masked_bias` mask buffers — checking every key and
// shape; writes the save_pretrained layout, which transformers reads back.
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors, type NamedArray } from '../io/safetensors.ts';
import { makeGpt2Config, parseHfGpt2Config, toHfGpt2Config, type Gpt2Config, type Gpt2Shape } from './config.ts';
import { gpt2ParamShapes, initGpt2Params, namedVariable, type Gpt2Params } from './params.ts';
import { createGpt2Model, type Gpt2Model } from './model.ts';

const WEIGHTS = 'model.safetensors';
const SHARD_INDEX = 'model.safetensors.index.json';
const TORCH_FILES = ['pytorch_model.bin', 'pytorch_model.bin.index.json', 'model.pt', 'tf_model.h5', 'flax_model.msgpack'];

/** A GPT-2 with HF's random initialisation (see initGpt2Params), seeded. */
export function createGpt2(shape: Gpt2Shape, seed = 0): Gpt2Model {
  const config = makeGpt2Config(shape);
  return createGpt2Model(config, initGpt2Params(config, seed));
}

export async function loadGpt2(dir: string): Promise<Gpt2Model> {
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath)) throw new Error(`${dir}: no config.json (a GPT-2 folder holds config.json and ${WEIGHTS})`);
  const config = parseHfGpt2Config(JSON.parse(await readFile(configPath, 'utf8')), configPath);
  const tensors = await readWeights(dir);
  return createGpt2Model(config, gpt2ParamsFromTensors(config, tensors, dir));
}

async function readWeights(dir: string): Promise<Map<string, NamedArray>> {
  const single = join(dir, WEIGHTS);
  if (existsSync(single)) return (await readSafetensors(single)).tensors;
  const indexPath = join(dir, SHARD_INDEX);
  if (existsSync(indexPath)) {
    const index = JSON.parse(await readFile(indexPath, 'utf8')) as { weight_map?: Record<string, string> };
    if (!index.weight_map) throw new Error(`${indexPath}: no weight_map`);
    const merged = new Map<string, NamedArray>();
    for (const shard of new Set(Object.values(index.weight_map))) {
      for (const [name, array] of (await readSafetensors(join(dir, shard))).tensors) merged.set(name, array);
    }
    return merged;
  }
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

/** Causal-mask buffers the public checkpoint stores; not parameters. */
const MASK_BUFFER = /^transformer\.h\.\d+\.attn\.(bias|masked_bias)$/;

/**
 * Checks the tensors against the config's parameter list and wraps them as variables. Every problem is
 * collected and reported at once: missing keys, unexpected keys, shape mismatches (naming expected and found).
 */
export function gpt2ParamsFromTensors(config: Gpt2Config, tensors: Map<string, NamedArray>, source: string): Gpt2Params {
  const expected = gpt2ParamShapes(config);
  const found = new Map<string, NamedArray>();
  const problems: string[] = [];
  let lmHead: NamedArray | undefined;
  for (const [rawName, array] of tensors) {
    const name = canonicalName(rawName);
    if (MASK_BUFFER.test(name)) {
      if (array.shape.length === 4 || array.shape.length === 0) continue; // (1, 1, n_positions, n_positions) or a scalar
    }
    if (name === 'lm_head.weight') {
      lmHead = array;
      continue;
    }
    if (!expected.has(name)) {
      problems.push(`unexpected key ${rawName} (shape [${array.shape}])`);
      continue;
    }
    if (found.has(name)) problems.push(`key ${rawName} appears twice (with and without the "transformer." prefix)`);
    found.set(name, array);
  }
  for (const [name, shape] of expected) {
    const array = found.get(name);
    if (!array) problems.push(`missing key ${name} (expected shape [${shape}])`);
    else if (!sameShape(array.shape, shape)) problems.push(`key ${name}: expected shape [${shape}], found [${array.shape}]`);
  }
  const wte = found.get('transformer.wte.weight');
  if (lmHead && wte && sameShape(wte.shape, lmHead.shape) && !sameValues(lmHead.data, wte.data)) {
    problems.push('lm_head.weight differs from transformer.wte.weight; tfpipe ties the head to wte (tie_word_embeddings)');
  } else if (lmHead && !sameShape(lmHead.shape, expected.get('transformer.wte.weight')!)) {
    problems.push(`key lm_head.weight: expected shape [${expected.get('transformer.wte.weight')}], found [${lmHead.shape}]`);
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 20).map((p) => `  - ${p}`);
    if (problems.length > 20) shown.push(`  ... and ${problems.length - 20} more`);
    throw new Error(`${source}: the weights do not match config.json (GPT-2, n_layer ${config.n_layer}, n_embd ${config.n_embd}):\n${shown.join('\n')}`);
  }
  const params: Gpt2Params = {};
  try {
    for (const [name, shape] of expected) {
      const array = found.get(name)!;
      if (!(array.data instanceof Float32Array)) throw new Error(`${source}: ${name} is an integer tensor, expected floats`);
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

/** Writes config.json and model.safetensors in the save_pretrained layout (lm_head tied, not stored). */
export async function saveGpt2(model: Gpt2Model, dir: string, extraConfig: Record<string, unknown> = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  const arrays: Record<string, NamedArray> = {};
  for (const [name, variable] of Object.entries(model.params)) {
    arrays[name] = { shape: variable.shape, data: (await variable.data()) as Float32Array };
  }
  await writeSafetensors(join(dir, WEIGHTS), arrays, { format: 'pt' });
  await writeFile(join(dir, 'config.json'), JSON.stringify({ ...toHfGpt2Config(model.config), ...extraConfig }, null, 2) + '\n');
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
