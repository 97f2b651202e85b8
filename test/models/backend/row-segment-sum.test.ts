// rowSegmentSum (models/backend/webgpu/row-segment-sum.ts): the gradient of a row gather on webgpu, summed in a fixed
// order. Its CSR table on the host, then on webgpu: the cpu backend's unsortedSegmentSum values (pad row skipped),
// and the same bits on every run even when thousands of rows land on one segment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../models/backend/select.ts';
import { probeWebGpuAdapter } from '../../../models/backend/webgpu/probe.ts';
import { rowSegmentSum, segmentTable } from '../../../models/backend/webgpu/row-segment-sum.ts';

const probe = await probeWebGpuAdapter();
const skip = probe.found ? false : `no WebGPU adapter here: ${probe.reason}`;

test('segmentTable groups positions by row, ascending, leaving out the skipped row and rows out of range', () => {
  const { offsets, order } = segmentTable([2, 0, 2, 1, 0, 2, 5, -1], 4, 1);
  assert.deepEqual(Array.from(offsets), [0, 2, 2, 5, 5]);
  assert.deepEqual(Array.from(order), [1, 4, 0, 2, 5]);
});

/** dy [N, C] with varied values; rows: N indices in [0, R). */
function problem(N: number, C: number, R: number): { dy: Float32Array; rows: Int32Array } {
  return {
    dy: Float32Array.from({ length: N * C }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 13))),
    rows: Int32Array.from({ length: N }, (_, n) => (n * 7919 + (n >> 3)) % R),
  };
}

test(
  'rowSegmentSum on webgpu equals the cpu segment sum, skipping the pad row, and is bit-identical run to run',
  { skip },
  async () => {
    const cases = [
      { N: 37, C: 5, R: 11, skipRow: 0 },
      { N: 4000, C: 3, R: 3, skipRow: undefined }, // ~1,333 additions per output element
      { N: 9, C: 64, R: 50, skipRow: undefined }, // most rows get nothing
    ];
    await selectBackend('cpu');
    const expected: Float32Array[] = [];
    for (const { N, C, R, skipRow } of cases) {
      const { dy, rows } = problem(N, C, R);
      const kept = Float32Array.from(dy, (v, i) => (rows[Math.floor(i / C)] === skipRow ? 0 : v));
      const sum = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(kept, [N, C]), tf.tensor1d(rows, 'int32'), R));
      expected.push((await sum.data()) as Float32Array);
      sum.dispose();
    }
    await selectBackend('webgpu');
    const before = tf.memory().numTensors;
    for (const [i, { N, C, R, skipRow }] of cases.entries()) {
      const { dy, rows } = problem(N, C, R);
      const runs: Float32Array[] = [];
      for (let r = 0; r < 3; r++) {
        const out = tf.tidy(() => rowSegmentSum(tf.tensor2d(dy, [N, C]), rows, R, skipRow));
        assert.deepEqual(out.shape, [R, C]);
        runs.push((await out.data()) as Float32Array);
        out.dispose();
      }
      assert.deepEqual(runs[1], runs[0], `case ${i}: same bits on every run`);
      assert.deepEqual(runs[2], runs[0], `case ${i}: same bits on every run`);
      for (let k = 0; k < runs[0].length; k++) {
        assert.ok(
          Math.abs(runs[0][k] - expected[i][k]) <= 1e-5 * (1 + Math.abs(expected[i][k])),
          `case ${i} [${k}]: ${runs[0][k]} vs ${expected[i][k]}`,
        );
      }
    }
    assert.equal(tf.memory().numTensors, before);
  },
);
