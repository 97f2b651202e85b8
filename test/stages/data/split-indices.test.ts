import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeSplitIndices, interleaveByClass, type SplitSpec } from '../../../stages/data/split-indices.ts';
import { MT19937, permutation } from '../../../stages/data/mt19937.ts';

const spec = (over: Partial<SplitSpec>): SplitSpec => ({ method: 'random', seed: 5, stratify: false, ...over });

function assertPartition(parts: { train: Int32Array; valid: Int32Array; test: Int32Array }, n: number): void {
  const all = [...parts.train, ...parts.valid, ...parts.test].sort((a, b) => a - b);
  assert.equal(new Set(all).size, all.length, 'a row is in two parts');
  assert.ok(all.every((i) => i >= 0 && i < n));
}

test('random: one numpy permutation, cut into test, valid, then train', () => {
  const parts = computeSplitIndices(100, null, spec({ test: 0.2, valid: 0.1 }));
  const perm = Array.from(permutation(new MT19937(5), 100));
  assert.deepEqual(Array.from(parts.test), perm.slice(0, 20));
  assert.deepEqual(Array.from(parts.valid), perm.slice(20, 30));
  assert.deepEqual(Array.from(parts.train), perm.slice(30));
  assertPartition(parts, 100);
});

test('random: counts and an explicit train size leave the other rows out', () => {
  const parts = computeSplitIndices(100, null, spec({ train: 50, valid: 10, test: 5 }));
  assert.deepEqual([parts.train.length, parts.valid.length, parts.test.length], [50, 10, 5]);
  assertPartition(parts, 100);
  assert.throws(() => computeSplitIndices(100, null, spec({ train: 90, test: 20 })), /more than the 100 rows/);
  assert.throws(() => computeSplitIndices(100, null, spec({ test: 2.5 })), /test is 2.5; give a fraction/);
  assert.throws(() => computeSplitIndices(0, null, spec({ test: 0.5 })), /empty dataset/);
});

test('random with stratify keeps each label proportion in every part', () => {
  // 300 rows: 60% label 0, 30% label 1, 10% label 2, in runs (so an unstratified cut of a sorted file would fail).
  const labels = Int32Array.from({ length: 300 }, (_, i) => (i < 180 ? 0 : i < 270 ? 1 : 2));
  const parts = computeSplitIndices(300, labels, spec({ test: 0.2, valid: 0.1, stratify: true }));
  assertPartition(parts, 300);
  for (const [name, rows] of Object.entries(parts)) {
    const counts = [0, 0, 0];
    for (const i of rows) counts[labels[i]]++;
    const expected = [0.6, 0.3, 0.1].map((p) => p * rows.length);
    counts.forEach((count, c) =>
      assert.ok(Math.abs(count - expected[c]) <= 2, `${name}: label ${c} has ${count}, expected about ${expected[c]}`),
    );
  }
  assert.throws(
    () => computeSplitIndices(10, null, spec({ test: 0.2, stratify: true })),
    /stratify needs a labelled dataset/,
  );
});

test('interleaveByClass: any prefix holds the classes in proportion', () => {
  const labels = Int32Array.from({ length: 40 }, (_, i) => (i < 30 ? 0 : 1));
  const order = interleaveByClass(
    Int32Array.from({ length: 40 }, (_, i) => i),
    labels,
  );
  for (let k = 4; k <= 40; k += 4) {
    const ones = Array.from(order.slice(0, k)).filter((i) => labels[i] === 1).length;
    assert.equal(ones, k / 4, `prefix of ${k}`);
  }
});

test('ordered: no shuffle, train then valid then test in file order', () => {
  const parts = computeSplitIndices(10, null, spec({ method: 'ordered', valid: 0.2, test: 0.1 }));
  assert.deepEqual(Array.from(parts.train), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(parts.valid), [7, 8]);
  assert.deepEqual(Array.from(parts.test), [9]);
  assert.throws(
    () => computeSplitIndices(10, new Int32Array(10), spec({ method: 'ordered', test: 0.1, stratify: true })),
    /stratify needs a shuffle/,
  );
});

test('sklearn: stratify is refused with a reason, and a size is needed', () => {
  assert.throws(
    () => computeSplitIndices(10, new Int32Array(10), spec({ method: 'sklearn', test: 0.2, stratify: true })),
    /not supported with method sklearn/,
  );
  assert.throws(() => computeSplitIndices(10, null, spec({ method: 'sklearn' })), /needs test or valid/);
  const onlyValid = computeSplitIndices(10, null, spec({ method: 'sklearn', valid: 0.3 }));
  assert.deepEqual([onlyValid.train.length, onlyValid.valid.length, onlyValid.test.length], [7, 3, 0]);
});
