// lmHeadLoss over row chunks (so no [N, V] logits buffer outgrows a GPU's storage-binding limit) gives the loss and
// gradients of the single-chunk computation, on every backend here, with chunks that count no row at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import {
  CPU_LOGIT_CHUNK_BYTES,
  lmHeadLoss,
  logitChunkBudget,
  logitChunkRows,
  LOGIT_CHUNK_BYTES,
} from '../../../models/gpt2/loss.ts';
import { availableBackends, useBackend } from '../../helpers/backends.ts';

const N = 11;
const C = 6;
const V = 50;
const TARGETS = Int32Array.from([4, 49, -100, -100, -100, 0, 7, 7, -100, 13, 2]);

/** Loss, dh and dwte for chunks of `rows` rows (rows = N: one chunk). */
async function lossAndGrads(rows: number): Promise<{ loss: number; dh: Float32Array; dw: Float32Array }> {
  const [h, w] = tf.tidy(() => [
    tf.variable(tf.randomNormal([N, C], 0, 1, 'float32', 1)),
    tf.variable(tf.randomNormal([V, C], 0, 1, 'float32', 2)),
  ]);
  const { value, grads } = tf.variableGrads(
    () => lmHeadLoss(h as unknown as tf.Tensor2D, w as unknown as tf.Tensor2D, TARGETS, rows * V * 4),
    [h, w],
  );
  const out = {
    loss: (await value.data())[0],
    dh: (await grads[h.name].data()) as Float32Array,
    dw: (await grads[w.name].data()) as Float32Array,
  };
  tf.dispose([h, w, value, ...Object.values(grads)]);
  return out;
}

function assertClose(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length, label);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= 1e-6 + 1e-5 * Math.abs(expected[i]),
      `${label}[${i}]: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

for (const backend of await availableBackends()) {
  test(`lmHeadLoss in chunks of 1, 3 and 4 rows equals one chunk (${backend})`, async () => {
    await useBackend(backend);
    const before = tf.memory().numTensors;
    const whole = await lossAndGrads(N);
    for (const rows of [1, 3, 4]) {
      const parts = await lossAndGrads(rows);
      assert.ok(
        Math.abs(parts.loss - whole.loss) <= 1e-5 * Math.abs(whole.loss),
        `loss, chunks of ${rows}: ${parts.loss} vs ${whole.loss}`,
      );
      assertClose(parts.dh, whole.dh, `dh, chunks of ${rows}`);
      assertClose(parts.dw, whole.dw, `dwte, chunks of ${rows}`);
    }
    assert.equal(tf.memory().numTensors, before);
  });
}

test('chunk rows keep [rows, V] float32 within the budget, at least one row', async () => {
  assert.equal(logitChunkRows(50257, 64 * 1024 * 1024), 333);
  assert.equal(logitChunkRows(50257, 100), 1);
  for (const backend of await availableBackends()) {
    await useBackend(backend);
    const budget = backend === 'webgpu' ? LOGIT_CHUNK_BYTES : CPU_LOGIT_CHUNK_BYTES;
    assert.equal(logitChunkBudget(), budget, backend);
    assert.ok(logitChunkRows(50257) * 50257 * 4 <= budget, backend);
    // the CPU backends have no binding limit to cut it further
    if (backend !== 'webgpu') assert.equal(logitChunkRows(50257), Math.floor(budget / (4 * 50257)), backend);
  }
});
