// The training path reads tensors only asynchronously, so fitModel runs on every backend, webgpu included (where a
// synchronous read of GPU data throws): a tiny LSTM (models/lstm/trainable.ts, as the train stage trains it) with
// clipping, a device-side accuracy sum, checkpoints, keep-best and an async evaluation trains (the loss goes down) and leaves no tensor behind. On cpu: grouping the
// read-backs (readEvery) changes nothing but when onStep comes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createLstmClassifier, disposeLstm, forwardLstm, type LabelledLstmBatch } from '../../../models/lstm/model.ts';
import { countCorrectOnDevice, lstmTrainable } from '../../../models/lstm/trainable.ts';
import { defaultReadEvery } from '../../../models/train/batch-reads.ts';
import { readCheckpoint } from '../../../models/train/checkpoint.ts';
import { createOptimizer } from '../../../models/train/create-optimizer.ts';
import { classificationLoss } from '../../../models/train/losses.ts';
import { fitModel, type FitOptions, type StepInfo } from '../../../models/train/loop.ts';
import { disposeFigures } from '../../../models/train/batch-reads.ts';
import { trainStep } from '../../../models/train/step.ts';
import { countCorrect } from '../../../stages/classifier/classifier-batches.ts';
import { availableBackends, useBackend } from '../../helpers/backends.ts';
import { batchOf, N, VOCAB } from './synthetic-rows.ts';

const BATCH = 5;
const BATCHES = Math.ceil(N / BATCH);

