// The fused causal self-attention (models/gpt2/webgpu/attention-*.ts) against the composite causalSelfAttention
// on cpu: y, the row log-sum-exp L and d qkv, at T below, at and past the 64-row block (1, 7, 64, 130) and head
// sizes 16 and 64 (and 128 once), without and with dropout — the reference gets the fused kernels' own mask (the
// mask program).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { attentionBias, causalSelfAttention } from '../../../../models/gpt2/attention.ts';
import { attentionForward } from '../../../../models/gpt2/webgpu/attention-forward.ts';
import { fusedCausalSelfAttention } from '../../../../models/gpt2/webgpu/attention-fused.ts';
import {
  attentionDropoutMask,
  type AttentionDropout,
  type FusedAttentionShape,
} from '../../../../models/gpt2/webgpu/attention-wgsl.ts';
import { runOn, seeded, skipWithoutWebGpu as skip } from './compare.ts';

/**
 * |actual − expected| ≤ 1e-6 + 1e-5·|expected| elementwise (inputs are of order 1). The absolute part matters where
 * the exact value is 0 or cancels: e.g. T 1 with the key kept, where dS = P·(dO·v·keep − D) with D = dO·y is zero
 * only up to rounding (the composite's P·(dP − Σ dP·P) cancels exactly).
 */
function assertNear(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    const allowed = 1e-6 + 1e-5 * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= allowed))
      assert.fail(
        `${label}: element ${i} is ${actual[i]}, expected ${expected[i]} (allowed ±${allowed.toExponential(2)})`,
      );
  }
}

interface Case {
  shape: FusedAttentionShape;
  dropout: AttentionDropout | null;
  seed: number;
}

const CASES: Case[] = [1, 7, 64, 130]
  .flatMap((T, t) =>
    [16, 64].flatMap((hs, h) =>
      [false, true].map((drop, d) => ({
        shape: { B: 2, T, nh: hs === 16 ? 3 : 2, hs },
        dropout: drop ? { rate: 0.1, seed: 0x9e3779b9 + 17 * T + hs } : null,
        seed: 100 * t + 10 * h + d + 1,
      })),
    ),
  )
  .concat([{ shape: { B: 2, T: 70, nh: 2, hs: 128 }, dropout: { rate: 0.1, seed: 77 }, seed: 901 }]); // hs 128: 8-row tiles

/** qkv [N, 3C] with scores of order 1 (so the softmax is neither flat nor one-hot), and dY [N, C]. */
function inputs({ shape: { B, T, nh, hs }, seed }: Case): { qkv: tf.Tensor2D; dy: tf.Tensor2D } {
  const N = B * T;
  const C = nh * hs;
  return {
    qkv: tf.tensor2d(seeded(N * 3 * C, seed, 1.5), [N, 3 * C]),
    dy: tf.tensor2d(seeded(N * C, seed + 1), [N, C]),
  };
}

/** The composite's row log-sum-exp of the scaled, masked scores: (B·nh·T). */
function logSumExpRef(qkv: tf.Tensor2D, { B, T, nh, hs }: FusedAttentionShape, bias: tf.Tensor): tf.Tensor {
  const heads = tf.transpose(tf.reshape(qkv, [B, T, 3 * nh, hs]), [0, 2, 1, 3]);
  const [q, k] = tf.split(heads, 3, 1);
  return tf.reshape(tf.logSumExp(tf.add(tf.matMul(tf.mul(q, 1 / Math.sqrt(hs)), k, false, true), bias), -1), [-1]);
}

for (const c of CASES) {
  const { B, T, nh, hs } = c.shape;
  const label = `B ${B}, nh ${nh}, T ${T}, hs ${hs}, ${c.dropout ? 'dropout 0.1' : 'no dropout'}`;
  test(`fused attention: y, L and d qkv equal the composite on cpu (${label})`, { skip }, async () => {
    // runOn checks that each side leaves the engine's tensor count as it found it
    const [y, L, dqkv, mask] = await runOn('webgpu', () => {
      const { qkv, dy } = inputs(c);
      const { value: yValue, grad } = tf.valueAndGrad((x: tf.Tensor) =>
        fusedCausalSelfAttention(x as tf.Tensor2D, c.shape, c.dropout),
      )(qkv, dy);
      const { L: logSumExp } = attentionForward(qkv, c.shape, c.dropout);
      return [yValue, logSumExp, grad, c.dropout ? attentionDropoutMask(c.shape, c.dropout) : tf.zeros([0])];
    });
    const [yRef, LRef, dqkvRef] = await runOn('cpu', () => {
      const { qkv, dy } = inputs(c);
      const bias = attentionBias(B, T, 0, undefined);
      const dropMask = c.dropout ? tf.tensor4d(mask, [B, nh, T, T]) : null;
      const { value, grad } = tf.valueAndGrad((x: tf.Tensor) =>
        causalSelfAttention(x as tf.Tensor2D, c.shape, bias, dropMask),
      )(qkv, dy);
      return [value, logSumExpRef(qkv, c.shape, bias), grad];
    });
    assertNear(y, yRef, `${label}: y`);
    assertNear(L, LRef, `${label}: L`);
    assertNear(dqkv, dqkvRef, `${label}: d qkv`);
    if (c.dropout) assert.ok(mask.some((v) => v === 0) || T * T * B * nh < 20, `${label}: the mask drops something`);
  });
}
