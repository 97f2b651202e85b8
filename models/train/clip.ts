// torch.nn.utils.clip_grad_norm_ (norm_type 2, foreach off), on the device, with no read back to the host:
//   total = ‖all grads‖₂;  coef = clamp(max / (total + 1e-6), max=1);  every grad ← grad · coef
// As torch, every gradient is multiplied, also when coef is 1 (x · 1.0 is x exactly, so nothing changes then), and
// coef is computed in float32 as torch does. Replaces the entries of `grads` in place (disposing the originals).
import * as tf from '@tensorflow/tfjs-core';
import type { Grads } from './optimizer.ts';

/** Clips `grads` in place; returns the total norm before clipping as a scalar tensor the caller disposes. */
export function clipGradNorm(grads: Grads, maxNorm: number): tf.Scalar {
  const names = Object.keys(grads);
  if (names.length === 0) return tf.scalar(0);
  const total = tf.tidy(() => tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]))))) as tf.Scalar);
  const coef = tf.tidy(() => tf.minimum(tf.div(tf.scalar(maxNorm), tf.add(total, tf.scalar(1e-6))), tf.scalar(1)));
  for (const n of names) {
    const scaled = tf.mul(grads[n], coef);
    grads[n].dispose();
    grads[n] = scaled;
  }
  coef.dispose();
  return total;
}
