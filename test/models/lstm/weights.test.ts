import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { HF_REFERENCE, makeTestContext } from '../../helpers/context.ts';
import { selectBackend } from '../../../models/backend/select.ts';
import { createLstmClassifier, disposeLstm } from '../../../models/lstm/model.ts';
import { loadLstmSafetensors, saveLstmSafetensors, lstmFromStateDict } from '../../../models/lstm/weights.ts';
import { readSafetensors } from '../../../models/io/safetensors.ts';
import type { LstmConfig } from '../../../models/lstm/config.ts';

/** The reference cases' settings (lstm.json: the seed's constructor arguments for each .safetensors file). */
interface LstmCase {
  name: string;
  vocab: number;
  embedding_dim: number;
  hidden_dim: number;
  output_dim: number;
  n_layers: number;
  bidirectional: boolean;
  pad_index: number;
}
const CASES = JSON.parse(readFileSync(join(HF_REFERENCE, 'lstm.json'), 'utf8')) as LstmCase[];
const configOf = (c: LstmCase): LstmConfig => ({
  vocabSize: c.vocab,
  embeddingDim: c.embedding_dim,
  hiddenDim: c.hidden_dim,
  outputDim: c.output_dim,
  nLayers: c.n_layers,
  bidirectional: c.bidirectional,
  dropout: 0,
  padIndex: c.pad_index,
});

test('a PyTorch state_dict loads with its config inferred from the shapes', async () => {
  await selectBackend('cpu');
  for (const c of CASES) {
    // padding_idx is not in a state_dict: it comes from the caller (default 0), as dropout does.
    const model = await loadLstmSafetensors(join(HF_REFERENCE, `${c.name}.safetensors`));
    try {
      assert.deepEqual(model.config, { ...configOf(c), padIndex: 0 }, c.name);
      const H = c.hidden_dim;
      const last = `lstm.weight_ih_l${c.n_layers - 1}${c.bidirectional ? '_reverse' : ''}`;
      assert.deepEqual(
        model.params[last].shape,
        [4 * H, c.n_layers > 1 ? (c.bidirectional ? 2 : 1) * H : c.embedding_dim],
        `${c.name}: ${last}`,
      );
    } finally {
      disposeLstm(model);
    }
  }
});

test('save → load round trip gives identical weights and config', async () => {
  await selectBackend('cpu');
  const ctx = await makeTestContext();
  const config: LstmConfig = {
    vocabSize: 30,
    embeddingDim: 5,
    hiddenDim: 6,
    outputDim: 1,
    nLayers: 2,
    bidirectional: true,
    dropout: 0.25,
    padIndex: 1,
  };
  const model = createLstmClassifier(config, 7);
  try {
    const before = tf.memory().numTensors;
    const path = join(ctx.outDir, 'model.safetensors');
    await saveLstmSafetensors(model, path);
    const loaded = await loadLstmSafetensors(path);
    try {
      assert.deepEqual(loaded.config, config);
      assert.deepEqual(Object.keys(loaded.params).sort(), Object.keys(model.params).sort());
      for (const [name, v] of Object.entries(model.params))
        assert.deepEqual(loaded.params[name].dataSync(), v.dataSync(), name);
    } finally {
      disposeLstm(loaded);
    }
    assert.equal(tf.memory().numTensors, before);
  } finally {
    disposeLstm(model);
  }
});

test('loading asserts every key and shape', async () => {
  await selectBackend('cpu');
  const c = CASES.find((x) => !x.bidirectional)!;
  const file = await readSafetensors(join(HF_REFERENCE, `${c.name}.safetensors`));
  const config = configOf(c);
  const [H, E] = [c.hidden_dim, c.embedding_dim];
  assert.throws(
    () => lstmFromStateDict(file.tensors, { ...config, hiddenDim: H + 1 }, 'x.safetensors'),
    new RegExp(`x.safetensors: lstm.weight_ih_l0 has shape \\[${4 * H},${E}\\], expected \\[${4 * (H + 1)},${E}\\]`),
  );
  assert.throws(
    () => lstmFromStateDict(file.tensors, { ...config, bidirectional: true }, 'x.safetensors'),
    /missing lstm.weight_ih_l0_reverse|fc.weight has shape/,
  );
  const extra = new Map(file.tensors);
  extra.set('lstm.weight_hh_l5', { shape: [1], data: new Float32Array(1) });
  assert.throws(() => lstmFromStateDict(extra, config, 'x.safetensors'), /unexpected tensors lstm.weight_hh_l5/);
});
