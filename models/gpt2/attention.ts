// Multi-head causal self-attention on c_attn's output. One matmul produced q, k and v together (qkv [N, 3C],
// N = B*T); one transpose splits them into heads; a single additive bias applies the causal (and padding) mask.
// Shapes: B batch, T new positions, P cached positions, nh heads, hs = C / nh.
// On webgpu, training/eval without a cache or padding takes the fused kernels instead (webgpu/attention-fused.ts).
import * as tf from '@tensorflow/tfjs-core';
import { differentiable } from './ops.ts';

/**
 * Additive mask values, as transformers' eager attention ends up with them: a key after the query is out of reach
 * (float32's lowest: its weight is exactly 0 even when every key of the row is masked), a padding key far below any
 * score (its weight is 0 beside a real key). A query whose every reachable key is padding (a row of padding only)
 * thus attends uniformly over its causal window, as eager's finfo.min + finfo.min gives, never NaN.
 */
const FUTURE = -3.4028234663852886e38;
const PADDING = -1e9;

export interface AttentionShape {
  B: number;
  T: number;
  nh: number;
  hs: number;
}

/** qkv [N, 3C] → q, k, v each (B, nh, T, hs). */
function splitHeads(qkv: tf.Tensor, { B, T, nh, hs }: AttentionShape): tf.Tensor4D[] {
  const heads = tf.transpose(tf.reshape(qkv, [B, T, 3 * nh, hs]), [0, 2, 1, 3]); // (B, 3nh, T, hs)
  return tf.split(heads, 3, 1) as tf.Tensor4D[];
}

/** (B, nh, T, hs) → [N, C]. */
function mergeHeads(y: tf.Tensor, { B, T, nh, hs }: AttentionShape): tf.Tensor2D {
  return tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, nh * hs]) as tf.Tensor2D;
}

/**
 * Training/eval attention without a cache: qkv [N, 3C] → y [N, C] (before c_proj). `bias` is the additive mask
 * from attentionBias; `dropMask` (same shape as the probabilities, already scaled by 1/(1-p)) is attention dropout.
 */
export function causalSelfAttention(
  qkv: tf.Tensor2D,
  shape: AttentionShape,
  bias: tf.Tensor,
  dropMask: tf.Tensor | null,
): tf.Tensor2D {
  const scale = 1 / Math.sqrt(shape.hs);
  const constants = dropMask ? [bias, dropMask] : [bias];
  return differentiable(
    [qkv],
    ([x]) => {
      const [qs, k, v, probs] = tf.tidy(() => {
        const [q, k4, v4] = splitHeads(x, shape);
        const qScaled = tf.mul(q, scale);
        const p = tf.softmax(tf.add(tf.matMul(qScaled, k4, false, true), bias)); // (B, nh, T, T)
        return [qScaled, k4, v4, p];
      });
      const value = tf.tidy(() => mergeHeads(tf.matMul(dropMask ? tf.mul(probs, dropMask) : probs, v), shape));
      return { value, keep: [qs, k, v, probs, ...constants] };
    },
    (dy, _inputs, [qs, k, v, probs, , drop]) => {
      const dyh = tf.transpose(tf.reshape(dy, [shape.B, shape.T, shape.nh, shape.hs]), [0, 2, 1, 3]); // (B, nh, T, hs)
      const used = drop ? tf.mul(probs, drop) : probs;
      const dv = tf.matMul(used, dyh, true, false);
      let dprobs = tf.matMul(dyh, v, false, true);
      if (drop) dprobs = tf.mul(dprobs, drop);
      // softmax backward: p * (dp - Σ dp·p)
      const dscores = tf.mul(probs, tf.sub(dprobs, tf.sum(tf.mul(dprobs, probs), -1, true)));
      const dq = tf.mul(tf.matMul(dscores, k), scale);
      const dk = tf.matMul(dscores, qs, true, false);
      const dheads = tf.concat([dq, dk, dv], 1); // (B, 3nh, T, hs)
      return [tf.reshape(tf.transpose(dheads, [0, 2, 1, 3]), [shape.B * shape.T, 3 * shape.nh * shape.hs])];
    },
  );
}

/** Generation attention (no gradient): appends this step's keys/values to the cache. y [N, C]; k, v (B, nh, P+T, hs). */
export function cachedSelfAttention(
  qkv: tf.Tensor2D,
  shape: AttentionShape,
  bias: tf.Tensor,
  past: { k: tf.Tensor4D; v: tf.Tensor4D } | undefined,
): { y: tf.Tensor2D; k: tf.Tensor4D; v: tf.Tensor4D } {
  return tf.tidy(() => {
    const [q, kNew, vNew] = splitHeads(qkv, shape);
    const k = past ? (tf.concat([past.k, kNew], 2) as tf.Tensor4D) : kNew;
    const v = past ? (tf.concat([past.v, vNew], 2) as tf.Tensor4D) : vNew;
    const probs = tf.softmax(tf.add(tf.matMul(tf.mul(q, 1 / Math.sqrt(shape.hs)), k, false, true), bias));
    return { y: mergeHeads(tf.matMul(probs, v), shape), k, v };
  });
}

/**
 * Additive mask for the scores: 0 where query position P+t may see key position j (j <= P+t and, with padding,
 * attentionMask[b][j] = 1), FUTURE past the query, PADDING at a padding key. (T, P+T) without padding;
 * (B, 1, T, P+T) with.
 */
export function attentionBias(B: number, T: number, P: number, padding: number[][] | undefined): tf.Tensor {
  const Tk = P + T;
  if (!padding) {
    const bias = new Float32Array(T * Tk);
    for (let t = 0; t < T; t++) bias.fill(FUTURE, t * Tk + P + t + 1, (t + 1) * Tk);
    return tf.tensor2d(bias, [T, Tk]);
  }
  if (padding.length !== B || padding.some((row) => row.length !== Tk)) {
    throw new Error(`attentionMask must be [${B}][${Tk}] (batch × cached + new positions)`);
  }
  const bias = new Float32Array(B * T * Tk);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const row = (b * T + t) * Tk;
      for (let j = 0; j < Tk; j++)
        if (j > P + t) bias[row + j] = FUTURE;
        else if (padding[b][j] === 0) bias[row + j] = PADDING;
    }
  }
  return tf.tensor4d(bias, [B, 1, T, Tk]);
}
