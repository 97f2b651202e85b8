// loss.ts on webgpu (the fused log-sum-exp and d logits programs of models/gpt2/webgpu/cross-entropy.ts) against
// the tfjs composition on cpu: sparseCrossEntropy, lmHeadLoss and targetLogProbs, with GPT-2's vocabulary of 50257,
// ignored rows (-100), and no kept row at all (NaN loss, zero gradient, as torch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { lmHeadLoss, sparseCrossEntropy, targetLogProbs } from '../../../../models/gpt2/loss.ts';
import { IGNORE_INDEX } from '../../../../models/gpt2/batch.ts';
import { crossEntropyLogitGrad, rowLogSumExp } from '../../../../models/gpt2/webgpu/cross-entropy.ts';
import { assertI32Indexable } from '../../../../models/gpt2/webgpu/kernel-shapes.ts';
import { useBackend } from '../../../helpers/backends.ts';
import { assertClose, fusedAndReference, runOn, seeded, skipWithoutWebGpu as skip } from './compare.ts';

const V = 50_257;

/** Loss and d logits of sparseCrossEntropy for logits [N, V] (spread ±scale) and an incoming gradient of 0.7. */
function lossAndGrad(N: number, V: number, targets: number[], scale: number, seed: number) {
  return (): tf.Tensor[] => {
    const logits = tf.tensor2d(seeded(N * V, seed, scale), [N, V]);
    const { value, grads } = tf.valueAndGrads((x: tf.Tensor) => sparseCrossEntropy(x as tf.Tensor2D, targets))(
      [logits],
      tf.scalar(0.7),
    );
    return [value, ...grads];
  };
}

test(
  'fused sparseCrossEntropy and d logits equal the composition: V = 50257 and small V, ignored rows, N = 1',
  { skip },
  async () => {
    const cases: [number, number, number[], number][] = [
      [3, V, [5, IGNORE_INDEX, V - 1], 8],
      [1, V, [0], 3],
      [4, 11, [10, 0, IGNORE_INDEX, 3], 2],
      [2, 300, [299, 256], 20],
    ];
    for (const [i, [N, cols, targets, scale]] of cases.entries()) {
      const { fused, reference } = await fusedAndReference(lossAndGrad(N, cols, targets, scale, 30 * i + 1));
      assertClose(fused[0], reference[0], `[${N}, ${cols}] loss`);
      // an element is softmax·dy/count, ~1e-5 at V = 50257; the target's is ~−dy/count: compare each to itself
      assertClose(fused[1], reference[1], `[${N}, ${cols}] d logits`, { floor: 0 });
    }
  },
);

test('with every row ignored the fused loss is NaN and d logits are zeros, as the composition', { skip }, async () => {
  const { fused, reference } = await fusedAndReference(lossAndGrad(2, V, [IGNORE_INDEX, IGNORE_INDEX], 4, 7));
  assert.ok(
    Number.isNaN(reference[0][0]) && Number.isNaN(fused[0][0]),
    `loss ${fused[0][0]} (reference ${reference[0][0]})`,
  );
  assert.ok(reference[1].every((v) => v === 0) && fused[1].every((v) => v === 0));
});

test('fused lmHeadLoss: loss, dh and dwte equal the composition (tied head of 50257 rows)', { skip }, async () => {
  const [N, C] = [5, 16];
  const targets = [17, IGNORE_INDEX, 50_000, 0, 4242];
  const { fused, reference } = await fusedAndReference(() => {
    const h = tf.tensor2d(seeded(N * C, 40), [N, C]);
    const wte = tf.tensor2d(seeded(V * C, 41, 0.5), [V, C]);
    const f = (hi: tf.Tensor, w: tf.Tensor) => lmHeadLoss(hi as tf.Tensor2D, w as tf.Tensor2D, targets);
    const { value, grads } = tf.valueAndGrads(f)([h, wte]);
    return [value, ...grads];
  });
  for (const [k, name] of ['loss', 'dh', 'dwte'].entries()) assertClose(fused[k], reference[k], name);
});

test('targetLogProbs with the fused log-sum-exp equals the composition', { skip }, async () => {
  const [N, cols] = [3, 1000];
  const logits = seeded(N * cols, 50, 6);
  const targets = [999, 0, 512];
  const read = async (backend: 'cpu' | 'webgpu') => {
    await useBackend(backend);
    const x = tf.tensor2d(logits, [N, cols]);
    const values = await targetLogProbs(x, targets);
    x.dispose();
    return values;
  };
  assertClose(await read('webgpu'), await read('cpu'), 'log probs');
});

test(
  'fused d logits over more than 65535 workgroups (tfjs reshapes the dispatch) equal softmax − onehot in float64',
  { skip },
  async () => {
    // 334 × 50257 = 16.79M elements, 65570 workgroups of 256: a 257 × 257 grid
    const N = 334;
    const logits = seeded(N * V, 60, 5);
    const targets = Int32Array.from({ length: N }, (_, n) => (n % 5 === 4 ? IGNORE_INDEX : (n * 7919) % V));
    const count = targets.filter((t) => t !== IGNORE_INDEX).length;
    const [grad] = await runOn('webgpu', () => {
      const x = tf.tensor2d(logits, [N, V]);
      return [crossEntropyLogitGrad(tf.scalar(1), x, rowLogSumExp(x), tf.tensor1d(targets, 'int32'), count)];
    });
    const expected = new Float64Array(V);
    for (let n = 0; n < N; n++) {
      const row = logits.subarray(n * V, (n + 1) * V);
      let max = -Infinity;
      for (let j = 0; j < V; j++) max = Math.max(max, row[j]);
      let sum = 0;
      for (let j = 0; j < V; j++) sum += Math.exp(row[j] - max);
      const lse = max + Math.log(sum);
      const kept = targets[n] !== IGNORE_INDEX;
      for (let j = 0; j < V; j++)
        expected[j] = kept ? (Math.exp(row[j] - lse) - (j === targets[n] ? 1 : 0)) / count : 0;
      assertClose(grad.subarray(n * V, (n + 1) * V), expected, `row ${n}`, { floor: 0 });
    }
  },
);

test('logits past 2^31 − 1 elements (i32 indices) are refused with the shape and what to do', () => {
  assert.doesNotThrow(() => assertI32Indexable('row_log_sum_exp', [42_000, V]));
  assert.throws(
    () => assertI32Indexable('row_log_sum_exp', [65_536, V]),
    /row_log_sum_exp: a \[65536, 50257\] tensor has 3293642752 elements, more than the 2\^31 − 1 .*split the batch/,
  );
});
