// torch.nn.utils.clip_grad_norm_ (norm_type 2): total = ‖all grads‖₂; if max/(total + 1e-6) < 1, every grad is
// scaled by that coefficient. Replaces the entries of `grads` in place (disposing the originals); returns total.
import * as tf from '@tensorflow/tfjs-core';
import type { Grads } from './optimizer.ts';

export function clipGradNorm(grads: Grads, maxNorm: number): number {
  const names = Object.keys(grads);
  if (names.length === 0) return 0;
  const totalTensor = tf.tidy(() => tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]))))));
  const total = totalTensor.dataSync()[0];
  totalTensor.dispose();
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) {
    for (const n of names) {
      const scaled = tf.mul(grads[n], coef);
      grads[n].dispose();
      grads[n] = scaled;
    }
  }
  return total;
}
