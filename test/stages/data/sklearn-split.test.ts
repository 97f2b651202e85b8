import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveShuffleSplitSizes, trainTestSplitIndices } from '../../../stages/data/sklearn-split.ts';
import { computeSplitIndices } from '../../../stages/data/split-indices.ts';
import { sklearnReference, type SklearnCase } from './sklearn-reference.ts';

const CASES: SklearnCase[] = [
  { n: 10, test_size: 0.3, random_state: 0 },
  { n: 101, test_size: 0.25, random_state: 7 },
  { n: 1000, test_size: 0.2, random_state: 12 },
  { n: 997, test_size: 0.1, train_size: 0.5, random_state: 3 },
  { n: 500, test_size: 37, random_state: 99 },
  { n: 5000, test_size: 0.2, random_state: 12, then_test_size: 0.125 },
];

test('train_test_split indices equal scikit-learn row for row', (t) => {
  const reference = sklearnReference(CASES);
  if (!reference.ok) return t.skip(reference.reason);
  CASES.forEach((c, i) => {
    const expected = reference.results[i];
    if (c.then_test_size === undefined) {
      const got = trainTestSplitIndices(c.n, { testSize: c.test_size, trainSize: c.train_size, seed: c.random_state });
      assert.deepEqual(Array.from(got.test), expected.test, `test part of ${JSON.stringify(c)}`);
      assert.deepEqual(Array.from(got.train), expected.train, `train part of ${JSON.stringify(c)}`);
    } else {
      const got = computeSplitIndices(c.n, null, {
        method: 'sklearn',
        test: c.test_size,
        valid: c.then_test_size,
        seed: c.random_state,
        stratify: false,
      });
      assert.deepEqual(Array.from(got.test), expected.test);
      assert.deepEqual(Array.from(got.valid), expected.valid);
      assert.deepEqual(Array.from(got.train), expected.train);
    }
  });
});

test('sizes follow sklearn: test rounds up, train rounds down, the absent one is the rest', () => {
  assert.deepEqual(resolveShuffleSplitSizes(50000, 0.2), { nTrain: 40000, nTest: 10000 });
  assert.deepEqual(resolveShuffleSplitSizes(40000, 0.125), { nTrain: 35000, nTest: 5000 });
  assert.deepEqual(resolveShuffleSplitSizes(10, 0.25), { nTrain: 7, nTest: 3 });
  assert.deepEqual(resolveShuffleSplitSizes(10, undefined, 0.55), { nTrain: 5, nTest: 5 });
  assert.deepEqual(resolveShuffleSplitSizes(10), { nTrain: 7, nTest: 3 });
  assert.throws(() => resolveShuffleSplitSizes(10, 10), /should be smaller than the number of samples 10/);
  assert.throws(() => resolveShuffleSplitSizes(10, 1.5), /fraction in \(0, 1\)/);
  assert.throws(() => resolveShuffleSplitSizes(10, 0.6, 0.6), /more than the 10 there are/);
});
