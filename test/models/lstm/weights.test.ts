import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { HF_REFERENCE, makeTestContext } from '../../helpers/context.ts';
import { selectBackend } from '../../../models/backend/select.ts';
import { createLstmClassifier, disposeLstm } from '../../../models/lstm/model.ts';
import { loadLstmSafetensors, saveLstmSafetensors, lstmFromStateDict } from '../../../models/lstm/weights.ts';
import { readSafetensors } from '../../../models/io/safetensors.ts';
import type { LstmConfig } from '../../../models/lstm/config.ts';

test('a PyTorch state_dict loads with its config inferred from the shapes', async () => {
  await selectBackend('cpu');
  const model = await loadLstmSafetensors(join(HF_REFERENCE, 'lstm-L2-bi.safetensors'));
  assert.deepEqual(model.config, { vocabSize: 60, embeddingDim: 8, hiddenDim: 16, outputDim: 2, nLayers: 2, bidirectional: true, dropout: 0, padIndex: 0 });
  assert.deepEqual(model.params['lstm.weight_ih_l1_reverse'].shape, [64, 32]);
  disposeLstm(model);
});

test('save → load round trip gives identical weights and config', async () => {
  await selectBackend('cpu');
  const ctx = await makeTestContext();
  const config: LstmConfig = { vocabSize: 30, embeddingDim: 5, hiddenDim: 6, outputDim: 1, nLayers: 2, bidirectional: true, dropout: 0.25, padIndex: 1 };
  const model = createLstmClassifier(config, 7);
  const before = tf.memory().numTensors;
  const path = join(ctx.outDir, 'model.safetensors');
  await saveLstmSafetensors(model, path);
  const loaded = await loadLstmSafetensors(path);
  assert.deepEqual(loaded.config, config);
  assert.deepEqual(Object.keys(loaded.params).sort(), Object.keys(model.params).sort());
  for (const [name, v] of Object.entries(model.params)) assert.deepEqual(loaded.params[name].dataSync(), v.dataSync(), name);
  disposeLstm(loaded);
  assert.equal(tf.memory().numTensors, before);
  disposeLstm(model);
});

test('loading asserts every key and shape', async () => {
  await selectBackend('cpu');
  const file = await readSafetensors(join(HF_REFERENCE, 'lstm-L1-uni.safetensors'));
  const config: LstmConfig = { vocabSize: 60, embeddingDim: 8, hiddenDim: 16, outputDim: 2, nLayers: 1, bidirectional: false, dropout: 0, padIndex: 0 };
  assert.throws(() => lstmFromStateDict(file.tensors, { ...config, hiddenDim: 8 }, 'x.safetensors'), /x.safetensors: lstm.weight_ih_l0 has shape \[64,8\], expected \[32,8\]/);
  assert.throws(() => lstmFromStateDict(file.tensors, { ...config, bidirectional: true }, 'x.safetensors'), /missing lstm.weight_ih_l0_reverse|fc.weight has shape/);
  const extra = new Map(file.tensors);
  extra.set('lstm.weight_hh_l5', { shape: [1], data: new Float32Array(1) });
  assert.throws(() => lstmFromStateDict(extra, config, 'x.safetensors'), /unexpected tensors lstm.weight_hh_l5/);
});
