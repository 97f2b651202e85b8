// Causal-LM cross-entropy as HF computes it (labels shifted by one, positions labelled -100 ignored, mean over
// the rest), sparse: log-sum-exp minus the target's logit, never a [N, V] one-hot in the forward pass. The
// backward, (softmax − onehot) / count on kept rows, is written by hand. Three ways to make the [N, V] passes:
// - tfjs ops (cpu, tensorflow): the forward keeps the softmax it already had on the way to the log-sum-exp
//   (e / Σe), so the backward needs no second exp over [N, V], the costliest pass on a CPU;
// - on wasm the same, with the softmax from the backend's (XNNPACK's) Softmax kernel, the log-sum-exp read from it;
// - on webgpu fused WGSL programs (webgpu/cross-entropy.ts): one pass each way, recomputing exp (memory-bound there).
// The tied head and its loss (lmHeadLoss) run over row chunks of at most logitChunkBudget() bytes of logits, so no
// [N, V] buffer outgrows a GPU's largest storage binding (128 MiB on many) and peak memory stays bounded.
import * as tf from '@tensorflow/tfjs-core';
import { onWebGpu, useFusedKernels } from '../backend/webgpu/run-program.ts';
import { differentiable, gradsFor, headLogits, headWeightGrad, needsGrad } from './ops.ts';
import { crossEntropyLogitGrad, rowLogSumExp } from './webgpu/cross-entropy.ts';
import { IGNORE_INDEX } from './batch.ts';

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

/** The rows that count (target != -100) of one chunk, checked against the vocabulary. */
interface KeptRows {
  N: number;
  V: number;
  /** Kept rows in this chunk. */
  count: number;
  rows: Int32Array;
  /** n * V + target for each kept row: the target logits in the flattened [N * V]. */
  flat: Int32Array;
  /** [row, target] pairs for ScatterNd. */
  pairs: Int32Array;
  mask: Float32Array;
  /** The chunk's targets as given (-100 included). */
  targets: Int32Array;
}

function keptRows(targets: ArrayLike<number>, N: number, V: number): KeptRows {
  if (targets.length !== N) throw new Error(`cross-entropy: ${targets.length} targets for ${N} rows`);
  const rows: number[] = [];
  const mask = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    const y = targets[n];
    if (y === IGNORE_INDEX) continue;
    if (!(Number.isInteger(y) && y >= 0 && y < V))
      throw new Error(`target ${y} at row ${n} is outside the vocabulary [0, ${V})`);
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
    targets: Int32Array.from(targets),
  };
}

/** Σ (lse − target logit) over the chunk's kept rows (0 when none). */
function sumNll(logits: tf.Tensor2D, lse: tf.Tensor1D, kept: KeptRows): tf.Scalar {
  return tf.tidy(() => {
    if (kept.count === 0) return tf.scalar(0);
    const picked = tf.gather(tf.reshape(logits, [kept.N * kept.V]), tf.tensor1d(kept.flat, 'int32'));
    const lseKept = tf.gather(lse, tf.tensor1d(kept.rows, 'int32'));
    return tf.sum(tf.sub(lseKept, picked)) as tf.Scalar;
  });
}

/**
 * The [N, V] passes of one chunk. `forward` gives the row log-sum-exp [N] and what the backward needs (it may keep
 * the logits); `backward` gives d logits for the loss's gradient dy, the mean over `total` kept rows in all chunks.
 */
interface LogitPasses {
  forward(logits: tf.Tensor2D, kept: KeptRows): { lse: tf.Tensor1D; saved: tf.Tensor[] };
  backward(dy: tf.Tensor, saved: tf.Tensor[], kept: KeptRows, total: number): tf.Tensor2D;
}

/** tfjs ops: lse = log Σ e + max with e = exp(x − max) (as tf.logSumExp), keeping softmax = e / Σ e. */
const TFJS_PASSES: LogitPasses = {
  forward: (logits) =>
    tf.tidy(() => {
      const max = tf.max(logits, 1, true); // [N, 1]
      const e = tf.exp(tf.sub(logits, max));
      const sum = tf.sum(e, 1, true);
      const lse = tf.reshape(tf.add(tf.log(sum), max), [logits.shape[0]]) as tf.Tensor1D;
      return { lse, saved: [tf.div(e, sum)] };
    }),
  backward: (dy, [softmax], kept, total) => {
    const { N, V, count } = kept;
    if (count === 0) return tf.zerosLike(softmax) as tf.Tensor2D;
    const probs = count === N ? softmax : tf.mul(softmax, tf.tensor2d(kept.mask, [N, 1]));
    const onehot = tf.scatterND(tf.tensor2d(kept.pairs, [count, 2], 'int32'), tf.ones([count]), [N, V]);
    return tf.mul(tf.sub(probs, onehot), tf.div(dy, total)) as tf.Tensor2D;
  },
};

