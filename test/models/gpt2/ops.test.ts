// The hand-written backward of each custom op against central finite differences of a random linear read-out
// L = Σ op(inputs) · R, along a random direction per input, on cpu and on wasm (whose matmuls take other paths).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../models/backend/select.ts';
import {
  addSame,
  conv1d,
  deriveSeed,
  differentiable,
  dropout,
  dropoutMask,
  embed,
  geluNew,
  layerNorm,
} from '../../../models/gpt2/ops.ts';
import { attentionBias, causalSelfAttention } from '../../../models/gpt2/attention.ts';
import { lmHeadLoss, sparseCrossEntropy } from '../../../models/gpt2/loss.ts';
import { loraDelta } from '../../../models/lora/lora.ts';

let seed = 1;
const normal = (shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', seed++);

/** Σ y · r as an op of its own (tfjs-core's Node build has no registered gradient for sum or mul). */
function readOut(y: tf.Tensor, r: tf.Tensor): tf.Scalar {
  return differentiable(
    [y],
    ([yi]) => ({ value: tf.sum(tf.mul(yi, r)) as tf.Scalar, keep: [r] }),
    (dy, _inputs, [kept]) => [tf.mul(dy, kept)],
  );
}

/** Checks d/dε L(inputs + ε·d) at 0 against Σ <grad, d> for every input. */
function checkGradients(label: string, shapes: number[][], op: (...xs: tf.Tensor[]) => tf.Tensor): void {
  const inputs = shapes.map((s) => {
    const value = normal(s);
    const v = tf.variable(value);
    value.dispose();
    return v;
  });
  const sample = tf.tidy(() => op(...inputs.map((v) => tf.clone(v))));
  const weights = normal(sample.shape);
  sample.dispose();
  const loss = () => readOut(op(...inputs), weights);
  const { value, grads } = tf.variableGrads(loss, inputs);
  for (const [i, input] of inputs.entries()) {
    const direction = normal(input.shape);
    const dot = tf.tidy(() => tf.sum(tf.mul(grads[input.name], direction)));
    const analytic = dot.dataSync()[0];
    const original = tf.clone(input);
    const at = (epsilon: number) => {
      tf.tidy(() => input.assign(tf.add(original, tf.mul(direction, epsilon))));
      return tf.tidy(() => loss().dataSync()[0]);
    };
    const epsilon = 1e-2;
    const numeric = (at(epsilon) - at(-epsilon)) / (2 * epsilon);
    input.assign(original);
    tf.dispose([direction, dot, original]);
    assert.ok(
      Math.abs(numeric - analytic) <= 1e-2 * Math.abs(analytic) + 2e-3,
      `${label}, input ${i}: analytic ${analytic} vs numeric ${numeric}`,
    );
  }
  tf.dispose([value, weights, ...inputs, ...Object.values(grads)]);
}

for (const backend of ['cpu', 'wasm'] as const)
  describe(`custom gradients on ${backend}`, () => {
    before(async () => {
      await selectBackend(backend);
    });

    it('layerNorm, conv1d, geluNew, addSame', () => {
      const before = tf.memory().numTensors;
      checkGradients('layerNorm', [[6, 8], [8], [8]], (x, g, b) =>
        layerNorm(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5),
      );
      checkGradients('conv1d', [[5, 4], [4, 7], [7]], (x, w, b) =>
        conv1d(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D),
      );
      checkGradients('geluNew', [[4, 6]], (x) => geluNew(x as tf.Tensor2D));
      checkGradients(
        'addSame',
        [
          [3, 4],
          [3, 4],
        ],
        (a, b) => addSame(a, b),
      );
      assert.equal(tf.memory().numTensors, before);
    });

    it('embed (repeated ids), dropout, loraDelta', () => {
      const ids = Int32Array.from([2, 0, 2, 5, 2, 1]);
      const positions = Int32Array.from([0, 1, 2, 0, 1, 2]);
      checkGradients(
        'embed',
        [
          [6, 4],
          [3, 4],
        ],
        (wte, wpe) => embed(wte as tf.Tensor2D, wpe as tf.Tensor2D, ids, positions),
      );
      checkGradients('dropout', [[5, 6]], (x) => dropout(x, 0.3, 42));
      checkGradients(
        'loraDelta',
        [
          [5, 6],
          [2, 6],
          [3, 2],
        ],
        (x, a, b) => loraDelta(x as tf.Tensor2D, a as tf.Tensor2D, b as tf.Tensor2D, 4),
      );
    });

    it('causal self-attention, with a padding mask and attention dropout', () => {
      const shape = { B: 2, T: 4, nh: 2, hs: 3 };
      const bias = attentionBias(2, 4, 0, [
        [1, 1, 1, 1],
        [1, 1, 1, 0],
      ]);
      const drop = dropoutMask([2, 2, 4, 4], 0.25, deriveSeed(5, 0));
      checkGradients('attention', [[8, 18]], (qkv) => causalSelfAttention(qkv as tf.Tensor2D, shape, bias, null));
      checkGradients('attention+dropout', [[8, 18]], (qkv) =>
        causalSelfAttention(qkv as tf.Tensor2D, shape, bias, drop),
      );
      tf.dispose([bias, drop]);
    });

    it('sparse cross-entropy and the fused head + loss, with ignored rows', () => {
      const targets = Int32Array.from([3, -100, 0, 9, 9]);
      checkGradients('sparseCrossEntropy', [[5, 10]], (x) => sparseCrossEntropy(x as tf.Tensor2D, targets));
      checkGradients(
        'lmHeadLoss',
        [
          [5, 4],
          [10, 4],
        ],
        (h, w) => lmHeadLoss(h as tf.Tensor2D, w as tf.Tensor2D, targets),
      );
      // chunks of 2 rows (80 bytes of logits at V = 10): [3, 0] [-100, -100] [9], one with no row counted
      const chunked = Int32Array.from([3, 0, -100, -100, 9]);
      checkGradients(
        'lmHeadLoss in chunks',
        [
          [5, 4],
          [10, 4],
        ],
        (h, w) => lmHeadLoss(h as tf.Tensor2D, w as tf.Tensor2D, chunked, 80),
      );
    });

    it('derives distinct nonzero seeds', () => {
      const seeds = new Set(Array.from({ length: 1000 }, (_, i) => deriveSeed(0, i)));
      assert.equal(seeds.size, 1000);
      assert.ok(![...seeds].includes(0));
    });
  });
