// Training: the reference's AdamW steps reproduce PyTorch's losses; the hand-written backward agrees with finite differences
// with every dropout on; a train step leaves no tensor behind.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../models/backend/select.ts';
import { createGpt2, loadGpt2 } from '../../../models/gpt2/load.ts';
import { disposeGpt2Model, gpt2Loss, type Gpt2Model } from '../../../models/gpt2/model.ts';
import { gpt2Batch } from '../../../models/gpt2/batch.ts';
import { gpt2Trainable } from '../../../models/gpt2/trainable.ts';
import { createOptimizer } from '../../../models/train/create-optimizer.ts';
import { TINY_GPT2, trainFixture } from './fixtures.ts';
import { heldTensors } from '../../helpers/held.ts';
import { stepLoss } from '../../helpers/backends.ts';

function lossValue(model: Gpt2Model, ids: number[][], options: Parameters<typeof gpt2Loss>[2] = {}): number {
  const loss = gpt2Loss(model, ids, options);
  const value = loss.dataSync()[0];
  loss.dispose();
  return value;
}

describe('GPT-2 training', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  const ref = trainFixture();
  const steps = ref.losses.length - 1;
  it(`reproduces the ${ref.losses.length} losses of ${steps} AdamW steps (lr ${ref.optimizer.lr}) within 1e-4 relative, leaking nothing`, async () => {
    const { name, lr, betas, eps, weight_decay } = ref.optimizer;
    assert.equal(name, 'adamw');
    const model = await loadGpt2(TINY_GPT2);
    const optimizer = createOptimizer({ name: 'adamw', lr, betas, eps, weightDecay: weight_decay });
    try {
      const trainable = gpt2Trainable(model);
      const losses: number[] = [];
      const counts: number[] = [];
      for (let step = 0; step < steps; step++) {
        losses.push(await stepLoss(trainable, gpt2Batch(ref.batch), optimizer, step + 1));
        counts.push(tf.memory().numTensors);
      }
      losses.push(lossValue(model, ref.batch));
      for (const [i, loss] of losses.entries())
        assert.ok(Math.abs(loss - ref.losses[i]) / ref.losses[i] < 1e-4, `loss ${i}: ${loss} vs ${ref.losses[i]}`);
      assert.ok(steps >= 2, 'the fixture has a step after the one that makes the optimizer state');
      for (const count of counts.slice(1))
        assert.equal(count, counts[0], 'a train step (after the optimizer made its state) leaves no tensor behind');
    } finally {
      optimizer.dispose();
      disposeGpt2Model(model);
    }
    assert.equal(tf.memory().numTensors, 0);
  });

  it('backpropagates correctly through every block with all dropouts on (directional finite differences)', () => {
    const model = createGpt2(
      {
        n_layer: 2,
        n_head: 2,
        n_embd: 16,
        n_positions: 16,
        vocab_size: 40,
        embd_pdrop: 0.1,
        attn_pdrop: 0.1,
        resid_pdrop: 0.1,
      },
      3,
    );
    const ids = [
      [1, 5, 9, 2, 33, 7, 7, 12],
      [4, 4, 20, 39, 0, 18, 3, 25],
    ];
    const options = { training: true, seed: 11 };
    const names = Object.keys(model.params);
    const keep = heldTensors();
    try {
      const { grads } = keep(tf.variableGrads(() => gpt2Loss(model, ids, options), Object.values(model.params)));
      // One check per kind of parameter (wte, wpe, ln_1.weight, attn.c_attn.bias, ...), so no block hides behind another.
      const kinds = [...new Set(names.map((n) => n.replace(/^transformer\.(h\.\d+\.)?/, '')))];
      for (const [k, kind] of kinds.entries()) {
        const group = names.filter((n) => n.replace(/^transformer\.(h\.\d+\.)?/, '') === kind);
        const directions = keep(
          group.map((n, i) => tf.randomNormal(model.params[n].shape, 0, 1, 'float32', 1 + 100 * k + i)),
        );
        const dot = keep(tf.tidy(() => tf.addN(group.map((n, i) => tf.sum(tf.mul(grads[n], directions[i]))))));
        const analytic = dot.dataSync()[0];
        const originals = keep(group.map((n) => tf.clone(model.params[n])));
        const shifted = (epsilon: number) => {
          group.forEach((n, i) =>
            tf.tidy(() => model.params[n].assign(tf.add(originals[i], tf.mul(directions[i], epsilon)))),
          );
          return lossValue(model, ids, options);
        };
        const epsilon = 1e-3;
        const numeric = (shifted(epsilon) - shifted(-epsilon)) / (2 * epsilon);
        group.forEach((n, i) => model.params[n].assign(originals[i]));
        assert.ok(
          Math.abs(numeric - analytic) < 2e-2 * Math.abs(analytic) + 2e-4,
          `${kind}: analytic ${analytic} vs numeric ${numeric}`,
        );
      }
      // Dropout is seeded: same seed, same loss; eval mode differs.
      assert.equal(lossValue(model, ids, options), lossValue(model, ids, options));
      assert.notEqual(lossValue(model, ids, options), lossValue(model, ids));
      assert.notEqual(lossValue(model, ids, options), lossValue(model, ids, { training: true, seed: 12 }));
      assert.throws(() => gpt2Loss(model, ids, { training: true }), /training with dropout needs a seed/);
    } finally {
      keep.dispose();
      disposeGpt2Model(model);
    }
    assert.equal(tf.memory().numTensors, 0);
  });
});
