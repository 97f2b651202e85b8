// scikit-learn's train_test_split index logic (ShuffleSplit with n_splits=1), row for row:
//   n_test  = ceil(test_size * n) for a fraction, else the count;   n_train = floor(train_size * n), else the count,
//   and whichever size is absent is the rest: n_train = n - n_test (or n_test = n - n_train)
//   perm    = RandomState(random_state).permutation(n)
//   test    = perm[:n_test];   train = perm[n_test : n_test + n_train]
// sklearn returns (train, test) in that permuted order, which is what a second call on the train part indexes.
import { MT19937, permutation } from './mt19937.ts';

/** A size as sklearn takes it: a fraction in (0, 1) or a whole number of rows. */
export type SplitSize = number;

export interface TrainTestIndices {
  /** Row indices into the array that was split, in sklearn's order. */
  train: Int32Array;
  test: Int32Array;
}

/** sklearn's _validate_shuffle_split: the two sizes, as whole rows, or an error naming what is wrong. */
export function resolveShuffleSplitSizes(
  n: number,
  testSize?: SplitSize,
  trainSize?: SplitSize,
): { nTrain: number; nTest: number } {
  if (testSize === undefined && trainSize === undefined) testSize = 0.25; // sklearn's default_test_size
  const rows = (size: number, name: string, round: (x: number) => number): number => {
    if (size > 0 && size < 1) return round(size * n);
    if (Number.isInteger(size) && size >= 1) {
      if (size >= n) throw new Error(`${name}=${size} should be smaller than the number of samples ${n}`);
      return size;
    }
    throw new Error(`${name}=${size} should be a fraction in (0, 1) or a whole number of rows in [1, ${n - 1}]`);
  };
  let nTest = testSize === undefined ? undefined : rows(testSize, 'test_size', Math.ceil);
  let nTrain = trainSize === undefined ? undefined : rows(trainSize, 'train_size', Math.floor);
  if (nTrain === undefined) nTrain = n - nTest!;
  if (nTest === undefined) nTest = n - nTrain;
  if (nTrain + nTest > n)
    throw new Error(`train_size + test_size = ${nTrain + nTest} rows, more than the ${n} there are`);
  if (nTrain === 0) throw new Error(`with n_samples=${n} and test_size=${testSize}, the train set would be empty`);
  return { nTrain, nTest };
}

/** `train_test_split(arange(n), test_size, train_size, random_state=seed)` as index arrays. */
export function trainTestSplitIndices(
  n: number,
  options: { testSize?: SplitSize; trainSize?: SplitSize; seed: number },
): TrainTestIndices {
  const { nTrain, nTest } = resolveShuffleSplitSizes(n, options.testSize, options.trainSize);
  const perm = permutation(new MT19937(options.seed), n);
  return { test: perm.slice(0, nTest), train: perm.slice(nTest, nTest + nTrain) };
}
