// A tiny labelled token dataset for training-loop tests: N rows of up to T ids from a vocab of VOCAB;
// label 1 when token 3 appears; lengths 1..T. Deterministic, so runs can be compared bit for bit.
import type { LabelledLstmBatch } from '../../../models/lstm/model.ts';

export const N = 24;
export const T = 6;
export const VOCAB = 12;

function makeData(): { ids: Int32Array; lengths: Int32Array; labels: Int32Array } {
  const ids = new Int32Array(N * T);
  const lengths = new Int32Array(N);
  const labels = new Int32Array(N);
  for (let r = 0; r < N; r++) {
    lengths[r] = 1 + ((r * 5) % T);
    for (let t = 0; t < lengths[r]; t++) ids[r * T + t] = 1 + ((r * 7 + t * 3) % (VOCAB - 1));
    labels[r] = Array.from(ids.subarray(r * T, r * T + lengths[r])).includes(3) ? 1 : 0;
  }
  return { ids, lengths, labels };
}

export const DATA = makeData();

/** The batch of the given rows, padded to T. */
export function batchOf(rows: ArrayLike<number>): LabelledLstmBatch {
  const ids = new Int32Array(rows.length * T);
  Array.from(rows).forEach((r, i) => ids.set(DATA.ids.subarray(r * T, (r + 1) * T), i * T));
  return {
    ids,
    lengths: Array.from(rows, (r) => DATA.lengths[r]),
    labels: Array.from(rows, (r) => DATA.labels[r]),
    width: T,
  };
}
