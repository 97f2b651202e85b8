// fitModel: determinism from (seed, epoch, batch), checkpoint/resume bit-exactness (interrupted, raised epochs,
// mid-epoch), keep-best, gradient accumulation, lr schedule, abort, and no tensor leaks. A tiny 2-layer LSTM with
// dropout on the cpu backend, so dropout seeds and optimizer state both matter for bit-exactness.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../models/backend/select.ts';
import {
  createLstmClassifier,
  disposeLstm,
  forwardLstm,
  type LabelledLstmBatch,
  type LstmClassifier,
} from '../../../models/lstm/model.ts';
import { createOptimizer } from '../../../models/train/create-optimizer.ts';
import { classificationLoss } from '../../../models/train/losses.ts';
import { fitModel, type FitOptions, type FitResult, type HistoryRow } from '../../../models/train/loop.ts';
import type { Optimizer } from '../../../models/train/optimizer.ts';
import { batchSeed, shuffleOrder } from '../../../models/train/seeds.ts';
import { MANIFEST_FILE } from '../../../models/train/checkpoint-files.ts';
import { batchOf, N, VOCAB } from './synthetic-rows.ts';

before(async () => {
  await selectBackend('cpu');
});

interface Run {
  model: LstmClassifier;
  optimizer: Optimizer;
  options: FitOptions<LabelledLstmBatch>;
}

function setUp(overrides: Partial<FitOptions<LabelledLstmBatch>> = {}): Run {
  const model = createLstmClassifier(
    {
      vocabSize: VOCAB,
      embeddingDim: 4,
      hiddenDim: 5,
      outputDim: 2,
      nLayers: 2,
      bidirectional: true,
      dropout: 0.3,
      padIndex: 0,
    },
    3,
  );
  const optimizer = createOptimizer({ name: 'adamw', lr: 0.02, weightDecay: 0.01 });
  const everything = batchOf(Int32Array.from({ length: N }, (_, i) => i));
  const options: FitOptions<LabelledLstmBatch> = {
    params: model.params,
    optimizer,
    epochs: 3,
    examples: N,
    batchSize: 5,
    seed: 11,
    makeBatch: batchOf,
    lossAndMetrics: (batch, mode) => {
      const logits = forwardLstm(model, batch, mode);
      const values = logits.dataSync();
      const correct = Array.from(batch.labels).filter(
        (y, i) => (values[2 * i + 1] > values[2 * i] ? 1 : 0) === y,
      ).length;
      return { loss: classificationLoss(logits, batch.labels), count: batch.labels.length, sums: { acc: correct } };
    },
    evaluate: () => {
      const loss = tf.tidy(() => classificationLoss(forwardLstm(model, everything), everything.labels));
      const value = loss.dataSync()[0];
      loss.dispose();
      return { valid_loss: value };
    },
    ...overrides,
  };
  return { model, optimizer, options };
}

async function fit(
  overrides: Partial<FitOptions<LabelledLstmBatch>> = {},
): Promise<{ result: FitResult; weights: Record<string, Float32Array> }> {
  const run = setUp(overrides);
  try {
    const result = await fitModel(run.options);
    const weights = Object.fromEntries(
      Object.entries(run.model.params).map(([k, v]) => [k, v.dataSync() as Float32Array]),
    );
    return { result, weights };
  } finally {
    run.optimizer.dispose();
    disposeLstm(run.model);
  }
}

/** History without the wall-clock columns. */
const figures = (history: HistoryRow[]) => history.map(({ seconds: _s, samples_per_s: _r, ...rest }) => rest);
const tempDirs: string[] = [];
process.once('exit', () => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-loop-'));
  tempDirs.push(dir);
  return dir;
}

