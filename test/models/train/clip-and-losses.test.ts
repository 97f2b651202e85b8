import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../models/backend/select.ts';
import { clipGradNorm } from '../../../models/train/clip.ts';
import { bceWithLogits, crossEntropy } from '../../../models/train/losses.ts';

test('clipGradNorm scales all grads to maxNorm when above it and returns the norm before', async () => {
  await selectBackend('cpu');
  const before = tf.memory().numTensors;
  const grads: Record<string, tf.Tensor> = { a: tf.tensor1d([3, 0]), b: tf.tensor2d([[0, 4]]) };
  const total = clipGradNorm(grads, 1);
  assert.ok(Math.abs((await total.data())[0] - 5) < 1e-6);
  const scale = 1 / (5 + 1e-6);
  assert.deepEqual(Array.from(await grads.a.data()), [Math.fround(3 * scale), 0]);
  assert.ok(Math.abs(Array.from(await grads.b.data())[1] - 4 * scale) < 1e-7);
  const clipped = { a: await grads.a.data(), b: await grads.b.data() };
  const again = clipGradNorm(grads, 10);
  assert.ok(Math.abs((await again.data())[0] - 1) < 1e-6, 'the clipped grads have norm maxNorm');
  // below the threshold the coefficient is exactly 1 (as torch, the grads are still multiplied): values unchanged
  assert.deepEqual(await grads.a.data(), clipped.a, 'below the threshold the values are kept bit for bit');
  assert.deepEqual(await grads.b.data(), clipped.b);
  tf.dispose([total, again]);
  tf.dispose(grads);
  assert.equal(tf.memory().numTensors, before);
});

// float64 definitions written from the torch docs
const logits = [
  [1.5, -0.3, 0.2],
  [0.1, 0.1, 2.0],
];
const labels = [2, 0];
function ce64(x: number[][], y: number[]): number {
  return (
    x.reduce((s, row, b) => {
      const m = Math.max(...row);
      return s + m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)) - row[y[b]];
    }, 0) / x.length
  );
}

test('crossEntropy: value and gradient match the float64 definition', async () => {
  await selectBackend('cpu');
  const x = tf.tensor2d(logits);
  const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => crossEntropy(t as tf.Tensor2D, labels))(x);
  assert.ok(Math.abs(value.dataSync()[0] - ce64(logits, labels)) < 1e-6);
  const g = grad.arraySync() as number[][];
  logits.forEach((row, b) =>
    row.forEach((_, c) => {
      const up = logits.map((r) => [...r]);
      up[b][c] += 1e-6;
      const down = logits.map((r) => [...r]);
      down[b][c] -= 1e-6;
      assert.ok(Math.abs(g[b][c] - (ce64(up, labels) - ce64(down, labels)) / 2e-6) < 1e-5);
    }),
  );
  tf.dispose([x, value, grad]);
});

test('bceWithLogits: value and gradient match the float64 definition, stable at large |x|', async () => {
  await selectBackend('cpu');
  const xs = [0.3, -2, 40, -40];
  const ys = [1, 0, 0, 1];
  const x = tf.tensor2d(xs, [4, 1]);
  const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => bceWithLogits(t, ys))(x);
  // −[y·log σ(x) + (1−y)·log(1−σ(x))] per item, written as log1p(e^−x) (y=1) or x + log1p(e^−x) (y=0, x>0) …
  const exact =
    (Math.log1p(Math.exp(-0.3)) +
      Math.log1p(Math.exp(-2)) +
      40 +
      Math.log1p(Math.exp(-40)) +
      40 +
      Math.log1p(Math.exp(-40))) /
    4;
  assert.ok(Math.abs(value.dataSync()[0] - exact) < 1e-5, `${value.dataSync()[0]} vs ${exact}`);
  const g = Array.from(grad.dataSync());
  xs.forEach((v, i) => assert.ok(Math.abs(g[i] - (1 / (1 + Math.exp(-v)) - ys[i]) / 4) < 1e-6));
  tf.dispose([x, value, grad]);
});
