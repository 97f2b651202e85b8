// wasm's Sum override (models/backend/kernels/sum-f64.ts) gives the cpu backend's float64-accumulated sums, and hands
// the axis sets it does not handle to the original kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../models/backend/select.ts';

interface Case {
  label: string;
  x: () => tf.Tensor;
  axis?: number | number[];
  keepDims?: boolean;
}

/** Values of mixed sign and size, so that a float32 running sum and a float64 one round apart. */
const values = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 10 ** ((i % 7) - 3));
/** Whole numbers: any order sums them exactly, so the original kernel agrees with cpu too. */
const whole = (n: number) => Float32Array.from({ length: n }, (_, i) => (i % 13) - 6);

const CASES: Case[] = [
  { label: 'innermost axis of [7, 3001]', x: () => tf.tensor2d(values(7 * 3001), [7, 3001]), axis: 1 },
  {
    label: 'innermost axis, negative, keepDims',
    x: () => tf.tensor2d(values(5 * 1003), [5, 1003]),
    axis: -1,
    keepDims: true,
  },
  { label: 'leading axis of [2049, 6]', x: () => tf.tensor2d(values(2049 * 6), [2049, 6]), axis: 0 },
  {
    label: 'middle run [1, 2] of [3, 40, 50, 2], keepDims',
    x: () => tf.tensor4d(values(3 * 40 * 50 * 2), [3, 40, 50, 2]),
    axis: [2, 1],
    keepDims: true,
  },
  { label: 'every axis (no axis given)', x: () => tf.tensor3d(values(4 * 30 * 20), [4, 30, 20]), axis: undefined },
  { label: 'no element reduced along an empty axis', x: () => tf.zeros([3, 0]), axis: 1 },
  {
    label: 'axes [0, 2], not a run (original kernel)',
    x: () => tf.tensor3d(whole(6 * 5 * 4), [6, 5, 4]),
    axis: [0, 2],
  },
  {
    label: 'int32 (original kernel)',
    x: () =>
      tf.tensor2d(
        Int32Array.from({ length: 40 }, (_, i) => i * 1000003),
        [4, 10],
        'int32',
      ),
    axis: 1,
  },
];

async function sumAll(): Promise<{ shape: number[]; dtype: string; data: number[] }[]> {
  const out = [];
  for (const c of CASES) {
    const y = tf.tidy(() => tf.sum(c.x(), c.axis, c.keepDims));
    out.push({ shape: y.shape, dtype: y.dtype, data: Array.from(await y.data()) });
    y.dispose();
  }
  return out;
}

test('wasm Sum equals the cpu kernel (float64 sums rounded once) and passes on what it does not handle', async () => {
  await selectBackend('cpu');
  const expected = await sumAll();
  await selectBackend('wasm');
  const before = tf.memory().numTensors;
  const actual = await sumAll();
  for (const [i, c] of CASES.entries()) assert.deepEqual(actual[i], expected[i], c.label);
  assert.equal(tf.memory().numTensors, before);
});
