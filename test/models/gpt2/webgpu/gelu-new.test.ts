// ops.ts geluNew on webgpu (one fused program each way, models/gpt2/webgpu/gelu-new.ts) against the tfjs
// composition on cpu and against the formula in float64, for values from the linear region to tanh's saturation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { geluNew } from '../../../../models/gpt2/ops.ts';
import { geluNewForward } from '../../../../models/gpt2/webgpu/gelu-new.ts';
import { assertClose, fusedAndReference, runOn, seeded, skipWithoutWebGpu as skip } from './compare.ts';

const C = Math.sqrt(2 / Math.PI);

/** gelu_new(x) and dy·gelu_new'(x) in float64. */
function geluExact(x: number, dy: number): [number, number] {
  const t = Math.tanh(C * (x + 0.044715 * x ** 3));
  return [0.5 * x * (1 + t), dy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * C * (1 + 3 * 0.044715 * x * x))];
}

const CASES: [number, number, number][] = [
  [1, 1, 1],
  [3, 333, 3],
  [64, 300, 12],
  [2, 3072, 0.01],
];

function inputs(N: number, C: number, scale: number, seed: number) {
  return { x: seeded(N * C, seed, scale), dy: seeded(N * C, seed + 1) };
}

test(
  'fused geluNew and its gradient equal the tfjs composition, sizes off the workgroup size, |x| up to 12',
  { skip },
  async () => {
    for (const [i, [N, C, scale]] of CASES.entries()) {
      const { x, dy } = inputs(N, C, scale, 20 * i + 3);
      const { fused, reference } = await fusedAndReference(() => {
        const { value, grads } = tf.valueAndGrads((xi: tf.Tensor) => geluNew(xi as tf.Tensor2D))(
          [tf.tensor2d(x, [N, C])],
          tf.tensor2d(dy, [N, C]),
        );
        return [value, ...grads];
      });
      const label = `[${N}, ${C}] |x| < ${scale}`;
      assertClose(fused[0], reference[0], `${label}: y`);
      // the composition forms 1 + tanh(z) in float32: for z < −8 only multiples of 6e-8, times x·(1 + 0.134x²) in dx
      assertClose(fused[1], reference[1], `${label}: dx`, { atol: 1e-6 });
    }
  },
);

test(
  'fused geluNew and its gradient equal the formula in float64, including the saturated tail',
  { skip },
  async () => {
    for (const [i, [N, C, scale]] of CASES.entries()) {
      const { x, dy } = inputs(N, C, scale, 20 * i + 3);
      const [y, dx] = await runOn('webgpu', () => {
        const { value, grads } = tf.valueAndGrads((xi: tf.Tensor) => geluNew(xi as tf.Tensor2D))(
          [tf.tensor2d(x, [N, C])],
          tf.tensor2d(dy, [N, C]),
        );
        return [value, ...grads];
      });
      const exact = Array.from(x, (v, k) => geluExact(v, dy[k]));
      const label = `[${N}, ${C}] |x| < ${scale}`;
      assertClose(
        y,
        exact.map(([value]) => value),
        `${label}: y`,
        { floor: 1e-3 },
      );
      assertClose(
        dx,
        exact.map(([, grad]) => grad),
        `${label}: dx`,
        { floor: 1e-2 },
      );
    }
  },
);

test(
  'fused geluNew over more than 65535 workgroups (tfjs reshapes the dispatch) matches the formula in float64',
  { skip },
  async () => {
    const size = 65_536 * 256 + 1000; // 65540 workgroups of 256: a 257 × 257 grid
    const x = seeded(size, 5, 4);
    const [y] = await runOn('webgpu', () => [geluNewForward(tf.tensor1d(x))]);
    assert.equal(y.length, size);
    // every 7th element (a wrong index or an unwritten workgroup spoils runs of 256); Math.tanh on all 16.8M is slow
    const at = Int32Array.from({ length: Math.ceil(size / 7) }, (_, k) => 7 * k);
    assertClose(
      Float32Array.from(at, (i) => y[i]),
      Float64Array.from(at, (i) => geluExact(x[i], 1)[0]),
      'reshaped dispatch y',
    );
  },
);
