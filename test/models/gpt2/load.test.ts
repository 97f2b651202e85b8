// Loading and saving GPT-2 folders: both key layouts, every key and shape checked, save_pretrained output.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, copyFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../models/backend/select.ts';
import { readSafetensors, writeSafetensors, type NamedArray } from '../../../models/io/safetensors.ts';
import { createGpt2, loadGpt2, saveGpt2 } from '../../../models/gpt2/load.ts';
import { disposeGpt2Model, type Gpt2Model } from '../../../models/gpt2/model.ts';
import { makeGpt2Config } from '../../../models/gpt2/config.ts';
import { RELEASED_GPT2_SHAPES } from './released-shapes.ts';
import { gpt2ParamShapes } from '../../../models/gpt2/params.ts';
import { gpt2TensorCount, TINY_GPT2, TINY_GPT2_HUB, tinyConfig } from './fixtures.ts';

const SMALL = { n_layer: 1, n_head: 2, n_embd: 8, n_positions: 8, vocab_size: 10 };

async function snapshot(model: Gpt2Model): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of Object.entries(model.params)) out.set(name, (await v.data()) as Float32Array);
  return out;
}

/** Loads, snapshots and disposes (variable names are global, so one GPT-2 at a time). */
async function loadSnapshot(dir: string): Promise<Map<string, Float32Array>> {
  const model = await loadGpt2(dir);
  try {
    return await snapshot(model);
  } finally {
    disposeGpt2Model(model);
  }
}

/** A folder holding a small saved model whose tensors `edit` may change before they are written. */
async function smallFolder(edit: (tensors: Map<string, NamedArray>) => void): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-gpt2-'));
  const model = createGpt2(SMALL, 1);
  try {
    await saveGpt2(model, dir);
  } finally {
    disposeGpt2Model(model);
  }
  const { tensors } = await readSafetensors(join(dir, 'model.safetensors'));
  edit(tensors);
  await writeSafetensors(join(dir, 'model.safetensors'), Object.fromEntries(tensors));
  return dir;
}

describe('loadGpt2', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  it('reads the save_pretrained and the public-checkpoint layouts to the same weights', async () => {
    const a = await loadSnapshot(TINY_GPT2);
    const b = await loadSnapshot(TINY_GPT2_HUB);
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
    for (const [name, values] of a) assert.deepEqual(values, b.get(name), name);
    assert.equal(a.size, gpt2TensorCount(tinyConfig().n_layer), 'wte, wpe, 12 tensors per layer, ln_f');
  });

  it('names the key, the expected and the found shape when a shape is wrong', async () => {
    const C = SMALL.n_embd;
    const dir = await smallFolder((t) =>
      t.set('transformer.h.0.attn.c_attn.weight', { shape: [C, 2 * C], data: new Float32Array(2 * C * C) }),
    );
    await assert.rejects(
      loadGpt2(dir),
      new RegExp(
        `key transformer\\.h\\.0\\.attn\\.c_attn\\.weight: expected shape \\[${C},${3 * C}\\], found \\[${C},${2 * C}\\]`,
      ),
    );
  });

  it('reports missing and unexpected keys together', async () => {
    const dir = await smallFolder((t) => {
      t.delete('transformer.h.0.ln_1.bias');
      t.set('transformer.h.0.attn.rotary.weight', { shape: [2], data: new Float32Array(2) });
    });
    await assert.rejects(loadGpt2(dir), (error: Error) => {
      assert.match(
        error.message,
        new RegExp(`missing key transformer\\.h\\.0\\.ln_1\\.bias \\(expected shape \\[${SMALL.n_embd}\\]\\)`),
      );
      assert.match(error.message, /unexpected key transformer\.h\.0\.attn\.rotary\.weight/);
      return true;
    });
  });

  it('accepts an lm_head.weight equal to wte and rejects one that is not tied', async () => {
    let wte: NamedArray | undefined;
    const tied = await smallFolder((t) => {
      wte = t.get('transformer.wte.weight');
      t.set('lm_head.weight', wte!);
    });
    const model = await loadGpt2(tied);
    try {
      assert.equal(Object.keys(model.params).length, gpt2TensorCount(SMALL.n_layer));
    } finally {
      disposeGpt2Model(model);
    }
    const { vocab_size: V, n_embd: C } = SMALL;
    const untied = await smallFolder((t) =>
      t.set('lm_head.weight', { shape: [V, C], data: new Float32Array(V * C).fill(0.5) }),
    );
    await assert.rejects(loadGpt2(untied), /lm_head\.weight differs from transformer\.wte\.weight/);
    assert.equal(tf.memory().numTensors, 0, 'a failed load leaves no variable behind');
  });

  it('explains that a folder with only pytorch_model.bin must be converted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tfpipe-gpt2-'));
    await copyFile(join(TINY_GPT2, 'config.json'), join(dir, 'config.json'));
    await writeFile(join(dir, 'pytorch_model.bin'), 'not read');
    await assert.rejects(
      loadGpt2(dir),
      /found pytorch_model\.bin but no model\.safetensors\. tfpipe reads safetensors; convert with/,
    );
    const empty = await mkdtemp(join(tmpdir(), 'tfpipe-gpt2-'));
    await assert.rejects(loadGpt2(empty), /no config\.json/);
  });

  it('saves in the save_pretrained layout with the reference key names, shapes and config', async () => {
    const model = await loadGpt2(TINY_GPT2_HUB);
    const dir = await mkdtemp(join(tmpdir(), 'tfpipe-gpt2-'));
    try {
      await saveGpt2(model, join(dir, 'out'));
    } finally {
      disposeGpt2Model(model);
    }
    const saved = await readSafetensors(join(dir, 'out', 'model.safetensors'));
    const reference = await readSafetensors(join(TINY_GPT2, 'model.safetensors'));
    assert.deepEqual([...saved.tensors.keys()].sort(), [...reference.tensors.keys()].sort());
    for (const [name, array] of reference.tensors) {
      assert.deepEqual(saved.tensors.get(name)!.shape, array.shape, name);
      assert.deepEqual(saved.tensors.get(name)!.data, array.data, name);
    }
    assert.deepEqual(saved.metadata, reference.metadata);
    const config = JSON.parse(await readFile(join(dir, 'out', 'config.json'), 'utf8'));
    const referenceConfig = JSON.parse(await readFile(join(TINY_GPT2, 'config.json'), 'utf8'));
    for (const key of [
      'model_type',
      'architectures',
      'activation_function',
      'vocab_size',
      'n_positions',
      'n_embd',
      'n_layer',
      'n_head',
      'n_inner',
      'layer_norm_epsilon',
      'tie_word_embeddings',
      'eos_token_id',
      'bos_token_id',
    ]) {
      assert.deepEqual(config[key], referenceConfig[key], key);
    }
    const again = await loadSnapshot(join(dir, 'out'));
    assert.equal(again.size, gpt2TensorCount(tinyConfig().n_layer));
  });

  it('reads a sharded checkpoint through model.safetensors.index.json', async () => {
    const dir = await smallFolder(() => {});
    const { tensors } = await readSafetensors(join(dir, 'model.safetensors'));
    const names = [...tensors.keys()];
    const half = Math.ceil(names.length / 2);
    const shards = [names.slice(0, half), names.slice(half)];
    const sharded = join(dir, 'sharded');
    await mkdir(sharded);
    await copyFile(join(dir, 'config.json'), join(sharded, 'config.json'));
    const weightMap: Record<string, string> = {};
    for (const [i, shard] of shards.entries()) {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      await writeSafetensors(join(sharded, file), Object.fromEntries(shard.map((n) => [n, tensors.get(n)!])));
      for (const n of shard) weightMap[n] = file;
    }
    await writeFile(join(sharded, 'model.safetensors.index.json'), JSON.stringify({ weight_map: weightMap }));
    const a = await loadSnapshot(dir);
    const b = await loadSnapshot(sharded);
    for (const [name, values] of a) assert.deepEqual(values, b.get(name), name);
  });
});

