// The same reference checks on the wasm backend (the one Lab 2 fine-tunes on): forward, greedy generation,
// full training and LoRA training.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../models/backend/select.ts';
import { loadGpt2 } from '../../../models/gpt2/load.ts';
import { disposeGpt2Model, forwardGpt2, gpt2Loss } from '../../../models/gpt2/model.ts';
import { generateGpt2 } from '../../../models/gpt2/generate.ts';
import { gpt2Trainable } from '../../../models/gpt2/trainable.ts';
import { createOptimizer } from '../../../models/train/create-optimizer.ts';
import { trainStep } from '../../../models/train/train-step.ts';
import { loadLoraAdapter } from '../../../models/lora/io.ts';
import { forwardCases, LORA_INIT, loraFixture, maxAbsDiff, TINY_GPT2, trainFixture } from './fixtures.ts';

describe('GPT-2 on the wasm backend', () => {
  before(async () => {
    await selectBackend('wasm');
  });

  it('matches the reference logits, loss and greedy tokens', async () => {
    const model = await loadGpt2(TINY_GPT2);
    for (const ref of forwardCases()) {
      const T = ref.ids.length;
      const { logits, loss } = forwardGpt2(model, [ref.ids], { labels: [ref.ids] });
      const data = (await logits.data()) as Float32Array;
      assert.ok(maxAbsDiff(data.subarray((T - 1) * 50257, (T - 1) * 50257 + 64), ref.last_logits_first64) < 1e-4);
      assert.ok(Math.abs((await loss!.data())[0] - ref.loss) < 1e-4);
      tf.dispose([logits, loss!]);
      assert.deepEqual((await generateGpt2(model, ref.ids, { maxNewTokens: 20, eosTokenId: null })).ids, ref.greedy_20);
    }
    disposeGpt2Model(model);
    assert.equal(tf.memory().numTensors, 0);
  });

  it('reproduces the full and the LoRA training losses within 1e-4 relative', async () => {
    const train = trainFixture();
    const runs = [
      { lr: train.optimizer.lr, adapter: null, expected: train.losses },
      { lr: loraFixture().optimizer.lr, adapter: LORA_INIT, expected: loraFixture().losses },
    ];
    for (const run of runs) {
      const model = await loadGpt2(TINY_GPT2);
      const lora = run.adapter ? await loadLoraAdapter(model, run.adapter) : null;
      const optimizer = createOptimizer({ name: 'adamw', lr: run.lr, eps: 1e-8, weightDecay: 0 });
      const trainable = gpt2Trainable(model, lora?.params);
      const losses = [0, 1, 2].map(() => trainStep(trainable, { ids: train.batch }, optimizer).loss);
      losses.push(tf.tidy(() => gpt2Loss(model, train.batch).dataSync()[0]));
      for (const [i, loss] of losses.entries()) assert.ok(Math.abs(loss - run.expected[i]) / run.expected[i] < 1e-4, `${run.adapter ? 'LoRA' : 'full'} loss ${i}: ${loss}`);
      optimizer.dispose();
      disposeGpt2Model(model);
      if (lora) tf.dispose(Object.values(lora.params));
    }
    assert.equal(tf.memory().numTensors, 0);
  });
});