const tempDirs: string[] = [];
process.once('exit', () => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

interface Outcome {
  history: Record<string, number>[];
  steps: StepInfo[];
  weights: Record<string, Float32Array>;
  checkpointDir: string;
}

/** A classifier small enough to train a few steps on every backend in well under a second. */
const TINY_LSTM = {
  vocabSize: VOCAB,
  embeddingDim: 4,
  hiddenDim: 5,
  outputDim: 2,
  nLayers: 1,
  bidirectional: false,
  dropout: 0,
  padIndex: 0,
};

/** fitModel on the active backend with every feature that reads tensors; weights read back asynchronously. */
async function fitTiny(overrides: Partial<FitOptions<LabelledLstmBatch>> = {}): Promise<Outcome> {
  const model = createLstmClassifier(TINY_LSTM, 3);
  const optimizer = createOptimizer({ name: 'adamw', lr: 0.05, weightDecay: 0.01 });
  const everything = batchOf(Array.from({ length: N }, (_, i) => i));
  const checkpointDir = await mkdtemp(join(tmpdir(), 'tfpipe-async-reads-'));
  tempDirs.push(checkpointDir);
  const steps: StepInfo[] = [];
  try {
    const result = await fitModel({
      ...lstmTrainable(model),
      optimizer,
      epochs: 3,
      examples: N,
      batchSize: BATCH,
      seed: 5,
      maxGradNorm: 0.5,
      keepBest: { metric: 'valid_loss', mode: 'min' },
      checkpoint: { dir: checkpointDir, everySteps: 2 },
      makeBatch: batchOf,
      evaluate: async () => {
        const loss = tf.tidy(() => classificationLoss(forwardLstm(model, everything), everything.labels));
        try {
          return { valid_loss: (await loss.data())[0] };
        } finally {
          loss.dispose();
        }
      },
      onStep: (info) => steps.push(info),
      ...overrides,
    });
    const weights: Record<string, Float32Array> = {};
    for (const [name, p] of Object.entries(model.params)) weights[name] = (await p.data()) as Float32Array;
    return {
      history: result.history.map(({ seconds: _s, samples_per_s: _r, ...rest }) => rest),
      steps,
      weights,
      checkpointDir,
    };
  } finally {
    optimizer.dispose();
    disposeLstm(model);
  }
}

for (const backend of await availableBackends()) {
  test(`${backend}: fitModel trains a tiny LSTM with clipping, checkpoints and keep-best, leaving no tensor behind`, async () => {
    await useBackend(backend);
    const before = tf.memory().numTensors;
    const run = await fitTiny();
    assert.equal(tf.memory().numTensors, before, 'no tensor outlives fitModel');

    const losses = run.history.map((r) => r.train_loss);
    assert.ok(losses.every(Number.isFinite), `train losses ${losses}`);
    assert.ok(losses[2] < losses[0], `the train loss goes down: ${losses}`);
    for (const row of run.history)
      assert.ok(row.train_acc >= 0 && row.train_acc <= 1 && Number.isFinite(row.valid_loss), JSON.stringify(row));
    // every batch reported once, in order, whatever the read cadence (defaultReadEvery is 16 on webgpu)
    assert.deepEqual(
      run.steps.map((s) => [s.epoch, s.batch]),
      [1, 2, 3].flatMap((e) => Array.from({ length: BATCHES }, (_, b) => [e, b])),
    );
    assert.deepEqual(
      run.steps.map((s) => s.step),
      Array.from({ length: 3 * BATCHES }, (_, i) => i + 1),
    );
    const last = run.steps[run.steps.length - 1];
    assert.ok(Math.abs(last.running.loss - losses[2]) < 1e-6, 'the running loss of the last batch is the epoch loss');

    const stored = await readCheckpoint(run.checkpointDir);
    assert.ok(stored, 'a checkpoint was written');
    assert.equal(stored.state.epochsDone, 3);
    assert.ok(stored.optimizer.size > 0 && stored.best !== null, 'with optimizer state and best weights');
    assert.deepEqual(stored.params.get('fc.weight')!.data, run.weights['fc.weight']);
  });

  test(`${backend}: the train stage's device-side correct count equals countCorrect on the read logits`, async () => {
    await useBackend(backend);
    const before = tf.memory().numTensors;
    const labels = [0, 2, 1, 1, 0, 2, 1, 0];
    // 8 rows × 3 classes; on the cpu-side kernels also ties, where both take the first largest (torch.argmax)
    const values = [
      0.1, 0.5, -1, 2, 0.3, 2.5, -0.2, 0.7, 0.1, 1, 1.5, 0.2, 3, -1, 0.4, 0, 0, 0.9, -2, -0.5, -0.1, 0.8, 0.8, 0.1,
    ];
    if (backend === 'cpu' || backend === 'wasm') values.splice(12, 3, 1.25, 1.25, 1.25);
    for (const [logits, O] of [
      [tf.tensor2d(values, [8, 3]), 3],
      [tf.tensor2d(values.slice(0, 8), [8, 1]), 1],
    ] as const) {
      const binary = O === 1 ? labels.map((y) => y % 2) : labels;
      const correct = countCorrectOnDevice(logits, binary, O);
      assert.equal(correct.dtype, 'int32');
      assert.equal((await correct.data())[0], countCorrect(await logits.data(), binary, O), `outputDim ${O}`);
      tf.dispose([logits, correct]);
    }
    assert.equal(tf.memory().numTensors, before);
  });

  test(`${backend}: trainStep clips on the device: a first SGD step moves the weights by lr × maxGradNorm`, async () => {
    await useBackend(backend);
    const before = tf.memory().numTensors;
    const model = createLstmClassifier(TINY_LSTM, 3);
    const optimizer = createOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9 });
    const batch = batchOf(Array.from({ length: 8 }, (_, i) => i));
    const weights = async () => Promise.all(Object.values(model.params).map(async (p) => Array.from(await p.data())));
    /** One clipped step; its loss read back asynchronously. */
    const step = async (seed: number) => {
      const [figures] = trainStep(lstmTrainable(model), [{ batch, seed }], optimizer, { maxGradNorm: 1e-3 });
      const loss = (await figures.loss.data())[0];
      disposeFigures([figures]);
      return loss;
    };
    const start = await weights();
    const first = await step(1);
    // the first momentum step is lr · (clipped gradient), whose norm is maxGradNorm (the gradient's is larger)
    const moved = Math.sqrt((await weights()).flat().reduce((s, v, i) => s + (v - start.flat()[i]) ** 2, 0));
    assert.ok(Math.abs(moved - 0.1 * 1e-3) < 0.05 * 1e-4, `the weights moved by ${moved}`);
    const second = await step(2);
    assert.ok(Number.isFinite(first) && second < first, `a clipped step still lowers the loss: ${first} → ${second}`);
    const state = await optimizer.saveState();
    assert.ok(Object.keys(state).length > 0);
    optimizer.dispose();
    disposeLstm(model);
    assert.equal(tf.memory().numTensors, before);
  });
}

test('cpu: reading back every 3 batches ends bit-identical to reading every batch, with the same onStep figures', async () => {
  await useBackend('cpu');
  assert.equal(defaultReadEvery('cpu'), 1);
  assert.equal(defaultReadEvery('webgpu') > 1, true);
  const each = await fitTiny({ readEvery: 1 });
  // without mid-epoch checkpoints (each one reads first), so that groups of 3 batches are read at once
  const grouped = await fitTiny({ readEvery: 3, checkpoint: undefined });
  assert.deepEqual(grouped.weights, each.weights);
  assert.deepEqual(grouped.history, each.history);
  const untimed = (steps: StepInfo[]) => steps.map(({ seconds: _s, ...rest }) => rest);
  assert.deepEqual(untimed(grouped.steps), untimed(each.steps));
  // the batches read together share the time since the previous read
  assert.ok(
    grouped.steps.every((s) => s.seconds > 0),
    'every batch has a training time',
  );
  assert.equal(grouped.steps[0].seconds, grouped.steps[2].seconds);
  assert.notEqual(grouped.steps[2].seconds, grouped.steps[3].seconds);
});
