// The same reference checks on every other backend available here (test/helpers/backends.ts; cpu is covered by
// forward, generate and train.test.ts): forward, greedy generation, full training and LoRA training.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { availableBackends, trainStepAsync, useBackend } from '../../helpers/backends.ts';
import { loadGpt2 } from '../../../models/gpt2/load.ts';
import { disposeGpt2Model, forwardGpt2, gpt2Loss } from '../../../models/gpt2/model.ts';
import { generateGpt2 } from '../../../models/gpt2/generate.ts';
import { gpt2Trainable } from '../../../models/gpt2/trainable.ts';
import { createOptimizer } from '../../../models/train/create-optimizer.ts';
import { loadLoraAdapter } from '../../../models/lora/io.ts';
import { detachLora, type LoraState } from '../../../models/lora/lora.ts';
import { heldTensors } from '../../helpers/held.ts';
import { forwardCases, greedyNewTokens, LORA_INIT, loraFixture, maxAbsDiff, TINY_GPT2, tinyConfig, trainFixture } from './fixtures.ts';

// Per backend: max |Δ| of logits and loss, and the relative error of training losses. webgpu: f32 on the GPU with
// other reduction orders (lavapipe in CI).
const TOLERANCE = { wasm: { logits: 1e-4, lossRel: 1e-4 }, webgpu: { logits: 1e-4, lossRel: 1e-4 }, tensorflow: { logits: 1e-4, lossRel: 1e-4 } };

for (const backend of (await availableBackends()).filter((b) => b !== 'cpu')) {
  const tol = TOLERANCE[backend as keyof typeof TOLERANCE];
  describe(`GPT-2 on the ${backend} backend`, () => {
    before(async () => {
      await useBackend(backend);
    });

    it('matches the reference logits, loss and greedy tokens', async () => {
      const V = tinyConfig().vocab_size;
      const model = await loadGpt2(TINY_GPT2);
      const keep = heldTensors();
      try {
        for (const ref of forwardCases()) {
          const T = ref.ids.length;
          const { logits, loss } = keep(forwardGpt2(model, [ref.ids], { labels: [ref.ids] }));
          const data = (await logits.data()) as Float32Array;
          assert.ok(maxAbsDiff(data.subarray((T - 1) * V, (T - 1) * V + ref.last_logits_first64.length), ref.last_logits_first64) < tol.logits);
          assert.ok(Math.abs((await loss!.data())[0] - ref.loss) < tol.logits);
          assert.deepEqual((await generateGpt2(model, ref.ids, { maxNewTokens: greedyNewTokens(ref), eosTokenId: null })).ids, ref.greedy_20);
        }
      } finally {
        keep.dispose();
        disposeGpt2Model(model);
      }
      assert.equal(tf.memory().numTensors, 0);
    });

    it('reproduces the full and the LoRA training losses within 1e-4 relative', async () => {
      const train = trainFixture();
      const runs = [
        { optimizer: train.optimizer, adapter: null, expected: train.losses },
        { optimizer: loraFixture().optimizer, adapter: LORA_INIT, expected: loraFixture().losses },
      ];
      for (const run of runs) {
        const { name, lr, eps, weight_decay } = run.optimizer;
        assert.equal(name, 'adamw');
        const betas = 'betas' in run.optimizer ? run.optimizer.betas : undefined;
        const model = await loadGpt2(TINY_GPT2);
        const optimizer = createOptimizer({ name: 'adamw', lr, ...(betas ? { betas } : {}), eps, weightDecay: weight_decay });
        let lora: LoraState | null = null;
        try {
          lora = run.adapter ? await loadLoraAdapter(model, run.adapter) : null;
          const trainable = gpt2Trainable(model, lora?.params);
          const losses: number[] = [];
          for (let step = 0; step < run.expected.length - 1; step++) losses.push(await trainStepAsync(trainable, { ids: train.batch }, optimizer));
          const last = tf.tidy(() => gpt2Loss(model, train.batch));
          losses.push((await last.data())[0]);
          last.dispose();
          for (const [i, loss] of losses.entries()) assert.ok(Math.abs(loss - run.expected[i]) / run.expected[i] < tol.lossRel, `${run.adapter ? 'LoRA' : 'full'} loss ${i}: ${loss}`);
        } finally {
          optimizer.dispose();
          if (lora) detachLora(model, lora);
          disposeGpt2Model(model);
        }
      }
      assert.equal(tf.memory().numTensors, 0);
    });
  });
}
