// `tfpipe run --backend webgpu` through a lab1-shaped pipeline (load → split → vocab → tokenize → train with
// clipping and keep-best → evaluate) on a small CSV: the training and evaluation path reads tensors only
// asynchronously, so it finishes on webgpu, where a synchronous read of GPU data throws. `auto` never picks a
// software adapter (Mesa's lavapipe), but naming webgpu uses it; without any adapter the test is skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { probeWebGpuAdapter } from '../../models/backend/webgpu/probe.ts';
import { readCsvRows } from '../../runner/runs/entry-files.ts';
import type { TableRow } from '../../stages/artifacts/csv-table.ts';
import { makeProject, runCli, stagesByAction } from './helpers.ts';
import { lab1Pipeline, reviewsCsv } from './lab1-fixture.ts';

// lab1 at test size, with the data stages' settings of a small vocabulary and a faster lr; two LSTM layers, as
// pipelines/lab1.yaml (their 11 gradients once made clipping's AddN bind more buffers than lavapipe allows).
const PIPELINE = lab1Pipeline({
  name: 'webgpu-lab1',
  loadId: 'data',
  stages: {
    split: { method: undefined, seed: undefined },
    vocab: { min_freq: 1, stopwords: 'none' },
    tokenize: { max_length: 8 },
    train: { bidirectional: undefined, lr: 0.01, batch_size: 16, n_layers: 2 },
  },
});

const probe = await probeWebGpuAdapter();

test('tfpipe run --backend webgpu trains and evaluates a lab1-shaped pipeline', async (t) => {
  if (!probe.found) {
    t.skip(`no WebGPU adapter here: ${probe.reason}`);
    return;
  }
  const dir = await makeProject({ 'p.yaml': PIPELINE, 'reviews.csv': reviewsCsv(300) });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const run = await runCli(dir, ['run', 'p.yaml', '--backend', 'webgpu']);
  const output = run.stdout + run.stderr;
  assert.equal(run.code, 0, output);
  assert.match(run.stdout, /^backend: webgpu \(.+\)$/m, 'the backend line names webgpu and its adapter');
  assert.match(run.stdout, /^ {2}train: Epoch 2: train loss \d+\.\d{4} acc \d\.\d{4} \| valid loss/m, output);
  assert.match(run.stdout, /^done: 6 ran, 0 cached$/m, output);

  const root = join(dir, '.tfpipe/metrics/p');
  const history = (await readCsvRows(join(root, 'train/history.csv')))!;
  assert.equal(history.length, 2);
  for (const row of history)
    assert.ok(Number.isFinite(row.train_loss) && Number.isFinite(row.valid_loss), JSON.stringify(row));
  const evaluation = JSON.parse(await readFile(join(root, 'evaluate/metrics.json'), 'utf8'));
  assert.equal(evaluation.rows, 60);
  assert.ok(
    Number.isFinite(evaluation.test_loss) && evaluation.test_acc >= 0 && evaluation.test_acc <= 1,
    JSON.stringify(evaluation),
  );

  // reproducible on the GPU: training again from scratch gives the same figures, bit for bit
  const again = await runCli(dir, ['run', 'p.yaml', '--backend', 'webgpu', '--force=train']);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.deepEqual(stagesByAction(again.stdout).ran, ['train'], 'train ran again');
  const figures = (rows: TableRow[]) => rows.map(({ seconds: _s, samples_per_s: _r, ...rest }) => rest);
  assert.deepEqual(figures((await readCsvRows(join(root, 'train/history.csv')))!), figures(history));
});