describe('createGpt2', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  it('initialises as HF: N(0, 0.02), c_proj N(0, 0.02/sqrt(2 n_layer)), zero biases, LayerNorm ones; seeded', async () => {
    const shape = { n_layer: 2, n_head: 4, n_embd: 64, n_positions: 128, vocab_size: 512 };
    const created = async (seed: number) => {
      const model = createGpt2(shape, seed);
      try {
        return await snapshot(model);
      } finally {
        disposeGpt2Model(model);
      }
    };
    const first = await created(7);
    const repeat = await created(7);
    const different = await created(8);
    for (const [name, values] of first) assert.deepEqual(values, repeat.get(name), `${name} is reproducible`);
    assert.notDeepEqual(first.get('transformer.wte.weight'), different.get('transformer.wte.weight'));
    const std = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
    assert.ok(Math.abs(std(first.get('transformer.wte.weight')!) - 0.02) < 0.001);
    assert.ok(Math.abs(std(first.get('transformer.h.1.mlp.c_fc.weight')!) - 0.02) < 0.001);
    const projStd = 0.02 / Math.sqrt(2 * shape.n_layer);
    assert.ok(
      Math.abs(std(first.get('transformer.h.0.mlp.c_proj.weight')!) - projStd) < 0.0007,
      `c_proj std 0.02 / sqrt(2 n_layer) = ${projStd}`,
    );
    assert.ok(Math.abs(std(first.get('transformer.h.0.attn.c_proj.weight')!) - projStd) < 0.001);
    assert.ok(first.get('transformer.h.0.attn.c_attn.bias')!.every((x) => x === 0));
    assert.ok(first.get('transformer.h.1.ln_2.weight')!.every((x) => x === 1));
    assert.ok(first.get('transformer.ln_f.bias')!.every((x) => x === 0));
    assert.equal(tf.memory().numTensors, 0);
  });

  it('gpt2 counts 124,439,808 parameters as transformers reports', () => {
    const count = (name: keyof typeof RELEASED_GPT2_SHAPES) =>
      [...gpt2ParamShapes(makeGpt2Config(RELEASED_GPT2_SHAPES[name])).values()].reduce(
        (s, shape) => s + shape.reduce((a, b) => a * b, 1),
        0,
      );
    assert.equal(count('gpt2'), 124_439_808);
    assert.throws(
      () => createGpt2({ n_layer: 1, n_head: 3, n_embd: 8 }),
      /n_embd \(8\) must be divisible by n_head \(3\)/,
    );
  });
});
