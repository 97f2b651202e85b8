import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../models/backend/select.ts';
import { createLstmClassifier, disposeLstm, forwardLstm } from '../../../models/lstm/model.ts';
import type { LstmConfig } from '../../../models/lstm/config.ts';

const config: LstmConfig = {
  vocabSize: 20,
  embeddingDim: 4,
  hiddenDim: 5,
  outputDim: 2,
  nLayers: 2,
  bidirectional: true,
  dropout: 0.5,
  padIndex: 0,
};
const batch = { ids: Int32Array.from([1, 2, 3, 0, 4, 5, 0, 0, 6, 7, 8, 9]), lengths: [3, 2, 4], width: 4 };

function logitsOf(
  model: ReturnType<typeof createLstmClassifier>,
  options: Parameters<typeof forwardLstm>[2],
): number[] {
  const t = tf.tidy(() => forwardLstm(model, batch, options));
  const out = Array.from(t.dataSync());
  t.dispose();
  return out;
}

test('init: PyTorch shapes, zero pad row, and the same seed gives the same weights', async () => {
  await selectBackend('cpu');
  const a = createLstmClassifier(config, 1);
  const b = createLstmClassifier(config, 1);
  assert.deepEqual(a.params['fc.weight'].shape, [2, 10]);
  assert.deepEqual(a.params['lstm.weight_hh_l1'].shape, [20, 5]);
  assert.deepEqual(Array.from(a.params['embedding.weight'].dataSync().subarray(0, 4)), [0, 0, 0, 0]);
  for (const name of Object.keys(a.params))
    assert.deepEqual(a.params[name].dataSync(), b.params[name].dataSync(), name);
  const bound = 1 / Math.sqrt(5);
  assert.ok(a.params['lstm.weight_ih_l0'].dataSync().every((v) => Math.abs(v) <= bound));
  disposeLstm(a);
  disposeLstm(b);
});

test('dropout: training is seeded (same seed, same logits; another seed, others); inference has none', async () => {
  await selectBackend('cpu');
  const model = createLstmClassifier(config, 2);
  const before = tf.memory().numTensors;
  const inference = logitsOf(model, {});
  assert.deepEqual(logitsOf(model, { seed: 5 }), inference);
  const trainA = logitsOf(model, { training: true, seed: 11 });
  assert.deepEqual(logitsOf(model, { training: true, seed: 11 }), trainA);
  assert.notDeepEqual(logitsOf(model, { training: true, seed: 12 }), trainA);
  assert.notDeepEqual(trainA, inference);
  assert.throws(() => forwardLstm(model, batch, { training: true }), /needs a seed/);
  assert.equal(tf.memory().numTensors, before);
  disposeLstm(model);
});

test('a sequence ignores its padding: logits do not depend on what lies past its length', async () => {
  await selectBackend('cpu');
  const model = createLstmClassifier({ ...config, dropout: 0 }, 3);
  const a = logitsOf(model, {});
  const other = { ...batch, ids: Int32Array.from([1, 2, 3, 9, 4, 5, 7, 7, 6, 7, 8, 9]) };
  const t = tf.tidy(() => forwardLstm(model, other));
  assert.deepEqual(Array.from(t.dataSync()), a);
  t.dispose();
  disposeLstm(model);
});

test('initialisation is deterministic for every seed, including 0 (tfjs treats a normal seed of 0 as unseeded)', async () => {
  await selectBackend('cpu');
  const config: LstmConfig = {
    vocabSize: 12,
    embeddingDim: 4,
    hiddenDim: 3,
    outputDim: 2,
    nLayers: 1,
    bidirectional: false,
    dropout: 0,
    padIndex: 0,
  };
  for (const seed of [0, 1]) {
    const a = createLstmClassifier(config, seed);
    const b = createLstmClassifier(config, seed);
    for (const name of Object.keys(a.params))
      assert.deepEqual(a.params[name].dataSync(), b.params[name].dataSync(), `${name} at seed ${seed}`);
    disposeLstm(a);
    disposeLstm(b);
  }
});
