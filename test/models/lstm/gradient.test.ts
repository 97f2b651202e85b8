// The hand-written backprop through time (layer.ts, both the fused kernels and the composite cell) against
// central finite differences of an independent float64 reference (reference-lstm.ts), on a tiny 2-layer
// bidirectional model with varied lengths (so packed steps gain and lose rows) and a pad token inside a sequence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../models/backend/select.ts';
import { createLstmClassifier, disposeLstm } from '../../../models/lstm/model.ts';
import { lstmTrainable } from '../../../models/lstm/trainable.ts';
import { paramGrads } from '../../../models/train/step.ts';
import { COMPOSITE_CELL_FLAG } from '../../../models/lstm/cell.ts';
import type { LstmConfig } from '../../../models/lstm/config.ts';
import { referenceLoss, type Params64 } from './reference-lstm.ts';

const config: LstmConfig = {
  vocabSize: 12,
  embeddingDim: 3,
  hiddenDim: 4,
  outputDim: 3,
  nLayers: 2,
  bidirectional: true,
  dropout: 0,
  padIndex: 0,
};
const seqs = [[3, 4, 5, 6], [7, 8], [9, 10, 0, 11, 2], [1], [5, 6]]; // lengths 4, 2, 5, 1, 2; a pad (0) inside the third
const labels = [0, 2, 1, 1, 0];
const width = 5;
const batch = {
  ids: Int32Array.from(seqs.flatMap((s) => [...s, ...new Array(width - s.length).fill(0)])),
  lengths: seqs.map((s) => s.length),
  width,
  labels,
};

for (const backend of ['cpu', 'wasm'] as const) {
  for (const path of ['fused', 'composite'] as const) {
    test(`LSTM gradients on ${backend} (${path} cell) match finite differences of a float64 reference`, async () => {
      await selectBackend(backend);
      tf.env().set(COMPOSITE_CELL_FLAG, path === 'composite');
      const model = createLstmClassifier(config, 3);
      const params64: Params64 = new Map(
        Object.entries(model.params).map(([name, v]) => [
          name,
          { shape: v.shape, data: Float64Array.from(v.dataSync()) },
        ]),
      );
      const before = tf.memory().numTensors;
      const trainable = lstmTrainable(model);
      const { value, grads } = paramGrads(
        model.params,
        () => trainable.lossAndMetrics(batch, { training: true, seed: 1 }).loss,
      );

      assert.ok(
        Math.abs(value.dataSync()[0] - referenceLoss(params64, config, seqs, labels)) < 1e-5,
        'loss differs from the reference',
      );
      let checked = 0;
      for (const [name, p] of params64) {
        const got = grads[name].dataSync();
        for (let k = 0; k < p.data.length; k++) {
          const keep = p.data[k];
          const eps = 1e-6;
          p.data[k] = keep + eps;
          const up = referenceLoss(params64, config, seqs, labels);
          p.data[k] = keep - eps;
          const down = referenceLoss(params64, config, seqs, labels);
          p.data[k] = keep;
          // nn.Embedding(padding_idx): the pad row gets no gradient even where the pad token is read.
          const expected =
            name === 'embedding.weight' && Math.floor(k / config.embeddingDim) === config.padIndex
              ? 0
              : (up - down) / (2 * eps);
          assert.ok(Math.abs(got[k] - expected) < 2e-5, `${name}[${k}]: ${got[k]} vs ${expected}`);
          checked++;
        }
      }
      assert.ok(checked > 700);
      value.dispose();
      tf.dispose(grads);
      assert.equal(tf.memory().numTensors, before);
      tf.env().set(COMPOSITE_CELL_FLAG, false);
      disposeLstm(model);
    });
  }
}
