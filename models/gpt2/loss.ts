// Causal-LM cross-entropy as HF computes it (labels shifted by one, positions labelled -100 ignored, mean over
// the rest), sparse: log-sum-exp minus the target's logit, never a [N, V] one-hot in the forward pass. The
// backward, (softmax − onehot) / count on kept rows, is written by hand (one ScatterNd for the −1s). On webgpu the
// log-sum-exp and the backward are fused WGSL programs (webgpu/cross-entropy.ts), the targets an int32 tensor.
import * as tf from '@tensorflow/tfjs-core';
import { onWebGpu } from '../backend/webgpu/run-program.ts';
import { differentiable, gradsFor, headLogits, headWeightGrad } from './ops.ts';
import { crossEntropyLogitGrad, rowLogSumExp } from './webgpu/cross-entropy.ts';

export const IGNORE_INDEX = -100;

/**
 * HF's shift: position t predicts labels[t + 1]; the last position of each row predicts nothing.
 * labels [B, T] row-major → targets [B * T] aligned with logits [B, T, V] flattened to [B * T, V].
 */
export function shiftLabels(labels: ArrayLike<number>, B: number, T: number): Int32Array {
  if (labels.length !== B * T) throw new Error(`labels have ${labels.length} entries, expected B*T = ${B}*${T}`);
  const targets = new Int32Array(B * T).fill(IGNORE_INDEX);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t + 1 < T; t++) targets[b * T + t] = labels[b * T + t + 1];
  }
  return targets;
}

/** The rows that count (target != -100), checked against the vocabulary. */
interface KeptRows {
  N: number;
  V: number;
  count: number;
  rows: Int32Array;
  /** n * V + target for each kept row: the target logits in the flattened [N * V]. */
  flat: Int32Array;
  /** [row, target] pairs for ScatterNd. */
  pairs: Int32Array;
  mask: Float32Array;
}

function keptRows(targets: ArrayLike<number>, N: number, V: number): KeptRows {
  if (targets.length !== N) throw new Error(`cross-entropy: ${targets.length} targets for ${N} rows`);
  const rows: number[] = [];
  const mask = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    const y = targets[n];
    if (y === IGNORE_INDEX) continue;
    if (!(Number.isInteger(y) && y >= 0 && y < V)) throw new Error(`target ${y} at row ${n} is outside the vocabulary [0, ${V})`);
    rows.push(n);
    mask[n] = 1;
  }
  return {
    N,
    V,
    count: rows.length,
    rows: Int32Array.from(rows),
    flat: Int32Array.from(rows, (n) => n * V + targets[n]),
    pairs: Int32Array.from(rows.flatMap((n) => [n, targets[n]])),
    mask,
  };
}

/** mean(lse − target logit) over kept rows; NaN when none is kept (as torch). */
function meanNll(logits: tf.Tensor2D, lse: tf.Tensor1D, kept: KeptRows): tf.Scalar {
  return tf.tidy(() => {
    if (kept.count === 0) return tf.scalar(NaN);
    const picked = tf.gather(tf.reshape(logits, [kept.N * kept.V]), tf.tensor1d(kept.flat, 'int32'));
    const lseKept = tf.gather(lse, tf.tensor1d(kept.rows, 'int32'));
    return tf.div(tf.sum(tf.sub(lseKept, picked)), kept.count) as tf.Scalar;
  });
}

/** d loss / d logits = (softmax − onehot) on kept rows, times dy / count. */
function dLogits(dy: tf.Tensor, logits: tf.Tensor2D, lse: tf.Tensor1D, kept: KeptRows): tf.Tensor2D {
  const { N, V, count } = kept;
  if (count === 0) return tf.zerosLike(logits);
  const probs = tf.mul(tf.exp(tf.sub(logits, tf.reshape(lse, [N, 1]))), tf.tensor2d(kept.mask, [N, 1]));
  const onehot = tf.scatterND(tf.tensor2d(kept.pairs, [count, 2], 'int32'), tf.ones([count]), [N, V]);
  return tf.mul(tf.sub(probs, onehot), tf.div(dy, count)) as tf.Tensor2D;
}

