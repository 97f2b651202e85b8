// wasm's GatherV2 override (models/backend/kernels/gather-rows.ts) gives the cpu backend's results for row gathers,
// and hands every other case to the original kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../models/backend/select.ts';

interface Case {
  label: string;
  x: () => tf.Tensor;
  indices: () => tf.Tensor;
  axis: number;
}

const values = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 100);
const CASES: Case[] = [
  {
    label: '2-D float32 rows, repeats and unsorted',
    x: () => tf.tensor2d(values(50 * 7), [50, 7]),
    indices: () => tf.tensor1d([3, 49, 0, 3, 17], 'int32'),
    axis: 0,
  },
  {
    label: '3-D float32 rows, 2-D indices',
    x: () => tf.tensor3d(values(10 * 3 * 4), [10, 3, 4]),
    indices: () =>
      tf.tensor2d(
        [
          [1, 2],
          [9, 0],
        ],
        [2, 2],
        'int32',
      ),
    axis: 0,
  },
  {
    label: 'int32 rows above 2^24',
    x: () =>
      tf.tensor2d(
        Int32Array.from({ length: 20 }, (_, i) => (1 << 28) + i),
        [10, 2],
        'int32',
      ),
    indices: () => tf.tensor1d([9, 1], 'int32'),
    axis: 0,
  },
  { label: '1-D values', x: () => tf.tensor1d(values(30)), indices: () => tf.tensor1d([29, 0, 5], 'int32'), axis: 0 },
  {
    label: 'empty indices',
    x: () => tf.tensor2d(values(12), [4, 3]),
    indices: () => tf.tensor1d([], 'int32'),
    axis: 0,
  },
  {
    label: 'axis 1 (original kernel)',
    x: () => tf.tensor2d(values(6 * 5), [6, 5]),
    indices: () => tf.tensor1d([4, 0], 'int32'),
    axis: 1,
  },
  {
    label: 'negative axis naming axis 0',
    x: () => tf.tensor2d(values(6 * 5), [6, 5]),
    indices: () => tf.tensor1d([5, 2], 'int32'),
    axis: -2,
  },
  {
    label: '3-D, axis 2 (original kernel)',
    x: () => tf.tensor3d(values(2 * 3 * 4), [2, 3, 4]),
    indices: () => tf.tensor1d([3, 1], 'int32'),
    axis: 2,
  },
];

async function gatherAll(): Promise<{ shape: number[]; dtype: string; data: number[] }[]> {
  const out = [];
  for (const c of CASES) {
    const y = tf.tidy(() => tf.gather(c.x(), c.indices(), c.axis));
    out.push({ shape: y.shape, dtype: y.dtype, data: Array.from(await y.data()) });
    y.dispose();
  }
  return out;
}

test('wasm GatherV2 equals the cpu kernel for row gathers and the cases it passes on', async () => {
  await selectBackend('cpu');
  const expected = await gatherAll();
  await selectBackend('wasm');
  const before = tf.memory().numTensors;
  const actual = await gatherAll();
  for (const [i, c] of CASES.entries()) assert.deepEqual(actual[i], expected[i], c.label);
  assert.equal(tf.memory().numTensors, before);
});

test('wasm GatherV2 rejects an index outside the rows, naming it', async () => {
  await selectBackend('wasm');
  const before = tf.memory().numTensors;
  assert.throws(
    () => tf.tidy(() => tf.gather(tf.tensor2d(values(8), [4, 2]), tf.tensor1d([1, 4], 'int32'))),
    /index value 4 is not in \[0, 3\]/,
  );
  assert.equal(tf.memory().numTensors, before);
});
