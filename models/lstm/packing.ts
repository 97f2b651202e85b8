// Packed sequences, as torch.nn.utils.rnn.pack_padded_sequence(enforce_sorted=False) builds them:
// the batch is sorted by length (descending, stable), then laid out time-major with only the live rows:
// step t holds batchSizes[t] rows (the sequences longer than t), at packed rows offsets[t] .. offsets[t]+batchSizes[t].
// Row b of every step is the b-th longest sequence. N = sum(lengths) rows in all.
// DirectionWeights lives here too: the packed step loops (layer.ts on every backend, webgpu/direction.ts) both consume it.
import type * as tf from '@tensorflow/tfjs-core';

/** One direction's weights, as torch.nn.LSTM names them (weight_ih_l0, …); what the packed step loops consume. */
export interface DirectionWeights {
  wIh: tf.Tensor2D; // [4H, in]
  wHh: tf.Tensor2D; // [4H, H]
  bIh: tf.Tensor1D; // [4H]
  bHh: tf.Tensor1D; // [4H]
}

export interface PackedLayout {
  /** Sorted position → original batch index. */
  order: number[];
  /** Live rows per step, non-increasing; length T = the longest length. */
  batchSizes: number[];
  /** First packed row of each step. */
  offsets: number[];
  /** Total packed rows N. */
  rows: number;
  /** For each original sample: the packed row of its last step (where the forward direction ends). */
  lastRows: Int32Array;
  /** For each original sample: the packed row of its first step (where the reverse direction ends). */
  firstRows: Int32Array;
}

export function packLayout(lengths: ArrayLike<number>): PackedLayout {
  const B = lengths.length;
  const order = Array.from({ length: B }, (_, i) => i).sort((a, b) => lengths[b] - lengths[a] || a - b);
  for (const b of order) {
    if (!(lengths[b] >= 1) || !Number.isInteger(lengths[b]))
      throw new Error(`sequence ${b} has length ${lengths[b]}; lengths must be integers ≥ 1`);
  }
  const T = lengths[order[0]];
  const batchSizes: number[] = [];
  const offsets: number[] = [];
  let rows = 0;
  let live = B;
  for (let t = 0; t < T; t++) {
    while (live > 0 && lengths[order[live - 1]] <= t) live--;
    batchSizes.push(live);
    offsets.push(rows);
    rows += live;
  }
  const lastRows = new Int32Array(B);
  const firstRows = new Int32Array(B);
  order.forEach((original, position) => {
    lastRows[original] = offsets[lengths[original] - 1] + position;
    firstRows[original] = position;
  });
  return { order, batchSizes, offsets, rows, lastRows, firstRows };
}

/** Token ids [B, T] (row-major, padded) → the packed ids [N] in packed row order. */
export function packIds(ids: ArrayLike<number>, width: number, layout: PackedLayout): Int32Array {
  const out = new Int32Array(layout.rows);
  layout.batchSizes.forEach((n, t) => {
    for (let b = 0; b < n; b++) out[layout.offsets[t] + b] = ids[layout.order[b] * width + t];
  });
  return out;
}

/**
 * For the recurrent weight gradient: for each packed row, the packed row of the output its step started from —
 * forward direction (t, b) ← (t-1, b); reverse (t, b) ← (t+1, b) when b < batchSizes[t+1] — or N (a zero row)
 * where the step started from the zero state.
 */
export function previousRows(layout: PackedLayout, reverse: boolean): Int32Array {
  const { batchSizes, offsets, rows } = layout;
  const prev = new Int32Array(rows).fill(rows);
  for (let t = 0; t < batchSizes.length; t++) {
    const from = reverse ? t + 1 : t - 1;
    if (from < 0 || from >= batchSizes.length) continue;
    const n = Math.min(batchSizes[t], batchSizes[from]);
    for (let b = 0; b < n; b++) prev[offsets[t] + b] = offsets[from] + b;
  }
  return prev;
}
