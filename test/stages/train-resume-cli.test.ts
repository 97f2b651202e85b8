// The real CLI, interrupted (SIGINT) during epoch 3 of a small training: the rerun takes the data stages from the
// cache, says it resumes at epoch 3, and ends with the same figures (full precision, from the exported history.csv
// and metrics.json) as an uninterrupted run with the same seed in another project.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readCsvRows } from '../../runner/runs/entry-files.ts';
import { makeProject, runCli, stagesByAction, startCli, waitForOutput } from '../cli/helpers.ts';
import { lab1Pipeline, reviewsCsv } from '../cli/lab1-fixture.ts';

// lab1 at test size on wasm: a wider two-layer LSTM trained for 4 epochs with the defaults of what lab1 sets
// beyond that (optimizer, lr, clipping, keep_best), and evaluate without examples.
const PIPELINE = lab1Pipeline({
  name: 'resume',
  top: { seed: undefined, backend: 'wasm' },
  loadId: 'data',
  stages: {
    split: { method: undefined, seed: undefined, test: 0.1, valid: 0.1 },
    vocab: { min_freq: 1, stopwords: 'none' },
    tokenize: { max_length: 8 },
    train: {
      embedding_dim: 16,
      hidden_dim: 16,
      n_layers: 2,
      dropout: 0.1,
      batch_size: 8,
      epochs: 4,
      bidirectional: undefined,
      optimizer: undefined,
      lr: undefined,
      clip_grad_norm: undefined,
      keep_best: undefined,
    },
    evaluate: { texts: undefined, examples: undefined, label_title: undefined },
  },
});

/** The figures a run leaves in .tfpipe/metrics/p/: history without timings, and evaluate's metrics. */
async function figures(dir: string): Promise<unknown> {
  const root = join(dir, '.tfpipe/metrics/p');
  const history = (await readCsvRows(join(root, 'train/history.csv')))!.map(
    ({ seconds: _s, samples_per_s: _r, ...rest }) => rest,
  );
  const evaluate = JSON.parse(await readFile(join(root, 'evaluate/metrics.json'), 'utf8'));
  return { history, evaluate };
}

test('SIGINT during epoch 3: the rerun resumes at epoch 3 and ends as an uninterrupted run', async () => {
  const files = { 'p.yaml': PIPELINE, 'reviews.csv': reviewsCsv(1200) };
  const straightDir = await makeProject(files);
  const straight = await runCli(straightDir, ['run', 'p.yaml']);
  assert.equal(straight.code, 0, straight.stdout + straight.stderr);
  assert.doesNotMatch(straight.stdout, /resuming/);

  const dir = await makeProject(files);
  const run = startCli(dir, ['run', 'p.yaml']);
  await waitForOutput(run, 'Epoch 2:'); // printed after epoch 2's checkpoint is written, as epoch 3 starts
  run.child.kill('SIGINT');
  const killed = await run.done;
  assert.equal(killed.code, 130, killed.stdout + killed.stderr);
  assert.match(killed.stdout, /■ train interrupted after/);
  assert.doesNotMatch(killed.stdout, /Epoch 3:/, 'epoch 3 did not finish');

  const rerun = await runCli(dir, ['run', 'p.yaml']);
  assert.equal(rerun.code, 0, rerun.stdout + rerun.stderr);
  assert.match(rerun.stdout, /train: resuming at epoch 3 of 4 \(from checkpoint\)/);
  assert.deepEqual(stagesByAction(rerun.stdout), {
    ran: ['train', 'evaluate'],
    cached: ['data', 'split', 'vocab', 'tokenize'],
  });
  const trained = [...rerun.stdout.matchAll(/^ {2}train: Epoch (\d+):/gm)].map((m) => Number(m[1]));
  assert.deepEqual(trained, [3, 4], 'epochs 1 and 2 are not trained again');
  assert.deepEqual(await figures(dir), await figures(straightDir));

  const again = await runCli(dir, ['run', 'p.yaml']);
  assert.deepEqual(stagesByAction(again.stdout), {
    ran: [],
    cached: ['data', 'split', 'vocab', 'tokenize', 'train', 'evaluate'],
  });
});