/**
 * wasm: the softmax from the backend's Softmax kernel, XNNPACK's, whose vectorised exp over [N, V] measured 12–25 ms
 * at 512 × 50,257 where tfjs-backend-wasm's scalar Exp took 200 ms (a third of a LoRA step, bench/gpt2-profile.ts).
 * lse from it: p at the row's largest logit is e⁰ / Σe, the row's largest p (≥ 1 / V, so never 0), hence
 * lse = max + log Σe = max − log max p. The backward is the tfjs ops' (softmax − onehot) / count.
 */
const WASM_PASSES: LogitPasses = {
  forward: (logits) =>
    tf.tidy(() => {
      const softmax = tf.softmax(logits);
      const lse = tf.sub(tf.max(logits, 1), tf.log(tf.max(softmax, 1))) as tf.Tensor1D;
      return { lse, saved: [softmax] };
    }),
  backward: TFJS_PASSES.backward,
};

/** webgpu: one program for the log-sum-exp, one for d logits (from the kept logits and the int32 targets). */
const WEBGPU_PASSES: LogitPasses = {
  forward: (logits, kept) => {
    const lse = rowLogSumExp(logits);
    return { lse, saved: [logits, lse, tf.tensor1d(kept.targets, 'int32')] };
  },
  backward: (dy, [logits, lse, targetIds], _kept, total) => crossEntropyLogitGrad(dy, logits, lse, targetIds, total),
};

function logitPasses(): LogitPasses {
  if (useFusedKernels()) return WEBGPU_PASSES;
  return tf.getBackend() === 'wasm' ? WASM_PASSES : TFJS_PASSES;
}

/** Cross-entropy from logits [N, V] and targets [N] (-100 = ignore), differentiable in the logits. */
export function sparseCrossEntropy(logits: tf.Tensor2D, targets: ArrayLike<number>): tf.Scalar {
  const kept = keptRows(targets, logits.shape[0], logits.shape[1]);
  const passes = logitPasses();
  return differentiable(
    [logits],
    ([x]) => {
      const { lse, saved } = passes.forward(x as tf.Tensor2D, kept);
      const value = tf.tidy(() =>
        kept.count === 0 ? tf.scalar(NaN) : tf.div(sumNll(x as tf.Tensor2D, lse, kept), kept.count),
      ) as tf.Scalar;
      if (!saved.includes(lse)) lse.dispose();
      return { value, keep: saved };
    },
    (dy, _inputs, saved) => [passes.backward(dy, saved, kept, kept.count)],
  );
}

/** Bytes of logits one chunk of lmHeadLoss may hold on webgpu: [rows, V] float32. */
export const LOGIT_CHUNK_BYTES = 64 * 1024 * 1024;

/**
 * The same on the CPU backends, which have no binding limit: 667 rows of V = 50,257, so a batch of 512 tokens (the
 * bench's 8 × 64, the 124M bench's 4 × 128) is one chunk, not 333 + 179 rows. Taller products run faster there: on
 * wasm the K-blocked dh = dlogits @ wte measured 11.4 GFLOP/s at 333 rows and 14.4 at 512, and a training step of
 * bench/gpt2-train's size took 5–10% less (full) and 10–20% less (LoRA) (bench/README.md).
 */
export const CPU_LOGIT_CHUNK_BYTES = 128 * 1024 * 1024;

/** The budget of a chunk of logits on the active backend. */
export function logitChunkBudget(): number {
  return onWebGpu() ? LOGIT_CHUNK_BYTES : CPU_LOGIT_CHUNK_BYTES;
}

/** The largest storage buffer the webgpu device binds (Infinity elsewhere). */
function deviceBindingLimit(): number {
  if (!onWebGpu()) return Infinity;
  const device = (tf.backend() as unknown as { device?: { limits?: { maxStorageBufferBindingSize?: number } } }).device;
  return device?.limits?.maxStorageBufferBindingSize ?? 128 * 1024 * 1024;
}

