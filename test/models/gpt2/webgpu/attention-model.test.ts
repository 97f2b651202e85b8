// GPT-2 with the fused attention on webgpu: the model takes it (no Softmax kernel runs) and agrees with the
// composite path; the in-kernel dropout RNG drops at its rate, reproducibly from the seed, and its mask program
// gives exactly the factors the kernels apply (attention.test.ts checks those against the composite).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { createGpt2 } from '../../../../models/gpt2/load.ts';
import { disposeGpt2Model, gpt2Loss, type Gpt2Model } from '../../../../models/gpt2/model.ts';
import { FUSED_KERNELS_FLAG } from '../../../../models/backend/webgpu/run-program.ts';
import { attentionDropoutMask } from '../../../../models/gpt2/webgpu/attention-wgsl.ts';
import { useBackend } from '../../../helpers/backends.ts';
import { assertClose, skipWithoutWebGpu as skip } from './compare.ts';

// T 70 crosses the 64-row block; hs 16.
const IDS = [0, 1].map((b) => Array.from({ length: 70 }, (_, t) => (7 * t + 13 * b + 3) % 40));

function smallGpt2(attnPdrop: number): Gpt2Model {
  return createGpt2(
    {
      n_layer: 2,
      n_head: 2,
      n_embd: 32,
      n_positions: 80,
      vocab_size: 40,
      embd_pdrop: 0,
      attn_pdrop: attnPdrop,
      resid_pdrop: 0,
    },
    5,
  );
}

/** The loss and every parameter's gradient, read back, and the names of the tfjs kernels that ran. */
async function lossAndGrads(model: Gpt2Model, fused: boolean, options: Parameters<typeof gpt2Loss>[2] = {}) {
  tf.env().set(FUSED_KERNELS_FLAG, fused);
  try {
    const before = tf.memory().numTensors;
    const info = await tf.profile(
      () =>
        tf.variableGrads(
          () => gpt2Loss(model, IDS, options),
          Object.values(model.params),
        ) as unknown as tf.TensorContainer,
    );
    const { value, grads } = info.result as unknown as { value: tf.Scalar; grads: Record<string, tf.Tensor> };
    const loss = (await value.data())[0];
    const gradValues = await Promise.all(Object.values(grads).map(async (g) => Float32Array.from(await g.data())));
    tf.dispose([value, ...Object.values(grads)]);
    assert.equal(tf.memory().numTensors, before, 'a loss and its gradients leave no tensor behind');
    return { loss, grads: gradValues, kernels: info.kernelNames };
  } finally {
    tf.env().set(FUSED_KERNELS_FLAG, true);
  }
}

describe('GPT-2 with the fused attention on webgpu', { skip }, () => {
  before(async () => {
    if (!skip) await useBackend('webgpu');
  });

  it("runs the fused kernels (no Softmax) and gives the composite path's loss and gradients", async () => {
    const model = smallGpt2(0);
    const fused = await lossAndGrads(model, true);
    const composite = await lossAndGrads(model, false);
    assert.ok(!fused.kernels.includes('Softmax'), `fused path ran ${fused.kernels.join(', ')}`);
    assert.ok(composite.kernels.includes('Softmax'), 'the flag sends the model through the composite attention');
    assert.ok(
      Math.abs(fused.loss - composite.loss) <= 1e-5 * composite.loss,
      `loss ${fused.loss} vs ${composite.loss}`,
    );
    // 1e-4: the two paths round differently through two layers and the head (observed ≤ 1.3e-5)
    for (const [i, g] of fused.grads.entries())
      assertClose(g, composite.grads[i], `gradient ${Object.keys(model.params)[i]}`, 1e-4);
    disposeGpt2Model(model);
  });

  it('applies attention dropout in training: reproducible from the seed, another seed differs, eval has none', async () => {
    const model = smallGpt2(0.1);
    const a = await lossAndGrads(model, true, { training: true, seed: 21 });
    const again = await lossAndGrads(model, true, { training: true, seed: 21 });
    const other = await lossAndGrads(model, true, { training: true, seed: 22 });
    const evaluation = await lossAndGrads(model, true);
    assert.equal(a.loss, again.loss);
    assert.deepEqual(a.grads, again.grads);
    assert.notEqual(a.loss, other.loss);
    assert.notEqual(a.loss, evaluation.loss);
    assert.ok(!a.kernels.includes('RandomUniform') && !a.kernels.includes('Softmax'), 'no (B, nh, T, T) mask is drawn');
    disposeGpt2Model(model);
  });

  it('draws masks of 0 and 1/(1 − p) at rate p, per seed and per head', async () => {
    const shape = { B: 2, T: 150, nh: 3, hs: 64 };
    const read = async (seed: number) => {
      const mask = attentionDropoutMask(shape, { rate: 0.1, seed });
      const values = (await mask.data()) as Float32Array;
      mask.dispose();
      return values;
    };
    const [m, same, other] = [await read(7), await read(7), await read(8)];
    const scale = Math.fround(1 / 0.9);
    assert.ok(
      m.every((v) => v === 0 || v === scale),
      'factors are 0 or float32(1 / (1 − p))',
    );
    const dropped = m.filter((v) => v === 0).length / m.length;
    const sigma = Math.sqrt((0.1 * 0.9) / m.length);
    assert.ok(Math.abs(dropped - 0.1) < 4 * sigma, `dropped fraction ${dropped}`);
    assert.deepEqual(same, m);
    assert.ok(
      other.some((v, i) => v !== m[i]),
      'another seed, another mask',
    );
    const head = shape.T * shape.T;
    const agree = m.subarray(0, head).filter((v, i) => v === m[head + i]).length / head;
    assert.ok(agree < 0.9, `heads 0 and 1 agree on ${agree} of their draws, as independent draws would (0.82)`);
  });
});
