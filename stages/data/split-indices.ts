// Which rows go to train, valid and test: a pure function of (row count, labels, split params).
//   random   perm = RandomState(seed).permutation(n) (numpy's MT19937); test = perm[:nTest], valid = the next nValid,
//            train = the next nTrain (default: all the rest). With stratify the permuted rows are first dealt class by
//            class in proportion (see interleaveByClass), so every part keeps the label proportions.
//   sklearn  train_test_split(rows, test_size=test, random_state=seed), then train_test_split(rest, test_size=valid,
//            random_state=seed) on the rest in sklearn's order, exactly as the seed homework does.
//   ordered  no shuffle: train = the first nTrain rows, then valid, then test (file order).
// Sizes: a number in (0, 1) is a fraction, a whole number >= 1 a row count. For random and ordered, fractions are of
// all rows (test and valid rounded up, train down, as sklearn does); for sklearn, of the rows each call is given.
import { MT19937, permutation } from './mt19937.ts';
import { trainTestSplitIndices, type SplitSize } from './sklearn-split.ts';

export type SplitMethod = 'random' | 'sklearn' | 'ordered';

export interface SplitSpec {
  method: SplitMethod;
  train?: SplitSize;
  valid?: SplitSize;
  test?: SplitSize;
  seed: number;
  stratify: boolean;
}

export interface SplitIndices {
  train: Int32Array;
  valid: Int32Array;
  test: Int32Array;
}

const EMPTY: Int32Array = new Int32Array(0);

export function computeSplitIndices(n: number, labels: Int32Array | null, spec: SplitSpec): SplitIndices {
  if (n === 0) throw new Error('cannot split an empty dataset');
  switch (spec.method) {
    case 'sklearn':
      return splitLikeSklearn(n, spec);
    case 'random':
      return splitRandom(n, labels, spec);
    case 'ordered':
      return splitOrdered(n, spec);
  }
}

/** A size that is a share of the rows: in (0, 1). */
export function isFraction(size: number): boolean {
  return size > 0 && size < 1;
}

/** A size that is a number of rows: a whole number >= 1. */
export function isRowCount(size: number): boolean {
  return Number.isInteger(size) && size >= 1;
}

/** Rows of a size given as a fraction (rounded with `round`) or a whole count, checked against n. */
export function sizeToRows(size: SplitSize | undefined, n: number, name: string, round: (x: number) => number): number {
  if (size === undefined || size === 0) return 0;
  if (isFraction(size)) return round(size * n);
  if (isRowCount(size)) return size;
  throw new Error(`split: ${name} is ${size}; give a fraction in (0, 1) or a whole number of rows`);
}

function partSizes(n: number, spec: SplitSpec): { nTrain: number; nValid: number; nTest: number } {
  const nTest = sizeToRows(spec.test, n, 'test', Math.ceil);
  const nValid = sizeToRows(spec.valid, n, 'valid', Math.ceil);
  const nTrain = spec.train === undefined ? n - nTest - nValid : sizeToRows(spec.train, n, 'train', Math.floor);
  if (nTrain + nValid + nTest > n || nTrain < 0) {
    throw new Error(
      `split: train ${nTrain} + valid ${nValid} + test ${nTest} rows is more than the ${n} rows there are`,
    );
  }
  return { nTrain, nValid, nTest };
}

function splitRandom(n: number, labels: Int32Array | null, spec: SplitSpec): SplitIndices {
  const { nTrain, nValid, nTest } = partSizes(n, spec);
  let order = permutation(new MT19937(spec.seed >>> 0), n);
  if (spec.stratify) {
    if (!labels) throw new Error('split: stratify needs a labelled dataset, and this one has no labels');
    order = interleaveByClass(order, labels);
  }
  return cut(order, [nTest, nValid, nTrain], ['test', 'valid', 'train']);
}

function splitOrdered(n: number, spec: SplitSpec): SplitIndices {
  if (spec.stratify)
    throw new Error('split: stratify needs a shuffle; use method random (or sklearn without stratify)');
  const { nTrain, nValid, nTest } = partSizes(n, spec);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  return cut(order, [nTrain, nValid, nTest], ['train', 'valid', 'test']);
}

function splitLikeSklearn(n: number, spec: SplitSpec): SplitIndices {
  if (spec.stratify) {
    throw new Error(
      'split: stratify is not supported with method sklearn (StratifiedShuffleSplit is not reproduced); use method random with stratify',
    );
  }
  const hasTest = spec.test !== undefined && spec.test > 0;
  const hasValid = spec.valid !== undefined && spec.valid > 0;
  if (!hasTest && !hasValid)
    throw new Error('split: method sklearn needs test or valid (the test_size of a train_test_split call)');
  let rest: Int32Array = Int32Array.from({ length: n }, (_, i) => i);
  let test: Int32Array = EMPTY;
  let valid: Int32Array = EMPTY;
  if (hasTest) {
    // train_size belongs to the last call: here only when no valid call follows.
    const first = trainTestSplitIndices(n, {
      testSize: spec.test,
      trainSize: hasValid ? undefined : spec.train,
      seed: spec.seed,
    });
    test = first.test;
    rest = first.train;
  }
  if (hasValid) {
    const second = trainTestSplitIndices(rest.length, { testSize: spec.valid, trainSize: spec.train, seed: spec.seed });
    valid = second.test.map((i) => rest[i]);
    rest = second.train.map((i) => rest[i]);
  }
  return { train: rest, valid, test };
}

/**
 * Deals permuted rows out class by class in proportion: each row's key is (its rank within its class + 0.5) / class
 * size, and rows are ordered by key (ties by class id). Any run of k consecutive rows then holds about k · p_c rows of
 * class c (off by at most a row or two), so cutting the result keeps the label proportions in every part.
 */
export function interleaveByClass(order: Int32Array, labels: Int32Array): Int32Array {
  const classSize = new Map<number, number>();
  for (const i of order) classSize.set(labels[i], (classSize.get(labels[i]) ?? 0) + 1);
  const seen = new Map<number, number>();
  const keys = new Float64Array(order.length);
  order.forEach((row, k) => {
    const c = labels[row];
    const rank = seen.get(c) ?? 0;
    seen.set(c, rank + 1);
    keys[k] = (rank + 0.5) / classSize.get(c)!;
  });
  const positions = Array.from({ length: order.length }, (_, k) => k);
  positions.sort((a, b) => keys[a] - keys[b] || labels[order[a]] - labels[order[b]]);
  return Int32Array.from(positions, (k) => order[k]);
}

function cut(order: Int32Array, sizes: number[], names: (keyof SplitIndices)[]): SplitIndices {
  const out: SplitIndices = { train: EMPTY, valid: EMPTY, test: EMPTY };
  let start = 0;
  sizes.forEach((size, i) => {
    out[names[i]] = order.slice(start, start + size);
    start += size;
  });
  return out;
}