/** Rows of logits [rows, V] per chunk: within the budget and the device's binding limit, at least 1. */
export function logitChunkRows(V: number, budgetBytes = logitChunkBudget()): number {
  return Math.max(1, Math.floor(Math.min(budgetBytes, deviceBindingLimit()) / (4 * V)));
}

/** [start, end) row ranges of at most `size` rows covering N. */
function chunkRanges(N: number, size: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let start = 0; start < N; start += size) ranges.push([start, Math.min(N, start + size)]);
  return ranges;
}

/**
 * The tied LM head and its loss in one op: logits = h [N, C] @ wte^T [C, V], then the mean cross-entropy, chunk by
 * chunk of rows (logitChunkRows; `chunkBytes` overrides the budget, for tests). Backward per chunk:
 * dh = dlogits @ wte, dwte += dlogits^T @ h (skipped when wte is frozen, e.g. under LoRA).
 */
export function lmHeadLoss(
  h: tf.Tensor2D,
  wte: tf.Tensor2D,
  targets: ArrayLike<number>,
  chunkBytes?: number,
): tf.Scalar {
  const [N] = h.shape;
  const V = wte.shape[0];
  if (targets.length !== N) throw new Error(`cross-entropy: ${targets.length} targets for ${N} rows`);
  const ranges = chunkRanges(N, logitChunkRows(V, chunkBytes));
  const chunks = ranges.map(([start, end]) =>
    keptRows(Array.prototype.slice.call(targets, start, end) as number[], end - start, V),
  );
  const total = chunks.reduce((sum, c) => sum + c.count, 0);
  const passes = logitPasses();
  const rowsOf = (x: tf.Tensor2D, i: number) =>
    ranges.length === 1
      ? x
      : (tf.slice(x, [ranges[i][0], 0], [ranges[i][1] - ranges[i][0], x.shape[1]]) as tf.Tensor2D);
  const savedPerChunk: number[] = [];
  return differentiable(
    [h, wte],
    ([hi, w]) => {
      // no tf.tidy here: what the backward keeps must stay owned by the gradient tape (tf.keep would leak it)
      const keep: tf.Tensor[] = [];
      let nll: tf.Scalar = tf.scalar(0);
      chunks.forEach((kept, i) => {
        const rows = rowsOf(hi as tf.Tensor2D, i);
        const logits = headLogits(rows, w as tf.Tensor2D);
        const { lse, saved } = passes.forward(logits, kept);
        const sum = tf.tidy(() => tf.add(nll, sumNll(logits, lse, kept))) as tf.Scalar;
        tf.dispose([nll, ...[logits, lse, rows].filter((t) => t !== hi && !saved.includes(t))]);
        nll = sum;
        keep.push(...saved);
        savedPerChunk[i] = saved.length;
      });
      const value = total === 0 ? tf.scalar(NaN) : (tf.div(nll, total) as tf.Scalar);
      nll.dispose();
      return { value, keep };
    },
    (dy, [hi, w], keep) => {
      let next = 0;
      const dh: tf.Tensor[] = [];
      let dwte: tf.Tensor | null = null;
      chunks.forEach((kept, i) => {
        const g = passes.backward(dy, keep.slice(next, next + savedPerChunk[i]), kept, total);
        next += savedPerChunk[i];
        if (needsGrad(h)) dh.push(tf.matMul(g, w));
        if (needsGrad(wte)) {
          const part = headWeightGrad(g, rowsOf(hi as tf.Tensor2D, i));
          dwte = dwte === null ? part : tf.add(dwte, part);
        }
      });
      return gradsFor([h, wte], [() => (dh.length === 1 ? dh[0] : tf.concat(dh, 0)), () => dwte!]);
    },
  );
}

/** log softmax(logits)[n, targets[n]] for each row (no gradient): [N] as a Float32Array. */
export async function targetLogProbs(logits: tf.Tensor2D, targets: ArrayLike<number>): Promise<Float32Array> {
  const [N, V] = logits.shape;
  const values = tf.tidy(() => {
    const lse = useFusedKernels() ? rowLogSumExp(logits) : tf.logSumExp(logits, 1);
    const flat = Int32Array.from({ length: N }, (_, n) => n * V + targets[n]);
    return tf.sub(tf.gather(tf.reshape(logits, [N * V]), tf.tensor1d(flat, 'int32')), lse);
  });
  const out = (await values.data()) as Float32Array;
  values.dispose();
  return out;
}
