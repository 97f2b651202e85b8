// Differentiable building blocks as tf.customGrad. Why: the Node (CommonJS) build of @tensorflow/tfjs-core 4.22
// registers no gradients at all (register_all_gradients exists only in the ESM dist, whose extensionless imports
// Node cannot load), so anything on the tape must bring its own backward. Each op's backward is a few big ops.
import * as tf from '@tensorflow/tfjs-core';
import { rowSegmentSum } from '../backend/webgpu/row-segment-sum.ts';
import { onWebGpu } from '../backend/webgpu/run-program.ts';

/** rows of x [R, C] at `rows` → [n, C]; backward scatter-adds into [R, C]. Rows equal to `noGradRow` get no gradient. */
export function takeRows(x: tf.Tensor2D, rows: Int32Array, noGradRow?: number): tf.Tensor2D {
  const op = tf.customGrad((...args: unknown[]) => {
    const xi = args[0] as tf.Tensor2D;
    const value = tf.gather(xi, tf.tensor1d(rows, 'int32')) as tf.Tensor2D;
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) =>
        tf.tidy(() => {
          // webgpu: a sum in a fixed order (its UnsortedSegmentSum adds with atomics, differently each run)
          if (onWebGpu()) return [rowSegmentSum(dy as tf.Tensor2D, rows, xi.shape[0], noGradRow)];
          let g = dy as tf.Tensor2D;
          if (noGradRow !== undefined && rows.includes(noGradRow)) {
            g = tf.mul(
              g,
              tf.tensor2d(
                Array.from(rows, (r) => (r === noGradRow ? 0 : 1)),
                [rows.length, 1],
              ),
            );
          }
          return [tf.unsortedSegmentSum(g, tf.tensor1d(rows, 'int32'), xi.shape[0])];
        }),
    };
  });
  return op(x) as tf.Tensor2D;
}

/** [a | b] along columns: a [R, Ca], b [R, Cb] → [R, Ca + Cb]. */
export function concatColumns(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const ca = a.shape[1];
  const cb = b.shape[1];
  const op = tf.customGrad((...args: unknown[]) => ({
    value: tf.concat([args[0] as tf.Tensor2D, args[1] as tf.Tensor2D], 1) as tf.Tensor2D,
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.split(dy as tf.Tensor2D, [ca, cb], 1),
  }));
  return op(a, b) as tf.Tensor2D;
}

/** x·mask with a constant mask of x's shape (dropout); no gradient flows to the mask. */
export function multiplyByMask<T extends tf.Tensor>(x: T, mask: tf.Tensor): T {
  const op = tf.customGrad((...args: unknown[]) => {
    const [xi, m] = args as [tf.Tensor, tf.Tensor];
    (args[2] as tf.GradSaveFunc)([m]);
    return {
      value: tf.mul(xi, m),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [
        tf.mul(dy as tf.Tensor, saved[0]),
        tf.zerosLike(saved[0]),
      ],
    };
  });
  return op(x, mask) as T;
}

/** Inverted dropout: zero with probability p, scale the rest by 1/(1 − p); the mask comes from `seed`. */
export function dropout<T extends tf.Tensor>(x: T, p: number, seed: number): T {
  const mask = tf.tidy(() =>
    tf.mul(tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', seed), p), 'float32'), 1 / (1 - p)),
  );
  const out = multiplyByMask(x, mask);
  mask.dispose();
  return out;
}

/** x [B, in] · Wᵀ + b, W [out, in] (torch nn.Linear layout), b [out] → [B, out]. */
export function linear(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  const op = tf.customGrad((...args: unknown[]) => {
    const [xi, w, b] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    (args[3] as tf.GradSaveFunc)([xi, w]);
    return {
      value: tf.add(tf.matMul(xi, w, false, true), b) as tf.Tensor2D, // not tf.fused.matMul: wrong on wasm with transposeB + bias
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const g = dy as tf.Tensor2D;
        const [sx, sw] = saved as tf.Tensor2D[];
        return [tf.matMul(g, sw), tf.matMul(g, sx, true, false), tf.sum(g, 0)];
      },
    };
  });
  return op(x, weight, bias) as tf.Tensor2D;
}
