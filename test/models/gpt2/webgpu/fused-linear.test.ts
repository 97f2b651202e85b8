// GPT-2's c_fc + gelu_new and c_proj + residual through the tiled matmul's epilogues on webgpu (ops.ts
// conv1dGeluNew, conv1dResidual) against the tfjs composition on cpu: values and every input's gradient when
// training, and the single-program path taken when no input needs a gradient (evaluation). K = 600 is blocked.
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { conv1dGeluNew, conv1dResidual } from '../../../../models/gpt2/ops.ts';
import { assertClose, fusedAndReference, seeded, skipWithoutWebGpu as skip } from './compare.ts';

const SHAPES: [number, number, number][] = [
  [37, 48, 200],
  [5, 600, 33],
];

function operands(N: number, K: number, O: number) {
  return {
    x: tf.tensor2d(seeded(N * K, 1), [N, K]),
    w: tf.tensor2d(seeded(K * O, 2, 0.2), [K, O]),
    b: tf.tensor1d(seeded(O, 3)),
    r: tf.tensor2d(seeded(N * O, 4), [N, O]),
    dy: tf.tensor2d(seeded(N * O, 5), [N, O]),
  };
}

const OPS = {
  'conv1dGeluNew (c_fc)': (o: ReturnType<typeof operands>) => ({
    inputs: [o.x, o.w, o.b],
    f: (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
      conv1dGeluNew(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D),
  }),
  'conv1dResidual (c_proj)': (o: ReturnType<typeof operands>) => ({
    inputs: [o.x, o.w, o.b, o.r],
    f: (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, r: tf.Tensor) =>
      conv1dResidual(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, r as tf.Tensor2D),
  }),
};

for (const [name, make] of Object.entries(OPS)) {
  test(`${name}: value and gradients of every input match the tfjs composition`, { skip }, async () => {
    for (const [N, K, O] of SHAPES) {
      const { fused, reference } = await fusedAndReference(() => {
        const o = operands(N, K, O);
        const { inputs, f } = make(o);
        const call = f as (...t: tf.Tensor[]) => tf.Tensor;
        const { value, grads } = tf.valueAndGrads((...t: tf.Tensor[]) => call(...t))(inputs, o.dy);
        return [value, ...grads];
      });
      ['value', 'dx', 'dW', 'db', 'dresidual'].slice(0, fused.length).forEach((what, i) => {
        assertClose(fused[i], reference[i], `${name} ${N}x${K}x${O} ${what}`, 1e-4);
      });
    }
  });

  test(`${name}: with no input needing a gradient (evaluation), the value matches`, { skip }, async () => {
    for (const [N, K, O] of SHAPES) {
      const { fused, reference } = await fusedAndReference(() => {
        const o = operands(N, K, O);
        const { inputs, f } = make(o);
        const frozen = inputs.map((t) => tf.variable(t, false));
        const value = (f as (...t: tf.Tensor[]) => tf.Tensor)(...frozen);
        tf.dispose(frozen);
        return [value];
      });
      assertClose(fused[0], reference[0], `${name} ${N}x${K}x${O} value`, 1e-4);
    }
  });
}
