// The finetune stage: a full fine-tuning interrupted mid-epoch (abort) and resumed from its every-N-steps
// checkpoint ends with bit-identical weights, figures and step log to an uninterrupted run; its output is a
// save_pretrained folder that loadGpt2 reads; the lr schedule is the Trainer's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { finetuneStage, type FinetuneParams } from '../../stages/finetune.ts';
import { readCsvRows } from '../../runner/runs/entry-files.ts';
import { loadGpt2 } from '../../models/gpt2/load.ts';
import { disposeGpt2Model } from '../../models/gpt2/model.ts';
import { scheduledLr } from '../../stages/lm/train-params.ts';
import { makeTestContext } from '../helpers/context.ts';
import { packedTokens, TINY_INIT, writeSplitTokens } from './lm-fixtures.ts';
import { stageParams } from '../helpers/params.ts';

await tf.setBackend('cpu');

const PARAMS = stageParams<FinetuneParams>('finetune', {
  base: TINY_INIT,
  epochs: 2,
  batch_size: 4,
  lr: 3e-3,
  weight_decay: 0.01,
  warmup_steps: 2,
  logging_steps: 1,
  checkpoint_every: 2,
  seed: 11,
});

describe('finetune stage', () => {
  it('resumes an interrupted run mid-epoch and ends bit-identical to an uninterrupted one', async () => {
    const before = tf.memory().numTensors;
    const data = await writeSplitTokens(packedTokens(24, 12), packedTokens(6, 12, 999));

    const whole = await makeTestContext({ stageId: 'finetune' });
    const uninterrupted = await finetuneStage.run(whole, PARAMS, { data });

    // Abort at the start of epoch 2's fourth batch: the last checkpoint is after its second (step 8).
    const controller = new AbortController();
    let label = '';
    const first = await makeTestContext({
      stageId: 'finetune',
      signal: controller.signal,
      progress: {
        start: (_total, _unit, l) => (label = l ?? ''),
        update: (done) => label === 'epoch 2/2' && done === 3 && controller.abort(),
        status: () => {},
      },
    });
    await assert.rejects(
      finetuneStage.run(first, PARAMS, { data }),
      (e: Error) => e.name === 'AbortError' || /abort/i.test(e.message),
    );
    assert.equal(tf.memory().numTensors, before, 'an interrupted run leaves no tensors behind');

    const second = await makeTestContext({ stageId: 'finetune', checkpointDir: first.checkpointDir });
    const resumed = await finetuneStage.run(second, PARAMS, { data });
    assert.ok(
      second.lines.some((l) => /resuming at epoch 2 of 2, batch 3/.test(l)),
      second.lines.join('\n'),
    );
    assert.ok(resumed.summary!.includes('resumed from a checkpoint at step 8'), resumed.summary!.join('\n'));

    const weights = await readFile(join(whole.outDir, 'model.safetensors'));
    assert.ok(
      weights.equals(await readFile(join(second.outDir, 'model.safetensors'))),
      'the weights are bit-identical',
    );
    for (const key of ['train_loss', 'valid_loss', 'valid_perplexity', 'steps', 'trainable_params'] as const) {
      assert.equal(resumed.metrics![key], uninterrupted.metrics![key], key);
    }
    const steps = async (dir: string) =>
      (await readCsvRows(join(dir, 'steps.csv')))!.map(({ tokens_per_s: _, ...row }) => row);
    assert.deepEqual(await steps(second.outDir), await steps(whole.outDir));
    assert.equal(
      (await steps(whole.outDir)).length,
      12,
      'a row per step (logging_steps 1), none lost or doubled by the resume',
    );
    const header = (await readFile(join(whole.outDir, 'steps.csv'), 'utf8')).split('\n')[0];
    assert.equal(header, 'step,epoch,loss,lr,tokens_per_s');
    assert.equal(tf.memory().numTensors, before);
  });

  it('writes a save_pretrained folder of model_type gpt2 that loadGpt2 reads, and a lower valid loss than it started with', async () => {
    const before = tf.memory().numTensors;
    const data = await writeSplitTokens(packedTokens(16, 12), packedTokens(4, 12, 5));
    const ctx = await makeTestContext({ stageId: 'ft' });
    const result = await finetuneStage.run(ctx, { ...PARAMS, epochs: 3, lr: 1e-2, warmup_steps: 0 }, { data });
    const config = JSON.parse(await readFile(join(ctx.outDir, 'config.json'), 'utf8'));
    assert.equal(config.model_type, 'gpt2');
    assert.equal(config.n_embd, TINY_INIT.init.n_embd);
    const model = await loadGpt2(ctx.outDir);
    disposeGpt2Model(model);
    const history = (await readCsvRows(join(ctx.outDir, 'history.csv')))!;
    assert.equal(history.length, 3);
    assert.ok((history[2].valid_loss as number) < (history[0].valid_loss as number), JSON.stringify(history));
    assert.ok(ctx.lines.some((l) => l.includes('trainable params: ') && l.includes('trainable%: 100.0000')));
    assert.ok((result.metrics!.tokens_per_s as number) > 0 && (result.metrics!.train_seconds as number) > 0);
    assert.equal(result.metrics!.train_tokens, 16 * 12 * 3);
    assert.equal(tf.memory().numTensors, before);
  });

  it('schedules the learning rate as transformers: linear warm-up from 0, then linear decay to 0', () => {
    const s = { lr: 1, schedule: 'linear' as const, warmupSteps: 2 };
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((step) => scheduledLr(s, 6, step)),
      [0, 0.5, 1, 0.75, 0.5, 0.25],
    );
    assert.deepEqual(
      [0, 3].map((step) => scheduledLr({ ...s, schedule: 'constant', warmupSteps: 0 }, 6, step)),
      [1, 1],
    );
  });
});
