// ops.ts layerNorm on webgpu (the fused programs of models/gpt2/webgpu/layer-norm-*.ts) against the tfjs
// composition on cpu: output, dx, dgain and dbias, at shapes around the workgroup size of 256.
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { layerNorm } from '../../../../models/gpt2/ops.ts';
import { assertClose, fusedAndReference, seeded, skipWithoutWebGpu as skip } from './compare.ts';

/** y = layerNorm(x, gain, bias) and its gradients for the incoming gradient dy (all inputs trainable). */
function layerNormAndGrads(N: number, C: number, seed: number, eps = 1e-5) {
  return (): tf.Tensor[] => {
    const x = tf.tensor2d(seeded(N * C, seed, 2, 0.5), [N, C]);
    const gain = tf.tensor1d(seeded(C, seed + 1, 0.5, 1));
    const bias = tf.tensor1d(seeded(C, seed + 2, 0.5));
    const dy = tf.tensor2d(seeded(N * C, seed + 3), [N, C]);
    const f = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      layerNorm(xi as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, eps);
    const { value, grads } = tf.valueAndGrads(f)([x, gain, bias], dy);
    return [value, ...grads];
  };
}

const NAMES = ['y', 'dx', 'dgain', 'dbias'];

test(
  'fused layerNorm and its gradients equal the tfjs composition, C below, at, between and above multiples of 256',
  { skip },
  async () => {
    const shapes: [number, number][] = [
      [1, 64],
      [4, 7],
      [2, 256],
      [5, 300],
      [3, 768],
      [33, 64],
    ];
    for (const [i, [N, C]] of shapes.entries()) {
      const { fused, reference } = await fusedAndReference(layerNormAndGrads(N, C, 10 * i + 1));
      for (const [k, name] of NAMES.entries()) assertClose(fused[k], reference[k], `[${N}, ${C}] ${name}`);
    }
  },
);

test(
  "fused layerNorm reads eps from its uniform: eps = 0.5, beside these rows' variance of 4/3, as the composition",
  { skip },
  async () => {
    const { fused, reference } = await fusedAndReference(layerNormAndGrads(4, 96, 77, 0.5));
    for (const [k, name] of NAMES.entries()) assertClose(fused[k], reference[k], `eps 0.5 ${name}`);
  },
);

test('fused layerNorm with frozen gain and bias returns dx alone, equal to the composition', { skip }, async () => {
  const [N, C] = [6, 100];
  const { fused, reference } = await fusedAndReference(() => {
    const x = tf.tensor2d(seeded(N * C, 7, 3, -1), [N, C]);
    const gain = tf.variable(tf.tensor1d(seeded(C, 8, 0.5, 1)), false);
    const bias = tf.variable(tf.tensor1d(seeded(C, 9)), false);
    const dy = tf.tensor2d(seeded(N * C, 10), [N, C]);
    const { value, grads } = tf.valueAndGrads((xi: tf.Tensor) => layerNorm(xi as tf.Tensor2D, gain, bias, 1e-5))(
      [x],
      dy,
    );
    tf.dispose([gain, bias]);
    return [value, ...grads];
  });
  for (const [k, name] of ['y', 'dx'].entries()) assertClose(fused[k], reference[k], `frozen ${name}`);
});

test(
  'fused layerNorm forward over more than 65535 rows (tfjs reshapes the dispatch to 2-D, with surplus workgroups)',
  { skip },
  async () => {
    // 65537 rows: a 257 × 257 grid, 512 workgroups past the last row. Rows c − 1.5 + noise keep the variance well
    // away from 0 (a near-constant row of 4 would make both sides' rounding, not the kernel, the difference).
    const [N, C] = [65_537, 4];
    const noise = seeded(N * C, 99, 0.1);
    const { fused, reference } = await fusedAndReference(() => {
      const x = tf.tensor2d(
        noise.map((v, i) => v + (i % C) - 1.5),
        [N, C],
      );
      return [layerNorm(x, tf.tensor1d(seeded(C, 100, 0.5, 1)), tf.tensor1d(seeded(C, 101)), 1e-5)];
    });
    assertClose(fused[0], reference[0], `[${N}, ${C}] y`);
  },
);