/**
 * The two [N, V] passes: the log-sum-exp of each row (saved for the backward, with whatever else it needs) and
 * d logits from the saved tensors. tfjs ops, except on webgpu: there the fused programs of webgpu/cross-entropy.ts,
 * which read the targets as an int32 [N] tensor (saved after lse).
 */
interface LogitPasses {
  /** [lse [N], …what dLogits needs]. */
  logSumExp(logits: tf.Tensor2D): tf.Tensor[];
  dLogits(dy: tf.Tensor, logits: tf.Tensor2D, saved: tf.Tensor[]): tf.Tensor2D;
}

function logitPasses(targets: ArrayLike<number>, kept: KeptRows): LogitPasses {
  if (!onWebGpu()) {
    return {
      logSumExp: (logits) => [tf.logSumExp(logits, 1)],
      dLogits: (dy, logits, [lse]) => dLogits(dy, logits, lse as tf.Tensor1D, kept),
    };
  }
  return {
    logSumExp: (logits) => [rowLogSumExp(logits), tf.tensor1d(Int32Array.from(targets), 'int32')],
    dLogits: (dy, logits, [lse, targetIds]) => crossEntropyLogitGrad(dy, logits, lse, targetIds, kept.count),
  };
}

/** Cross-entropy from logits [N, V] and targets [N] (-100 = ignore), differentiable in the logits. */
export function sparseCrossEntropy(logits: tf.Tensor2D, targets: ArrayLike<number>): tf.Scalar {
  const kept = keptRows(targets, logits.shape[0], logits.shape[1]);
  const passes = logitPasses(targets, kept);
  return differentiable(
    [logits],
    ([x]) => {
      const saved = passes.logSumExp(x as tf.Tensor2D);
      return { value: meanNll(x as tf.Tensor2D, saved[0] as tf.Tensor1D, kept), keep: saved };
    },
    (dy, [x], saved) => [passes.dLogits(dy, x as tf.Tensor2D, saved)],
  );
}

/**
 * The tied LM head and its loss in one op: logits = h [N, C] @ wte^T [C, V], then sparseCrossEntropy. Backward:
 * dh = dlogits @ wte, dwte = dlogits^T @ h (skipped when wte is frozen, e.g. under LoRA).
 */
export function lmHeadLoss(h: tf.Tensor2D, wte: tf.Tensor2D, targets: ArrayLike<number>): tf.Scalar {
  const kept = keptRows(targets, h.shape[0], wte.shape[0]);
  const passes = logitPasses(targets, kept);
  return differentiable(
    [h, wte],
    ([hi, w]) => {
      const logits = headLogits(hi as tf.Tensor2D, w as tf.Tensor2D);
      const saved = passes.logSumExp(logits);
      return { value: meanNll(logits, saved[0] as tf.Tensor1D, kept), keep: [logits, ...saved] };
    },
    (dy, [hi, w], [logits, ...saved]) => {
      const g = passes.dLogits(dy, logits as tf.Tensor2D, saved);
      return gradsFor([h, wte], [() => tf.matMul(g, w), () => headWeightGrad(g, hi as tf.Tensor2D)]);
    },
  );
}

/** log softmax(logits)[n, targets[n]] for each row (no gradient): [N] as a Float32Array. */
export async function targetLogProbs(logits: tf.Tensor2D, targets: ArrayLike<number>): Promise<Float32Array> {
  const [N, V] = logits.shape;
  const values = tf.tidy(() => {
    const lse = onWebGpu() ? rowLogSumExp(logits) : tf.logSumExp(logits, 1);
    const flat = Int32Array.from({ length: N }, (_, n) => n * V + targets[n]);
    return tf.sub(tf.gather(tf.reshape(logits, [N * V]), tf.tensor1d(flat, 'int32')), lse);
  });
  const out = (await values.data()) as Float32Array;
  values.dispose();
  return out;
}
