// The same reference checks on every other backend available here (test/helpers/backends.ts; cpu is covered by
// forward, generate and train.test.ts): forward, greedy generation and full training. LoRA training is checked on
// every backend, cpu included, by test/models/lora/lora.test.ts.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { availableBackends, stepLoss, useBackend } from '../../helpers/backends.ts';
import { loadGpt2 } from '../../../models/gpt2/load.ts';
import { disposeGpt2Model, forwardGpt2, gpt2Loss } from '../../../models/gpt2/model.ts';
import { generateGpt2 } from '../../../models/gpt2/generate.ts';
import { gpt2Batch } from '../../../models/gpt2/batch.ts';
import { gpt2Trainable } from '../../../models/gpt2/trainable.ts';
import { createOptimizer } from '../../../models/train/create-optimizer.ts';
import { forwardCases, greedyNewTokens, maxAbsDiff, TINY_GPT2, tinyConfig, trainFixture } from './fixtures.ts';

// Per backend: max |Δ| of logits and loss, and the relative error of training losses. webgpu: f32 on the GPU with
// other reduction orders (lavapipe in CI).
const TOLERANCE = {
  wasm: { logits: 1e-4, lossRel: 1e-4 },
  webgpu: { logits: 1e-4, lossRel: 1e-4 },
  tensorflow: { logits: 1e-4, lossRel: 1e-4 },
};

for (const backend of (await availableBackends()).filter((b) => b !== 'cpu')) {
  const tol = TOLERANCE[backend as keyof typeof TOLERANCE];
  describe(`GPT-2 on the ${backend} backend`, () => {
    before(async () => {
      await useBackend(backend);
    });

    it('matches the reference logits, loss and greedy tokens', async () => {
      const V = tinyConfig().vocab_size;
      const model = await loadGpt2(TINY_GPT2);
      for (const ref of forwardCases()) {
        const T = ref.ids.length;
        const { logits, loss } = forwardGpt2(model, [ref.ids], { labels: [ref.ids] });
        const data = (await logits.data()) as Float32Array;
        assert.ok(
          maxAbsDiff(
            data.subarray((T - 1) * V, (T - 1) * V + ref.last_logits_first64.length),
            ref.last_logits_first64,
          ) < tol.logits,
        );
        assert.ok(Math.abs((await loss!.data())[0] - ref.loss) < tol.logits);
        tf.dispose([logits, loss!]);
        assert.deepEqual(
          (await generateGpt2(model, ref.ids, { maxNewTokens: greedyNewTokens(ref), eosTokenId: null })).ids,
          ref.greedy_20,
        );
      }
      disposeGpt2Model(model);
      assert.equal(tf.memory().numTensors, 0);
    });

    it('reproduces the full training losses within 1e-4 relative', async () => {
      const train = trainFixture();
      const model = await loadGpt2(TINY_GPT2);
      const { name, lr, betas, eps, weight_decay } = train.optimizer;
      assert.equal(name, 'adamw');
      const optimizer = createOptimizer({ name: 'adamw', lr, betas, eps, weightDecay: weight_decay });
      try {
        const trainable = gpt2Trainable(model);
        const losses: number[] = [];
        for (let step = 0; step < train.losses.length - 1; step++)
          losses.push(await stepLoss(trainable, gpt2Batch(train.batch), optimizer, step + 1));
        const last = tf.tidy(() => gpt2Loss(model, train.batch));
        losses.push((await last.data())[0]);
        last.dispose();
        for (const [i, loss] of losses.entries())
          assert.ok(Math.abs(loss - train.losses[i]) / train.losses[i] < tol.lossRel, `loss ${i}: ${loss}`);
      } finally {
        optimizer.dispose();
        disposeGpt2Model(model);
      }
      assert.equal(tf.memory().numTensors, 0);
    });
  });
}
