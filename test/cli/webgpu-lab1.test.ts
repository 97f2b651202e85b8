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
import { makeProject, runCli } from './helpers.ts';

const PIPELINE = `# yaml-language-server: $schema=../schemas/pipeline.schema.json
name: webgpu-lab1
seed: 0
stages:
  data:
    kind: load
    path: reviews.csv
    columns: {text: review, label: sentiment}
  split:
    kind: split
    input: data
    test: 0.2
    valid: 0.125
  vocab:
    kind: vocab
    input: split
    min_freq: 1
    stopwords: none
  tokenize:
    kind: tokenize
    input: split
    vocab: vocab
    mode: word
    max_length: 8
  train:
    kind: train
    data: tokenize
    vocab: vocab
    embedding_dim: 8
    hidden_dim: 8
    n_layers: 1
    dropout: 0.5
    optimizer: adam
    lr: 0.01
    batch_size: 16
    clip_grad_norm: 1.0
    epochs: 2
    keep_best: true
  evaluate:
    kind: evaluate
    model: train
    data: tokenize.test
    texts: split.test
    examples: 2
    label_title: Sentiment
`;

/** `rows` reviews of 6 words; positive exactly when "good" or "great" occurs (deterministic, about balanced). */
function reviewsCsv(rows: number): string {
  const words = ['good', 'great', 'bad', 'awful', 'movie', 'film', 'plot', 'actor', 'boring', 'long', 'music', 'scene', 'story', 'end'];
  let state = 12345;
  const next = (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
  const lines = ['review,sentiment'];
  for (let i = 0; i < rows; i++) {
    const text = Array.from({ length: 6 }, () => words[next(words.length)]);
    lines.push(`${text.join(' ')},${text.includes('good') || text.includes('great') ? 'positive' : 'negative'}`);
  }
  return lines.join('\n') + '\n';
}

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
  for (const row of history) assert.ok(Number.isFinite(row.train_loss) && Number.isFinite(row.valid_loss), JSON.stringify(row));
  const evaluation = JSON.parse(await readFile(join(root, 'evaluate/metrics.json'), 'utf8'));
  assert.equal(evaluation.rows, 60);
  assert.ok(Number.isFinite(evaluation.test_loss) && evaluation.test_acc >= 0 && evaluation.test_acc <= 1, JSON.stringify(evaluation));
});