test('shuffleOrder is a permutation that depends on seed and epoch only; batch seeds differ by batch', () => {
  const a = shuffleOrder(50, 1, 1);
  assert.deepEqual(
    [...a].sort((x, y) => x - y),
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.deepEqual(a, shuffleOrder(50, 1, 1));
  assert.notDeepEqual(a, shuffleOrder(50, 1, 2));
  assert.notDeepEqual(a, shuffleOrder(50, 2, 1));
  assert.notEqual(batchSeed(1, 1, 0), batchSeed(1, 1, 1));
  assert.equal(batchSeed(1, 2, 3), batchSeed(1, 2, 3));
});

test('two runs with the same seed end bit-identical, and training lowers the loss', async () => {
  const a = await fit();
  const b = await fit();
  assert.deepEqual(a.weights, b.weights);
  assert.deepEqual(figures(a.result.history), figures(b.result.history));
  const losses = a.result.history.map((r) => r.train_loss);
  assert.ok(losses[2] < losses[0], `train loss ${losses}`);
  assert.deepEqual(Object.keys(a.result.history[0]), [
    'epoch',
    'train_loss',
    'train_acc',
    'valid_loss',
    'seconds',
    'samples_per_s',
  ]);
  assert.equal(a.result.steps, 3 * Math.ceil(N / 5));
});

test('interrupted after epoch 2, a new run resumes at epoch 3 and ends bit-identical to an uninterrupted one', async () => {
  const whole = await fit();
  const dir = await tempDir();
  const controller = new AbortController();
  await assert.rejects(
    fit({
      checkpoint: { dir },
      signal: controller.signal,
      onEpoch: (row) => row.epoch === 2 && controller.abort(new Error('stop')),
    }),
    /stop/,
  );
  const lines: string[] = [];
  const epochsRun: number[] = [];
  const resumed = await fit({ checkpoint: { dir }, log: (m) => lines.push(m), onEpochStart: (e) => epochsRun.push(e) });
  assert.deepEqual(lines, ['resuming at epoch 3 of 3 (from checkpoint)']);
  assert.deepEqual(epochsRun, [3]);
  assert.deepEqual(resumed.result.resumedFrom, { epochsDone: 2, batchesDone: 0 });
  assert.deepEqual(resumed.weights, whole.weights);
  assert.deepEqual(figures(resumed.result.history), figures(whole.result.history));
});

test('raising epochs continues a finished run from its checkpoint; lowering them below it starts over', async () => {
  const dir = await tempDir();
  await fit({ epochs: 2, checkpoint: { dir } });
  const lines: string[] = [];
  const epochsRun: number[] = [];
  const raised = await fit({
    epochs: 3,
    checkpoint: { dir },
    log: (m) => lines.push(m),
    onEpochStart: (e) => epochsRun.push(e),
  });
  assert.deepEqual(epochsRun, [3], 'epochs 1 and 2 are not redone');
  assert.deepEqual(lines, ['resuming at epoch 3 of 3 (from checkpoint)']);
  assert.deepEqual(raised.weights, (await fit({ epochs: 3 })).weights);

  const same: string[] = [];
  const again = await fit({
    epochs: 3,
    checkpoint: { dir },
    log: (m) => same.push(m),
    onEpochStart: () => assert.fail('nothing to train'),
  });
  assert.match(same[0], /already holds all 3 epochs/);
  assert.deepEqual(again.weights, raised.weights);

  const lowered: string[] = [];
  const two = await fit({ epochs: 2, checkpoint: { dir }, log: (m) => lowered.push(m) });
  assert.match(lowered[0], /at epoch 3, past epochs 2 .*training from scratch/);
  assert.deepEqual(two.weights, (await fit({ epochs: 2 })).weights);
});

test('a checkpoint written with another batch size is not continued', async () => {
  const dir = await tempDir();
  await fit({ epochs: 1, checkpoint: { dir } });
  const lines: string[] = [];
  await fit({ epochs: 2, batchSize: 4, checkpoint: { dir }, log: (m) => lines.push(m) });
  assert.match(lines[0], /batchSize 5, this run has 4; training from scratch/);
});

test('mid-epoch checkpoints (everySteps) resume at the next batch, bit-identical', async () => {
  const whole = await fit();
  const dir = await tempDir();
  const controller = new AbortController();
  await assert.rejects(
    fit({
      checkpoint: { dir, everySteps: 2 },
      signal: controller.signal,
      onStep: (s) => s.epoch === 2 && s.batch === 2 && controller.abort(new Error('stop')),
    }),
    /stop/,
  );
  const lines: string[] = [];
  const resumed = await fit({ checkpoint: { dir, everySteps: 2 }, log: (m) => lines.push(m) });
  // Epoch 1 took steps 1-5; batch index 2 of epoch 2 was step 8, checkpointed before the abort was seen.
  assert.deepEqual(lines, ['resuming at epoch 2 of 3, batch 4 (from checkpoint)']);
  assert.deepEqual(resumed.weights, whole.weights);
  assert.deepEqual(figures(resumed.result.history), figures(whole.result.history));
});

test('keepBest ends with the weights of the lowest valid loss, also across a resume', async () => {
  // A large lr makes the valid loss go up again after its best epoch.
  const optimizerLr = { lrAt: () => 0.3 };
  const full = await fit({ epochs: 4, keepBest: { metric: 'valid_loss', mode: 'min' }, ...optimizerLr });
  const losses = full.result.history.map((r) => r.valid_loss);
  const bestEpoch = losses.indexOf(Math.min(...losses)) + 1;
  assert.ok(bestEpoch < 4, `the valid loss should rise after its best epoch: ${losses}`);
  assert.equal(full.result.bestEpoch, bestEpoch);
  assert.deepEqual(full.weights, (await fit({ epochs: bestEpoch, ...optimizerLr })).weights);

  const dir = await tempDir();
  await fit({ epochs: 2, keepBest: { metric: 'valid_loss', mode: 'min' }, checkpoint: { dir }, ...optimizerLr });
  const resumed = await fit({
    epochs: 4,
    keepBest: { metric: 'valid_loss', mode: 'min' },
    checkpoint: { dir },
    ...optimizerLr,
  });
  assert.equal(resumed.result.bestEpoch, bestEpoch);
  assert.deepEqual(resumed.weights, full.weights);
});

test('gradient accumulation over 2 batches of 4 matches batches of 8; lrAt sees each step; onStep counts steps', async () => {
  const steps: number[] = [];
  const reported: number[] = [];
  const noDropout = (run: Run) => {
    run.model.config.dropout = 0;
    return run;
  };
  const accumulate = async (batchSize: number, micro: number) => {
    reported.length = 0;
    const run = noDropout(
      setUp({
        epochs: 1,
        shuffle: false,
        examples: 16,
        batchSize,
        accumulate: micro,
        lrAt: (s) => (steps.push(s), 0.02),
        onStep: (s) => reported.push(s.step),
      }),
    );
    try {
      await fitModel(run.options);
      return Object.values(run.model.params).map((v) => Array.from(v.dataSync()));
    } finally {
      run.optimizer.dispose();
      disposeLstm(run.model);
    }
  };
  const big = await accumulate(8, 1);
  assert.deepEqual(steps, [0, 1]);
  steps.length = 0;
  const small = await accumulate(4, 2);
  assert.deepEqual(steps, [0, 1]);
  assert.deepEqual(
    reported,
    [0, 1, 1, 2],
    'a batch reports the steps taken once it is trained: its own when it completes one',
  );
  big.forEach((values, k) =>
    values.forEach((v, i) => assert.ok(Math.abs(v - small[k][i]) < 1e-5, `param ${k}[${i}]: ${v} vs ${small[k][i]}`)),
  );
});

test('no tensor outlives fitModel, and a training step leaves the count where it was', async () => {
  const start = tf.memory().numTensors;
  const counts: number[] = [];
  const run = setUp({
    epochs: 2,
    keepBest: { metric: 'valid_loss', mode: 'min' },
    checkpoint: { dir: await tempDir() },
    onStep: () => counts.push(tf.memory().numTensors),
  });
  await fitModel(run.options);
  // After the first step the optimizer holds its moments; from then on every step ends at the same count
  // (the best-epoch snapshot adds a fixed set after epoch 1).
  const perEpoch = Math.ceil(N / 5);
  assert.equal(new Set(counts.slice(1, perEpoch)).size, 1, `epoch 1 counts ${counts.slice(0, perEpoch)}`);
  assert.equal(new Set(counts.slice(perEpoch)).size, 1, `epoch 2 counts ${counts.slice(perEpoch)}`);
  run.optimizer.dispose();
  disposeLstm(run.model);
  assert.equal(tf.memory().numTensors, start);
});

/** The data file the checkpoint manifest in `dir` names. */
async function checkpointData(dir: string): Promise<string> {
  return join(dir, JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')).file);
}

const damages: Record<string, { reason: RegExp; damage(dir: string): Promise<void> }> = {
  'a flipped byte': {
    reason: /has sha256 [0-9a-f]{12}…, the manifest says/,
    damage: async (dir) => {
      const path = await checkpointData(dir);
      const bytes = await readFile(path);
      bytes[bytes.length - 3] ^= 0x40; // inside the last tensor's floats
      await writeFile(path, bytes);
    },
  },
  'a truncated file': {
    reason: /has \d+ bytes, the manifest says \d+/,
    damage: async (dir) => truncate(await checkpointData(dir), 100),
  },
  'a missing data file': {
    reason: /checkpoint\.[0-9a-f]{16}\.safetensors is missing/,
    damage: async (dir) => rm(await checkpointData(dir)),
  },
  'a missing manifest': { reason: /checkpoint\.json is missing/, damage: (dir) => rm(join(dir, MANIFEST_FILE)) },
  'a manifest that is not JSON': {
    reason: /checkpoint\.json: not JSON/,
    damage: (dir) => writeFile(join(dir, MANIFEST_FILE), '{"format": "tfpipe-checkp'),
  },
};

for (const [name, { reason, damage }] of Object.entries(damages)) {
  test(`a checkpoint with ${name} is reported, set aside, and training starts over, ending as an uninterrupted run`, async () => {
    const whole = await fit();
    const dir = join(await tempDir(), 'key');
    const controller = new AbortController();
    await assert.rejects(
      fit({
        checkpoint: { dir },
        signal: controller.signal,
        onEpoch: (row) => row.epoch === 2 && controller.abort(new Error('stop')),
      }),
      /stop/,
    );
    await damage(dir);
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const epochsRun: number[] = [];
    const resumed = await fit({
      checkpoint: { dir },
      log: (m) => lines.push(m),
      onEpochStart: (e) => epochsRun.push(e),
    });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /^the checkpoint is damaged \(/);
    assert.match(lines[0], reason);
    const aside = /set aside as (\S+); training from scratch$/.exec(lines[0])?.[1];
    assert.ok(aside, lines[0]);
    assert.equal(dirname(aside), dirname(dir), 'set aside next to itself, inside the checkpoints folder');
    assert.match(basename(aside), /^key\.damaged-\d{8}T\d{6}Z-[0-9a-f]{4}$/);
    assert.ok((await readdir(aside)).length > 0, 'the damaged files are kept');
    assert.deepEqual(epochsRun, [1, 2, 3]);
    assert.equal(resumed.result.resumedFrom, null);
    assert.deepEqual(resumed.weights, whole.weights);
    assert.deepEqual(figures(resumed.result.history), figures(whole.result.history));
    // the fresh folder holds a sound checkpoint of the finished run
    const lines2: string[] = [];
    await fit({ checkpoint: { dir }, log: (m) => lines2.push(m) });
    assert.deepEqual(lines2, ['checkpoint already holds all 3 epochs; using it (from checkpoint)']);
  });
}

test('a checkpoint.safetensors from before manifests is not trusted: set aside, training from scratch', async () => {
  const dir = join(await tempDir(), 'key');
  await fit({ epochs: 1, checkpoint: { dir } });
  const data = await checkpointData(dir);
  await writeFile(join(dir, 'checkpoint.safetensors'), await readFile(data));
  await rm(data);
  await rm(join(dir, MANIFEST_FILE));
  const lines: string[] = [];
  await fit({ epochs: 1, checkpoint: { dir }, log: (m) => lines.push(m) });
  assert.equal(lines.length, 1);
  assert.match(
    lines[0],
    /the checkpoint is damaged \(checkpoint\.json is missing, so checkpoint\.safetensors cannot be verified\)/,
  );
});

test('a save leaves one manifest and the one data file it names', async () => {
  const dir = join(await tempDir(), 'key');
  await fit({ epochs: 2, checkpoint: { dir, everySteps: 2 } });
  const names = (await readdir(dir)).sort();
  assert.equal(names.length, 2, names.join(', '));
  assert.equal(names[1], MANIFEST_FILE);
  assert.equal(join(dir, names[0]), await checkpointData(dir));
});
