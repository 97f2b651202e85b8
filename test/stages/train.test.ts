// The train stage on small synthetic tokens: its output files, resume from ctx.checkpointDir (interrupted and with
// raised epochs) ending equal to an uninterrupted run, BCE with output_dim 1, input errors, and no leaked tensors.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../models/backend/select.ts';
import { disposeLstm } from '../../models/lstm/model.ts';
import { readCheckpoint } from '../../models/train/checkpoint.ts';
import { readCsvRows } from '../../runner/runs/entry-files.ts';
import { readLstmModel } from '../../stages/classifier/model-artifact.ts';
import { predictClassifier } from '../../stages/classifier/classifier-batches.ts';
import { trainStage } from '../../stages/train.ts';
import type { StageContext, StageResult } from '../../stages/stage.ts';
import { makeTestContext } from '../helpers/context.ts';
import { stageParams } from '../helpers/params.ts';
import { LABEL_NAMES, makeTrainFixture, ref, type TrainFixture } from './train-fixtures.ts';

let fixture: TrainFixture;
before(async () => {
  await selectBackend('wasm');
  fixture = await makeTrainFixture();
});

/** The pipeline's keys, as written; stageParams fills in the schema's defaults. */
const PARAMS = {
  embedding_dim: 8,
  hidden_dim: 8,
  batch_size: 16,
  epochs: 3,
  lr: 0.02,
  seed: 5,
  dropout: 0.2,
  n_layers: 2,
};

async function train(params: Record<string, unknown> = {}, ctxOverrides: Partial<StageContext> = {}) {
  const ctx = await makeTestContext(ctxOverrides);
  const result = await trainStage.run(ctx, stageParams('train', { ...PARAMS, ...params }), {
    data: fixture.tokens,
    vocab: fixture.vocab,
  });
  return { ctx, result };
}

/** Stage metrics without the wall-clock rate. */
const figures = (result: StageResult) => {
  const { train_samples_per_s: _rate, ...rest } = result.metrics ?? {};
  return rest;
};

test('trains, and writes the model, history.csv and metrics.json', async () => {
  const before = tf.memory().numTensors;
  const { ctx, result } = await train();
  assert.equal(tf.memory().numTensors, before, 'no tensor outlives the stage');

  const history = await readCsvRows(join(ctx.outDir, 'history.csv'));
  assert.ok(history);
  assert.deepEqual(Object.keys(history[0]), [
    'epoch',
    'train_loss',
    'train_acc',
    'valid_loss',
    'valid_acc',
    'seconds',
    'samples_per_s',
  ]);
  assert.deepEqual(
    history.map((r) => r.epoch),
    [1, 2, 3],
  );
  assert.ok((history[2].train_loss as number) < (history[0].train_loss as number), 'the train loss falls');

  const m = result.metrics!;
  assert.equal(m.epochs, 3);
  assert.equal(m.valid_acc, history[2].valid_acc);
  assert.equal(m.valid_loss, history[2].valid_loss);
  const best = history.reduce((b, r) => ((r.valid_loss as number) < (b.valid_loss as number) ? r : b));
  assert.equal(m.best_epoch, best.epoch);
  assert.ok(typeof m.train_samples_per_s === 'number' && m.train_samples_per_s > 0);
  const json = JSON.parse(await readFile(join(ctx.outDir, 'metrics.json'), 'utf8'));
  assert.deepEqual(json.label_names, LABEL_NAMES);
  assert.equal(json.valid_acc, m.valid_acc);

  assert.equal(result.summary!.length, 3);
  assert.match(
    result.summary![0],
    /^Epoch 1: train loss \d\.\d{4} acc \d\.\d{4} \| valid loss \d\.\d{4} acc \d\.\d{4} \(\d+\.\d samples\/s\)$/,
  );

  // The saved model is the one that was measured: its valid accuracy is the last epoch's.
  const { model, labelNames } = await readLstmModel(ctx.outDir);
  try {
    assert.deepEqual(labelNames, LABEL_NAMES);
    assert.deepEqual(model.config, {
      vocabSize: 12,
      embeddingDim: 8,
      hiddenDim: 8,
      outputDim: 2,
      nLayers: 2,
      bidirectional: false,
      dropout: 0.2,
      padIndex: 0,
    });
    const valid = fixture.parts.valid.tokens;
    const p = await predictClassifier(model, valid, { batchSize: 256 });
    assert.equal(p.correct / valid.rows, m.valid_acc);
  } finally {
    disposeLstm(model);
  }
  const config = JSON.parse(await readFile(join(ctx.outDir, 'config.json'), 'utf8'));
  assert.equal(config.model_type, 'lstm-classifier');
  assert.equal(config.lstm.hidden_dim, 8);
});

