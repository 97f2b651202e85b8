import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packIds, packLayout, previousRows } from '../../../models/lstm/packing.ts';

test('packLayout sorts by length (stable) and lays steps out time-major, live rows only', () => {
  const layout = packLayout([2, 3, 1, 3]);
  assert.deepEqual(layout.order, [1, 3, 0, 2]);
  assert.deepEqual(layout.batchSizes, [4, 3, 2]);
  assert.deepEqual(layout.offsets, [0, 4, 7]);
  assert.equal(layout.rows, 9);
  // sample 0 (length 2) sits at sorted position 2: its last step is t=1 → row 4+2; sample 2 (length 1) at position 3 → row 3
  assert.deepEqual([...layout.lastRows], [6, 7, 3, 8]);
  assert.deepEqual([...layout.firstRows], [2, 0, 3, 1]);
});

test('packIds reads the padded [B, T] ids in packed order', () => {
  const ids = Int32Array.from([10, 11, 0, 20, 21, 22, 30, 0, 0]);
  const layout = packLayout([2, 3, 1]);
  assert.deepEqual([...packIds(ids, 3, layout)], [20, 10, 30, 21, 11, 22]);
});

test('previousRows: forward follows t-1, reverse follows t+1, zero state is row N', () => {
  const layout = packLayout([3, 1]); // steps: [a0 b0] [a1] [a2] → rows 0,1 | 2 | 3
  assert.deepEqual([...previousRows(layout, false)], [4, 4, 0, 2]);
  assert.deepEqual([...previousRows(layout, true)], [2, 4, 3, 4]);
});

test('packLayout rejects empty sequences', () => {
  assert.throws(() => packLayout([3, 0]), /sequence 1 has length 0/);
});
