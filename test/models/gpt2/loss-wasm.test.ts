// On wasm the cross-entropy's softmax comes from the backend's Softmax kernel (XNNPACK) and the log-sum-exp is read
// from it (max − log max p): loss and d logits against the plain tfjs ops (log-sum-exp, gather, their gradients) on
// the same backend, at GPT-2's vocabulary and with logits spread wide enough that most probabilities underflow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../models/backend/select.ts';
import { sparseCrossEntropy } from '../../../models/gpt2/loss.ts';

const V = 50257;
const TARGETS = Int32Array.from([17, -100, 50256, 0, 31337]);
const N = TARGETS.length;

const KEPT = [...TARGETS.keys()].filter((n) => TARGETS[n] !== -100);

/** The mean over kept rows of logSumExp(x) − x[target] by tfjs's own ops, and its gradient in closed form,
 * (exp(x − logSumExp(x)) − onehot) / kept rows on kept rows, 0 elsewhere (tfjs-core's Node build registers no
 * gradients to take it from). */
function plainCrossEntropy(x: tf.Tensor2D): { value: tf.Scalar; grad: tf.Tensor2D } {
  return tf.tidy(() => {
    const lse = tf.logSumExp(x, 1, true); // [N, 1]
    const picked = tf.gather(
      tf.reshape(x, [N * V]),
      tf.tensor1d(
        KEPT.map((n) => n * V + TARGETS[n]),
        'int32',
      ),
    );
    const lseKept = tf.gather(tf.reshape(lse, [N]), tf.tensor1d(KEPT, 'int32'));
    const value = tf.div(tf.sum(tf.sub(lseKept, picked)), KEPT.length) as tf.Scalar;
    const onehot = tf.oneHot(
      tf.tensor1d(
        Array.from(TARGETS, (t) => Math.max(t, 0)),
        'int32',
      ),
      V,
    );
    const mask = tf.tensor2d(
      Array.from(TARGETS, (t) => (t === -100 ? 0 : 1 / KEPT.length)),
      [N, 1],
    );
    const grad = tf.mul(tf.sub(tf.exp(tf.sub(x, lse)), onehot), mask) as tf.Tensor2D;
    return { value, grad };
  });
}

/** The same in float64 from the logits' values: the reference both are measured against. */
function float64CrossEntropy(x: Float32Array): { value: number; grad: Float64Array } {
  const grad = new Float64Array(N * V);
  let sum = 0;
  for (const n of KEPT) {
    const row = x.subarray(n * V, (n + 1) * V);
    const max = row.reduce((m, v) => Math.max(m, v), -Infinity);
    const total = row.reduce((s, v) => s + Math.exp(v - max), 0);
    sum += max + Math.log(total) - row[TARGETS[n]];
    for (let v = 0; v < V; v++)
      grad[n * V + v] = (Math.exp(row[v] - max) / total - (v === TARGETS[n] ? 1 : 0)) / KEPT.length;
  }
  return { value: sum / KEPT.length, grad };
}

/** The largest |actual − expected|. */
function largestDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  return worst;
}

// × 30: rows whose softmax is a few entries, the rest underflowing; there tfjs's exp(x − lse) loses digits to the
// rounding of x − lse (lse ≈ 100), so both are measured against float64, and ours may not be further from it.
for (const spread of [1, 30])
  test(`wasm cross-entropy equals tfjs's log-sum-exp and its gradient (logits × ${spread})`, async () => {
    await selectBackend('wasm');
    const before = tf.memory().numTensors;
    const logits = tf.tidy(() => tf.mul(tf.randomNormal([N, V], 0, 1, 'float32', spread), spread)) as tf.Tensor2D;
    const ours = tf.valueAndGrad((x: tf.Tensor) => sparseCrossEntropy(x as tf.Tensor2D, TARGETS))(logits);
    const plain = plainCrossEntropy(logits);
    const exact = float64CrossEntropy(logits.dataSync() as Float32Array);
    const value = ours.value.dataSync()[0];
    const plainValue = plain.value.dataSync()[0];
    assert.ok(Math.abs(value - plainValue) <= 1e-6 * Math.abs(plainValue), `loss ${value} vs tfjs's ${plainValue}`);
    assert.ok(
      Math.abs(value - exact.value) <= Math.max(1e-6 * exact.value, Math.abs(plainValue - exact.value)),
      `loss ${value}, tfjs's ${plainValue}, float64 ${exact.value}`,
    );
    const [ourError, plainError] = [ours.grad, plain.grad].map((g) => largestDifference(g.dataSync(), exact.grad));
    const scale = exact.grad.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
    assert.ok(
      ourError <= Math.max(1e-6 * scale, plainError),
      `d logits: ours ${ourError}, tfjs's ${plainError} from float64 (largest |d| ${scale})`,
    );
    tf.dispose([logits, ours.value, ours.grad, plain.value, plain.grad]);
    assert.equal(tf.memory().numTensors, before);
  });
