import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../models/backend/select.ts';
import { takeRows } from '../../../models/train/ops.ts';

test('selectBackend activates cpu and wasm and describes them', async () => {
  const cpu = await selectBackend('cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.match(cpu.device, /cpu/);
  const wasm = await selectBackend('wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.match(wasm.device, /^wasm \((SIMD|no SIMD), /);
});

test('selectBackend rejects unknown names with the allowed list', async () => {
  await assert.rejects(selectBackend('webgl'), /unknown backend 'webgl' \(allowed: cpu, wasm\)/);
});

test('wasm UnsortedSegmentSum (our JS kernel) equals the cpu kernel, out-of-range ids dropped', async () => {
  const xs = Array.from({ length: 7 * 3 }, (_, i) => Math.sin(i) * 10);
  const ids = [4, 0, 4, 2, -1, 9, 0];
  const results: number[][] = [];
  for (const name of ['cpu', 'wasm'] as const) {
    await selectBackend(name);
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(xs, [7, 3]), tf.tensor1d(ids, 'int32'), 5));
    assert.deepEqual(out.shape, [5, 3]);
    results.push(Array.from(out.dataSync()));
    out.dispose();
    assert.equal(tf.memory().numTensors, before);
  }
  results[0].forEach((v, i) => assert.ok(Math.abs(v - results[1][i]) < 1e-5, `${i}: ${v} vs ${results[1][i]}`));
  assert.deepEqual(results[1].slice(3, 6), [0, 0, 0], 'segment 1 received nothing');
});

test('on wasm, the embedding gradient (takeRows, scatter-added by UnsortedSegmentSum) works', async () => {
  await selectBackend('wasm');
  const before = tf.memory().numTensors;
  const w = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
  const dy = tf.tensor2d([[1, 10], [2, 20], [3, 30]]);
  // tfjs-core's Node build registers no gradients, hence our customGrad op (models/train/ops.ts)
  const grad = tf.grad((t: tf.Tensor) => takeRows(t as tf.Tensor2D, Int32Array.from([2, 0, 2])))(w, dy);
  assert.deepEqual(Array.from(grad.dataSync()), [2, 20, 0, 0, 4, 40]);
  tf.dispose([w, dy, grad]);
  assert.equal(tf.memory().numTensors, before);
});