test('an interrupted training resumes from its checkpoint and ends as an uninterrupted one', async () => {
  const whole = await train();
  const first = await makeTestContext();
  const controller = new AbortController();
  const interrupted = makeTestContext({
    checkpointDir: first.checkpointDir,
    signal: controller.signal,
    progress: {
      start: () => {},
      update: () => {},
      status: (text) => text.startsWith('Epoch 2:') && controller.abort(new Error('interrupted')),
    },
  });
  await assert.rejects(
    trainStage.run(await interrupted, stageParams('train', PARAMS), { data: fixture.tokens, vocab: fixture.vocab }),
    /interrupted/,
  );
  assert.equal((await readCheckpoint(first.checkpointDir))?.state.epochsDone, 2, 'the checkpoint holds epoch 2');

  const resumed = await train({}, { checkpointDir: first.checkpointDir });
  assert.ok(resumed.ctx.lines.includes('resuming at epoch 3 of 3 (from checkpoint)'), resumed.ctx.lines.join('\n'));
  assert.deepEqual(figures(resumed.result), figures(whole.result));
  assert.deepEqual(
    await readFile(join(resumed.ctx.outDir, 'model.safetensors')),
    await readFile(join(whole.ctx.outDir, 'model.safetensors')),
  );
});

test('raising epochs continues from the finished run (epochs is resume-compatible)', async () => {
  assert.deepEqual(trainStage.resumeCompatible, ['epochs']);
  const two = await train({ epochs: 2 });
  const statuses: string[] = [];
  const four = await train(
    { epochs: 4 },
    {
      checkpointDir: two.ctx.checkpointDir,
      progress: { start: () => {}, update: () => {}, status: (t) => statuses.push(t) },
    },
  );
  assert.ok(four.ctx.lines.includes('resuming at epoch 3 of 4 (from checkpoint)'), four.ctx.lines.join('\n'));
  assert.deepEqual(
    statuses.map((s) => s.split(':')[0]),
    ['Epoch 3', 'Epoch 4'],
    'epochs 1 and 2 are not trained again',
  );
  const straight = await train({ epochs: 4 });
  assert.deepEqual(figures(four.result), figures(straight.result));
  assert.equal(
    four.result.summary!.filter((l) => l.startsWith('Epoch ')).length,
    4,
    'the history keeps the earlier epochs',
  );
});

test('output_dim 1 trains one logit with BCE-with-logits', async () => {
  const { ctx, result } = await train({ output_dim: 1, epochs: 2 });
  const { model } = await readLstmModel(ctx.outDir);
  assert.equal(model.config.outputDim, 1);
  disposeLstm(model);
  assert.ok((result.metrics!.train_loss as number) < Math.log(2), 'below the loss of a constant guess');
});

test('input errors name the stage and what is wrong', async () => {
  const ctx = await makeTestContext({ stageId: 'trainer' });
  const single = ref('tokens', join(fixture.root, 'tokens', 'train'), 'tokenize', 'train');
  await assert.rejects(
    trainStage.run(ctx, stageParams('train', PARAMS), { data: single, vocab: fixture.vocab }),
    /stage trainer: input tokenize.train has a single part; train needs train and valid parts/,
  );
  await assert.rejects(
    trainStage.run(ctx, stageParams('train', PARAMS), { data: fixture.tokens }),
    /stage trainer: no `vocab` input/,
  );
  await assert.rejects(
    trainStage.run(ctx, stageParams('train', { ...PARAMS, output_dim: 1, optimizer: 'sgd', betas: [0.9, 0.99] }), {
      data: fixture.tokens,
      vocab: fixture.vocab,
    }),
    /betas and eps are for adam and adamw, not sgd/,
  );
});
